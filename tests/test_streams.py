import pytest

from websockets.streams import StreamReader


def run(gen):
    """Advance a generator-based coroutine; return ("running",) or its result."""
    try:
        next(gen)
    except StopIteration as exc:
        return ("returned", exc.value)
    return ("running",)


@pytest.fixture
def reader():
    return StreamReader()


def test_initial_state(reader):
    assert reader.buffer == bytearray()
    assert reader.eof is False


# read_line


def test_read_line_returns_lines_including_terminator(reader):
    reader.feed_data(b"spam\r\neggs\n")
    assert run(reader.read_line(32)) == ("returned", bytearray(b"spam\r\n"))
    assert run(reader.read_line(32)) == ("returned", bytearray(b"eggs\n"))
    assert reader.buffer == b""


def test_read_line_returns_bytearray(reader):
    reader.feed_data(b"a\n")
    _, line = run(reader.read_line(32))
    assert type(line) is bytearray


def test_read_line_waits_for_lf(reader):
    gen = reader.read_line(32)
    assert run(gen) == ("running",)
    reader.feed_data(b"spa")
    assert run(gen) == ("running",)
    reader.feed_data(b"m\neg")
    assert run(gen) == ("returned", bytearray(b"spam\n"))
    assert reader.buffer == b"eg"


def test_read_line_accepts_line_of_exactly_m_bytes(reader):
    reader.feed_data(b"abc\n")
    assert run(reader.read_line(4)) == ("returned", bytearray(b"abc\n"))


def test_read_line_too_long_with_lf(reader):
    reader.feed_data(b"abcdefg\n")
    with pytest.raises(RuntimeError) as raised:
        run(reader.read_line(7))
    assert str(raised.value) == "read 8 bytes, expected no more than 7 bytes"
    # Nothing is consumed.
    assert reader.buffer == b"abcdefg\n"


def test_read_line_too_long_without_lf_fails_early(reader):
    reader.feed_data(b"abcdefg")
    with pytest.raises(RuntimeError) as raised:
        run(reader.read_line(4))
    assert str(raised.value) == "read 7 bytes, expected no more than 4 bytes"


def test_read_line_m_bytes_without_lf_keeps_waiting(reader):
    reader.feed_data(b"abcd")
    assert run(reader.read_line(4)) == ("running",)


def test_read_line_too_long_after_waiting(reader):
    gen = reader.read_line(4)
    assert run(gen) == ("running",)
    reader.feed_data(b"abcde")
    with pytest.raises(RuntimeError) as raised:
        run(gen)
    assert str(raised.value) == "read 5 bytes, expected no more than 4 bytes"


def test_read_line_too_long_custom_exception(reader):
    reader.feed_data(b"abcdefg\n")
    with pytest.raises(ValueError) as raised:
        run(reader.read_line(7, ValueError))
    assert str(raised.value) == "read 8 bytes, expected no more than 7 bytes"


def test_read_line_too_long_takes_precedence_over_eof(reader):
    reader.feed_data(b"abcdef")
    reader.feed_eof()
    with pytest.raises(RuntimeError) as raised:
        run(reader.read_line(3))
    assert str(raised.value) == "read 6 bytes, expected no more than 3 bytes"


def test_read_line_eof_before_lf(reader):
    reader.feed_data(b"spa")
    reader.feed_eof()
    with pytest.raises(EOFError) as raised:
        run(reader.read_line(32))
    assert str(raised.value) == "stream ends after 3 bytes, before end of line"


def test_read_line_eof_while_waiting(reader):
    gen = reader.read_line(32)
    assert run(gen) == ("running",)
    reader.feed_eof()
    with pytest.raises(EOFError) as raised:
        run(gen)
    assert str(raised.value) == "stream ends after 0 bytes, before end of line"


def test_read_line_complete_line_before_eof(reader):
    reader.feed_data(b"ab\ncd")
    reader.feed_eof()
    assert run(reader.read_line(32)) == ("returned", bytearray(b"ab\n"))
    with pytest.raises(EOFError) as raised:
        run(reader.read_line(32))
    assert str(raised.value) == "stream ends after 2 bytes, before end of line"


# read_exact


def test_read_exact(reader):
    reader.feed_data(b"abcdef")
    assert run(reader.read_exact(4)) == ("returned", bytearray(b"abcd"))
    assert reader.buffer == b"ef"


def test_read_exact_zero(reader):
    assert run(reader.read_exact(0)) == ("returned", bytearray(b""))


def test_read_exact_waits(reader):
    gen = reader.read_exact(4)
    assert run(gen) == ("running",)
    reader.feed_data(b"ab")
    assert run(gen) == ("running",)
    reader.feed_data(b"cdef")
    assert run(gen) == ("returned", bytearray(b"abcd"))
    assert reader.buffer == b"ef"


