"""
Tests for the utf8 kernel: both twins against CPython's UTF-8 decoder.

Tests that take the ``utf8_twin`` fixture (``tests/twins.py``) run with the
pure twin and with each vectorised pre-pass of the compiled twin.

The decoder is the oracle: ``bytes.decode("utf-8")`` for
:func:`validate_utf8` and ``codecs.getincrementaldecoder("utf-8")()`` for
:class:`Utf8Validator`. Every comparison covers the exception type and its
``object``, ``start``, ``end`` and ``reason`` (hence its message).

"""

from __future__ import annotations

import array
import codecs
import functools
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.twins import compiled_modules, pure


PURE = pure("utf8")


# Outcomes: None if valid, else a tuple describing the exception.


def outcome(exc):
    if isinstance(exc, UnicodeDecodeError):
        assert type(exc.object) is bytes
        return (
            type(exc).__name__,
            exc.encoding,
            exc.object,
            exc.start,
            exc.end,
            exc.reason,
            str(exc),
        )
    return (type(exc).__name__, str(exc))


def call(function, *args):
    try:
        function(*args)
    except (UnicodeDecodeError, TypeError) as exc:
        return outcome(exc)
    return None


def oracle(data):
    return call(lambda data: bytes(data).decode("utf-8"), data)


def oracle_incremental(chunks, final=True):
    """Outcome of each decode() call, going on after errors."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    last = len(chunks) - 1
    return [
        call(decoder.decode, bytes(chunk), final and index == last)
        for index, chunk in enumerate(chunks)
    ]


def incremental(utf8_twin, chunks, final=True):
    """Outcome of each feed() call, going on after errors."""
    validator = utf8_twin.Utf8Validator()
    last = len(chunks) - 1
    return [
        call(validator.feed, chunk, final and index == last)
        for index, chunk in enumerate(chunks)
    ]


def check(utf8_twin, data):
    """Compare validate_utf8() to bytes.decode()."""
    assert call(utf8_twin.validate_utf8, data) == oracle(data)


def check_incremental(utf8_twin, chunks, final=True):
    """Compare Utf8Validator.feed() to the incremental decoder."""
    assert incremental(utf8_twin, chunks, final) == oracle_incremental(chunks, final)


def splits(data, fragments):
    """Every way to cut data into the given number of fragments."""
    if fragments == 1:
        yield [data]
        return
    for cut in range(len(data) + 1):
        for rest in splits(data[cut:], fragments - 1):
            yield [data[:cut], *rest]


def fragment(data, cuts):
    """Cut data at sorted positions."""
    bounds = zip([0, *cuts], [*cuts, len(data)], strict=True)
    return [data[start:end] for start, end in bounds]


# Test vectors, in the classes of section 6 of the Autobahn test suite.

VALID = [
    # 6.1 empty payload
    b"",
    # 6.2 valid UTF-8 with 2-byte characters
    "Hello-µ@ßöäüàá-UTF-8!!".encode(),
    # 6.3 and 6.5: the Greek word kosme, 2- and 3-byte characters
    "κόσμε".encode(),
    # 6.7 first code point of each length
    b"\x00",
    b"\xc2\x80",
    b"\xe0\xa0\x80",
    b"\xf0\x90\x80\x80",
    # 6.9 last code point of each length
    b"\x7f",
    b"\xdf\xbf",
    b"\xef\xbf\xbf",
    b"\xf4\x8f\xbf\xbf",
    # 6.11 other boundaries: around the surrogates, U+FFFD
    b"\xed\x9f\xbf",
    b"\xee\x80\x80",
    b"\xef\xbf\xbd",
    # 6.22 noncharacters are valid UTF-8
    b"\xef\xbf\xbe",
    b"\xf0\x9f\xbf\xbe",
    b"\xf3\xbf\xbf\xbf",
    b"\xf4\x8f\xbf\xbe",
    b"\xef\xb7\x90\xef\xb7\xaf",
    # 6.23 replacement characters
    b"\xef\xbf\xbd" * 3,
    # mixed lengths, ASCII in between
    "a€b𝄞c©d😀".encode(),
    "Привет, 世界! 🎉".encode(),
]

INVALID = [
    # 6.3 kosme followed by a code point beyond U+10FFFF
    "κόσμε".encode() + b"\xed\xa0\x80edited",
    # 6.4 fail fast: the error comes before the rest of the payload
    "κόσμε".encode() + b"\xf4\x90\x80\x80" + b"edited",
    b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80",
    # 6.8 first sequences of 5 and 6 bytes
    b"\xf8\x88\x80\x80\x80",
    b"\xfc\x84\x80\x80\x80\x80",
    # 6.10 last sequences of 4, 5 and 6 bytes, beyond U+10FFFF
    b"\xf7\xbf\xbf\xbf",
    b"\xfb\xbf\xbf\xbf\xbf",
    b"\xfd\xbf\xbf\xbf\xbf\xbf",
    # 6.11 U+110000 and beyond, F5..FF
    b"\xf4\x90\x80\x80",
    b"\xf4\xbf\xbf\xbf",
    b"\xf5\x80\x80\x80",
    # 6.12 unexpected continuation bytes
    b"\x80",
    b"\xbf",
    b"\x80\xbf",
    b"\x80\xbf\x80",
    b"\x80\xbf\x80\xbf",
    b"a\x80b",
    bytes(range(0x80, 0xC0)),
    # 6.13 lonely start bytes followed by a space
    b"".join(bytes([lead, 0x20]) for lead in range(0xC0, 0xE0)),
    b"".join(bytes([lead, 0x20]) for lead in range(0xE0, 0xF0)),
    b"".join(bytes([lead, 0x20]) for lead in range(0xF0, 0xF8)),
    b"\xf8\x20\xf9\x20\xfa\x20\xfb\x20",
    b"\xfc\x20\xfd\x20",
    # 6.14 sequences with their last continuation byte missing
    b"\xc0",
    b"\xe0\x80",
    b"\xf0\x80\x80",
    b"\xf8\x80\x80\x80",
    b"\xfc\x80\x80\x80\x80",
    b"\xdf",
    b"\xef\xbf",
    b"\xf7\xbf\xbf",
    b"\xfb\xbf\xbf\xbf",
    b"\xfd\xbf\xbf\xbf\xbf",
    b"\xc2",
    b"\xe2\x82",
    b"\xf0\x9f\x98",
    b"ok\xf0\x9f",
    # 6.15 concatenation of incomplete sequences
    b"\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80\xfc\x80\x80\x80\x80"
    b"\xdf\xef\xbf\xf7\xbf\xbf\xfb\xbf\xbf\xbf\xfd\xbf\xbf\xbf\xbf",
    b"\xc2\xe2\x82\xf0\x9f\x98",
    # 6.16 impossible bytes
    b"\xfe",
    b"\xff",
    b"\xfe\xfe\xff\xff",
    # 6.17 overlong ASCII
    b"\xc0\xaf",
    b"\xe0\x80\xaf",
    b"\xf0\x80\x80\xaf",
    b"\xf8\x80\x80\x80\xaf",
    b"\xfc\x80\x80\x80\x80\xaf",
    # 6.18 longest overlong sequences
    b"\xc1\xbf",
    b"\xe0\x9f\xbf",
    b"\xf0\x8f\xbf\xbf",
    b"\xf8\x87\xbf\xbf\xbf",
    b"\xfc\x83\xbf\xbf\xbf\xbf",
    # 6.19 overlong NUL
    b"\xc0\x80",
    b"\xe0\x80\x80",
    b"\xf0\x80\x80\x80",
    b"\xf8\x80\x80\x80\x80",
    b"\xfc\x80\x80\x80\x80\x80",
    # 6.20 single surrogates
    b"\xed\xa0\x80",
    b"\xed\xad\xbf",
    b"\xed\xae\x80",
    b"\xed\xaf\xbf",
    b"\xed\xb0\x80",
    b"\xed\xbe\x80",
    b"\xed\xbf\xbf",
    # 6.21 surrogate pairs
    b"\xed\xa0\x80\xed\xb0\x80",
    b"\xed\xad\xbf\xed\xbf\xbf",
    b"\xed\xaf\xbf\xed\xbf\xbf",
    # invalid continuations in 2-, 3- and 4-byte sequences
    b"\xc2\x41",
    b"\xc2\xc2\x80",
    b"\xe1\x41\x80",
    b"\xe1\x80\x41",
    b"\xe1\x80\xc2\x80",
    b"\xf1\x41\x80\x80",
    b"\xf1\x80\x41\x80",
    b"\xf1\x80\x80\x41",
    b"\xf0\x90\x28",
    b"\xf0\x90\x80\x28",
    # a valid sequence with one byte too many
    b"\xc2\x80\x80",
    b"\xe2\x82\xac\x80",
    b"\xf0\x9f\x98\x80\x80",
]


# validate_utf8()


@pytest.mark.parametrize("data", VALID)
def test_validate_accepts_valid_utf8(utf8_twin, data):
    assert utf8_twin.validate_utf8(data) is None


@pytest.mark.parametrize("data", INVALID)
def test_validate_rejects_invalid_utf8_like_decode(utf8_twin, data):
    result = call(utf8_twin.validate_utf8, data)
    assert result is not None
    assert result == oracle(data)


@pytest.mark.parametrize(
    "data, start, end, reason",
    [
        (b"\x80", 0, 1, "invalid start byte"),
        (b"a\xbf", 1, 2, "invalid start byte"),
        (b"\xc0\xaf", 0, 1, "invalid start byte"),
        (b"\xf5\x80\x80\x80", 0, 1, "invalid start byte"),
        (b"\xff", 0, 1, "invalid start byte"),
        (b"\xe0\x80\xaf", 0, 1, "invalid continuation byte"),
        (b"\xed\xa0\x80", 0, 1, "invalid continuation byte"),
        (b"\xf4\x90\x80\x80", 0, 1, "invalid continuation byte"),
        (b"\xe1\x80\x41", 0, 2, "invalid continuation byte"),
        (b"\xf0\x90\x28", 0, 2, "invalid continuation byte"),
        (b"\xf0\x90\x80\x28", 0, 3, "invalid continuation byte"),
        (b"ab\xe2\x82", 2, 4, "unexpected end of data"),
        (b"\xed\xa0", 0, 1, "invalid continuation byte"),
    ],
)
def test_validate_reports_position_and_reason(utf8_twin, data, start, end, reason):
    with pytest.raises(UnicodeDecodeError) as raised:
        utf8_twin.validate_utf8(data)
    exc = raised.value
    assert (exc.encoding, exc.object) == ("utf-8", data)
    assert (exc.start, exc.end, exc.reason) == (start, end, reason)


@pytest.mark.parametrize(
    "make",
    [
        bytes,
        bytearray,
        memoryview,
        lambda data: memoryview(b"xx" + data + b"yy")[2:-2],
        lambda data: memoryview(bytes(byte for b in data for byte in (b, 0)))[::2],
        lambda data: (
            memoryview(bytearray(data)).cast("B", (2, len(data) // 2))
            if len(data) % 2 == 0 and data
            else memoryview(bytearray(data))
        ),
        lambda data: array.array("B", data),
    ],
    ids=[
        "bytes",
        "bytearray",
        "memoryview",
        "memoryview-slice",
        "memoryview-non-contiguous",
        "memoryview-2d",
        "array",
    ],
)
@pytest.mark.parametrize("data", [b"", "x€𝄞".encode(), b"abc\xed\xa0\x80def"])
def test_validate_accepts_bytes_like_objects(utf8_twin, make, data):
    assert call(utf8_twin.validate_utf8, make(data)) == oracle(data)


@pytest.mark.parametrize("data", ["text", 42, None, [0x61], object()])
def test_validate_rejects_other_types(utf8_twin, data):
    with pytest.raises(TypeError) as raised:
        utf8_twin.validate_utf8(data)
    assert str(raised.value) == (
        f"a bytes-like object is required, not '{type(data).__name__}'"
    )


# Utf8Validator


@pytest.mark.parametrize("data", VALID + INVALID)
def test_incremental_matches_decoder_for_every_split(utf8_twin, data):
    for fragments in (1, 2, 3):
        for chunks in splits(data, fragments):
            check_incremental(utf8_twin, chunks, final=True)
            check_incremental(utf8_twin, chunks, final=False)


@pytest.mark.parametrize("data", VALID + INVALID)
def test_incremental_matches_decoder_byte_by_byte(utf8_twin, data):
    chunks = [data[index : index + 1] for index in range(len(data))]
    check_incremental(utf8_twin, chunks + [b""])
    check_incremental(utf8_twin, chunks, final=False)


@pytest.mark.parametrize(
    "prefix",
    [b"\xc2", b"\xe2", b"\xe2\x82", b"\xf0", b"\xf0\x9f", b"\xf0\x9f\x98", b"\xe0\xa0"],
)
def test_incremental_keeps_truncated_character_until_final(utf8_twin, prefix):
    validator = utf8_twin.Utf8Validator()
    validator.feed(b"ok" + prefix)
    with pytest.raises(UnicodeDecodeError) as raised:
        validator.feed(b"", final=True)
    exc = raised.value
    assert (exc.object, exc.start, exc.end) == (prefix, 0, len(prefix))
    assert exc.reason == "unexpected end of data"


def test_incremental_completes_character_across_fragments(utf8_twin):
    validator = utf8_twin.Utf8Validator()
    for byte in "😀".encode():
        validator.feed(bytes([byte]))
    validator.feed(b"", final=True)


def test_incremental_raises_as_soon_as_error_is_certain(utf8_twin):
    # F4 90 is beyond U+10FFFF whatever follows.
    validator = utf8_twin.Utf8Validator()
    validator.feed(b"\xf4")
    with pytest.raises(UnicodeDecodeError) as raised:
        validator.feed(b"\x90")
    exc = raised.value
    assert (exc.object, exc.start, exc.end) == (b"\xf4\x90", 0, 1)
    assert exc.reason == "invalid continuation byte"


def test_incremental_reports_error_spanning_fragments(utf8_twin):
    validator = utf8_twin.Utf8Validator()
    validator.feed(b"\xf0\x90")
    with pytest.raises(UnicodeDecodeError) as raised:
        validator.feed(b"\x28rest")
    exc = raised.value
    assert (exc.object, exc.start, exc.end) == (b"\xf0\x90\x28rest", 0, 2)
    assert exc.reason == "invalid continuation byte"


def test_incremental_keeps_truncated_surrogate_until_next_byte(utf8_twin):
    # Like CPython's incremental decoder, which accepts a surrogate prefix at
    # the end of its input because the surrogatepass error handler could
    # decode it, only the next byte or the end of the message raises.
    validator = utf8_twin.Utf8Validator()
    validator.feed(b"\xed\xa0")
    with pytest.raises(UnicodeDecodeError) as raised:
        validator.feed(b"\x80")
    exc = raised.value
    assert (exc.object, exc.start, exc.end) == (b"\xed\xa0\x80", 0, 1)
    with pytest.raises(UnicodeDecodeError) as raised:
        validator.feed(b"", final=True)
    exc = raised.value
    assert (exc.object, exc.start, exc.end) == (b"\xed\xa0", 0, 1)
    assert exc.reason == "invalid continuation byte"


def test_incremental_keeps_previous_state_after_error(utf8_twin):
    # After an error, the validator is in the state it had before the call,
    # like the incremental decoder: the pending bytes are still there.
    validator = utf8_twin.Utf8Validator()
    validator.feed(b"ab\xe2")
    with pytest.raises(UnicodeDecodeError) as raised:
        validator.feed(b"\xff")
    assert (raised.value.object, raised.value.start) == (b"\xe2\xff", 0)
    validator.feed(b"\x82\xac", final=True)


def test_incremental_reset_forgets_pending_bytes(utf8_twin):
    validator = utf8_twin.Utf8Validator()
    validator.feed(b"\xe2\x82")
    validator.reset()
    validator.feed(b"abc", final=True)


def test_incremental_validates_next_message_after_final(utf8_twin):
    validator = utf8_twin.Utf8Validator()
    validator.feed("first €".encode(), final=True)
    validator.feed(b"\xe2\x82")
    with pytest.raises(UnicodeDecodeError):
        validator.feed(b"", final=True)


def test_incremental_accepts_bytes_like_objects(utf8_twin):
    data = "é€😀".encode() * 3
    chunks = [
        bytearray(data[:5]),
        memoryview(data)[5:9],
        memoryview(bytes(byte for b in data[9:] for byte in (b, 0)))[::2],
    ]
    check_incremental(utf8_twin, chunks)


def test_incremental_rejects_other_types(utf8_twin):
    validator = utf8_twin.Utf8Validator()
    with pytest.raises(TypeError) as raised:
        validator.feed("text")
    assert str(raised.value) == "a bytes-like object is required, not 'str'"


@pytest.mark.parametrize("module", compiled_modules("utf8"))
def test_set_implementation_rejects_unknown_names(module):
    before = module.IMPLEMENTATION
    with pytest.raises(ValueError):
        module._set_implementation("sse9")
    assert module.IMPLEMENTATION == before
    assert module.IMPLEMENTATION in module._supported_implementations()


# Differential tests: arguments wrong in several ways at once.


class Unbooleanable:
    def __bool__(self):
        raise ZeroDivisionError("no truth value")


BAD_DATA = ["text", 42, None, b"\xff", b"ok\xe2", memoryview(b"\xed\xa0\x80")]
FINALS = [False, True, 0, "", Unbooleanable()]


def any_outcome(function, *args):
    try:
        function(*args)
    except Exception as exc:
        return outcome(exc)
    return None


def test_twins_check_arguments_in_the_same_order(utf8_compiled):
    for data in BAD_DATA:
        assert any_outcome(utf8_compiled.validate_utf8, data) == any_outcome(
            PURE.validate_utf8, data
        )
        for final in FINALS:
            expected = any_outcome(PURE.Utf8Validator().feed, data, final)
            got = any_outcome(utf8_compiled.Utf8Validator().feed, data, final)
            assert got == expected, (data, final)


# Differential tests: random valid and corrupted UTF-8.

# Characters of each encoded length, including the boundaries.
CHARACTERS = [
    "\x00 azAZ09~\x7f",
    "\x80éßµΩжЖשم߿",
    "\u0800€中文日本語한국어\ud7ff\ue000\ufffd\uffff",
    "\U00010000😀🎉𝄞🚀\U0010ffff",
]

CORRUPTIONS = [
    b"\x80",
    b"\xbf\xbf",
    b"\xc0\xaf",
    b"\xc1\xbf",
    b"\xc2",
    b"\xc2A",
    b"\xe0\x80\x80",
    b"\xe0\x9f\xbf",
    b"\xe2\x82",
    b"\xe2\x82A",
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    b"\xf0\x8f\xbf\xbf",
    b"\xf0\x9f\x98",
    b"\xf0\x9f\x98A",
    b"\xf4\x90\x80\x80",
    b"\xf5\x80\x80\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\xfe",
    b"\xff",
]

SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65]
SIZES += [95, 96, 127, 128, 129, 255, 1000, 4096, 65537, 2 * 1024 * 1024]


@functools.cache
def random_utf8(size, seed):
    """Valid UTF-8 of exactly ``size`` bytes, mostly ASCII or mostly not."""
    rng = random.Random(seed)
    weights = [rng.choice([1, 10, 100]) for _ in CHARACTERS]
    pools = rng.choices(CHARACTERS, weights, k=size)
    text = "".join(rng.choice(pool) for pool in pools).encode()
    # Characters are up to 4 bytes long: pad with ASCII instead.
    cut = size
    while cut > 0 and cut < len(text) and text[cut] & 0xC0 == 0x80:
        cut -= 1
    return text[:cut] + b"x" * (size - cut)


def corrupt(data, rng):
    """Insert an invalid sequence, overwrite a byte, or truncate."""
    position = rng.randrange(len(data) + 1)
    choice = rng.randrange(4)
    if choice == 0:
        return data[:position] + rng.choice(CORRUPTIONS) + data[position:]
    if choice == 1 and data:
        position = min(position, len(data) - 1)
        return data[:position] + bytes([rng.randrange(256)]) + data[position + 1 :]
    if choice == 2:
        return data[:position]
    return data + rng.choice(CORRUPTIONS)[:-1]


def at_offset(data, offset):
    """A memoryview of ``data`` starting ``offset`` bytes into a bytearray."""
    return memoryview(bytearray(b"\xff" * offset + data))[offset:]


@pytest.mark.parametrize("size", SIZES)
def test_random_utf8_matches_decoder_at_every_alignment(utf8_twin, size):
    rng = random.Random(size)
    valid = random_utf8(size, seed=size)
    samples = [valid] + [corrupt(valid, rng) for _ in range(3)]
    for data in samples:
        expected = oracle(data)
        for offset in range(8):
            assert call(utf8_twin.validate_utf8, at_offset(data, offset)) == expected


@pytest.mark.parametrize("size", SIZES)
def test_random_utf8_matches_incremental_decoder(utf8_twin, size):
    rng = random.Random(-size)
    valid = random_utf8(size, seed=size)
    for data in [valid] + [corrupt(valid, rng) for _ in range(3)]:
        cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randrange(6)))
        chunks = fragment(data, cuts)
        offset = rng.randrange(8)
        views = [at_offset(chunk, offset) for chunk in chunks]
        assert incremental(utf8_twin, views) == oracle_incremental(chunks)


def test_corruption_at_every_position_matches_decoder(utf8_twin):
    # Errors right before, on and after each 32-byte block boundary.
    rng = random.Random(0)
    valid = random_utf8(300, seed=1)
    for position in range(0, 300):
        sequence = CORRUPTIONS[position % len(CORRUPTIONS)]
        data = valid[:position] + sequence + valid[position:]
        check(utf8_twin, data)
        cut = rng.randrange(len(data) + 1)
        check_incremental(utf8_twin, [data[:cut], data[cut:]])


utf8_text = st.text().map(str.encode)
utf8_like = st.one_of(
    st.binary(max_size=300),
    utf8_text,
    st.lists(st.one_of(utf8_text, st.sampled_from(CORRUPTIONS))).map(b"".join),
)

hypothesis_settings = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@hypothesis_settings
@given(data=utf8_like, offset=st.integers(0, 7))
def test_hypothesis_validate_matches_decoder(utf8_twin, data, offset):
    assert call(utf8_twin.validate_utf8, at_offset(data, offset)) == oracle(data)


@hypothesis_settings
@given(
    data=utf8_like, cuts=st.lists(st.integers(0, 300), max_size=5), final=st.booleans()
)
def test_hypothesis_incremental_matches_decoder(utf8_twin, data, cuts, final):
    cuts = sorted(min(position, len(data)) for position in cuts)
    chunks = fragment(data, cuts)
    check_incremental(utf8_twin, chunks, final)