def test_read_exact_eof(reader):
    reader.feed_data(b"ab")
    reader.feed_eof()
    with pytest.raises(EOFError) as raised:
        run(reader.read_exact(4))
    assert str(raised.value) == "stream ends after 2 bytes, expected 4 bytes"


def test_read_exact_eof_while_waiting(reader):
    gen = reader.read_exact(4)
    assert run(gen) == ("running",)
    reader.feed_data(b"a")
    reader.feed_eof()
    with pytest.raises(EOFError) as raised:
        run(gen)
    assert str(raised.value) == "stream ends after 1 bytes, expected 4 bytes"


def test_read_exact_zero_after_eof(reader):
    reader.feed_eof()
    assert run(reader.read_exact(0)) == ("returned", bytearray(b""))


def test_read_exact_negative(reader):
    with pytest.raises(AssertionError):
        run(reader.read_exact(-1))


# read_to_eof


def test_read_to_eof(reader):
    reader.feed_data(b"abc")
    gen = reader.read_to_eof(10)
    assert run(gen) == ("running",)
    reader.feed_data(b"def")
    assert run(gen) == ("running",)
    reader.feed_eof()
    assert run(gen) == ("returned", bytearray(b"abcdef"))
    assert reader.buffer == b""


def test_read_to_eof_accepts_exactly_m_bytes(reader):
    reader.feed_data(b"abcdef")
    gen = reader.read_to_eof(6)
    assert run(gen) == ("running",)
    reader.feed_eof()
    assert run(gen) == ("returned", bytearray(b"abcdef"))


def test_read_to_eof_too_long(reader):
    reader.feed_data(b"abcdefg")
    with pytest.raises(RuntimeError) as raised:
        run(reader.read_to_eof(6))
    assert str(raised.value) == "read 7 bytes, expected no more than 6 bytes"


def test_read_to_eof_too_long_after_waiting(reader):
    gen = reader.read_to_eof(3, OSError)
    assert run(gen) == ("running",)
    reader.feed_data(b"abcd")
    with pytest.raises(OSError) as raised:
        run(gen)
    assert str(raised.value) == "read 4 bytes, expected no more than 3 bytes"


def test_read_to_eof_after_eof_returns_everything(reader):
    # The limit protects against buffering without bounds while waiting.
    # Once the stream has ended, the data is already in memory.
    reader.feed_data(b"abcdef")
    reader.feed_eof()
    assert run(reader.read_to_eof(3)) == ("returned", bytearray(b"abcdef"))


def test_read_to_eof_empty(reader):
    reader.feed_eof()
    assert run(reader.read_to_eof(3)) == ("returned", bytearray(b""))
    assert reader.eof is True


# at_eof


def test_at_eof_with_data(reader):
    reader.feed_data(b"a")
    assert run(reader.at_eof()) == ("returned", False)


def test_at_eof_after_eof(reader):
    reader.feed_eof()
    assert run(reader.at_eof()) == ("returned", True)


def test_at_eof_with_data_after_eof(reader):
    reader.feed_data(b"a")
    reader.feed_eof()
    assert run(reader.at_eof()) == ("returned", False)


def test_at_eof_waits_for_data(reader):
    gen = reader.at_eof()
    assert run(gen) == ("running",)
    reader.feed_data(b"")
    assert run(gen) == ("running",)
    reader.feed_data(b"a")
    assert run(gen) == ("returned", False)


def test_at_eof_waits_for_eof(reader):
    gen = reader.at_eof()
    assert run(gen) == ("running",)
    reader.feed_eof()
    assert run(gen) == ("returned", True)


# feed_data, feed_eof, discard


def test_feed_data_accepts_bytes_like(reader):
    reader.feed_data(b"a")
    reader.feed_data(bytearray(b"b"))
    reader.feed_data(memoryview(b"c"))
    assert reader.buffer == b"abc"


def test_feed_data_rejects_str(reader):
    with pytest.raises(TypeError):
        reader.feed_data("a")


def test_feed_data_after_eof(reader):
    reader.feed_eof()
    with pytest.raises(EOFError) as raised:
        reader.feed_data(b"a")
    assert str(raised.value) == "stream ended"


def test_feed_eof_twice(reader):
    reader.feed_eof()
    with pytest.raises(EOFError) as raised:
        reader.feed_eof()
    assert str(raised.value) == "stream ended"


def test_discard_keeps_stream_open(reader):
    reader.feed_data(b"abc")
    reader.discard()
    assert reader.buffer == b""
    assert reader.eof is False
    reader.feed_data(b"d")
    assert reader.buffer == b"d"
