from __future__ import annotations

import threading

import pytest

from websockets.exceptions import ConcurrencyError
from websockets.frames import OP_BINARY, OP_CONT, OP_TEXT, Frame
from websockets.sync.messages import Assembler
from websockets.sync.utils import Deadline

from .sync_utils import DEADLINE, join, wait_until


def test_get_returns_text_message():
    assembler = Assembler()
    assembler.put(Frame(OP_TEXT, "café".encode()))
    assert assembler.get() == "café"


def test_get_returns_binary_message():
    assembler = Assembler()
    assembler.put(Frame(OP_BINARY, b"tea"))
    assert assembler.get() == b"tea"


def test_get_reassembles_fragmented_message():
    assembler = Assembler()
    assembler.put(Frame(OP_TEXT, b"ca", fin=False))
    assembler.put(Frame(OP_CONT, b"f\xc3", fin=False))
    assembler.put(Frame(OP_CONT, b"\xa9", fin=True))
    assert assembler.get() == "café"


def test_get_decode_overrides_frame_type():
    assembler = Assembler()
    assembler.put(Frame(OP_TEXT, b"tea"))
    assembler.put(Frame(OP_BINARY, b"tea"))
    assert assembler.get(decode=False) == b"tea"
    assert assembler.get(decode=True) == "tea"


def test_get_times_out_without_complete_message():
    assembler = Assembler()
    assembler.put(Frame(OP_TEXT, b"ca", fin=False))
    with pytest.raises(TimeoutError, match="timed out in 0.0s"):
        assembler.get(timeout=0.01)
    # The partial message is still there and completes later.
    assembler.put(Frame(OP_CONT, b"fe", fin=True))
    assert assembler.get(timeout=0) == "cafe"


def test_get_with_negative_timeout_raises_immediately():
    assembler = Assembler()
    with pytest.raises(TimeoutError, match="timed out in -1.0s"):
        assembler.get(timeout=-1)


def test_get_waits_for_message_from_another_thread():
    assembler = Assembler()
    thread = threading.Thread(target=assembler.put, args=(Frame(OP_TEXT, b"x"),))
    thread.start()
    assert assembler.get() == "x"
    join(thread)


def test_get_raises_eoferror_after_close_once_queue_is_empty():
    assembler = Assembler()
    assembler.put(Frame(OP_TEXT, b"last"))
    assembler.close()
    assert assembler.get() == "last"
    with pytest.raises(EOFError):
        assembler.get()


def test_close_wakes_up_waiting_get():
    assembler = Assembler()
    errors = []

    def getter():
        try:
            assembler.get()
        except EOFError as exc:
            errors.append(exc)

    thread = threading.Thread(target=getter)
    thread.start()
    assembler.close()
    join(thread)
    assert len(errors) == 1


def test_put_after_close_raises_eof_error():
    assembler = Assembler()
    assembler.close()
    with pytest.raises(EOFError, match="stream of frames ended"):
        assembler.put(Frame(OP_TEXT, b"x"))
    with pytest.raises(EOFError):
        assembler.get()


def test_concurrent_get_raises_concurrency_error():
    assembler = Assembler()
    started = threading.Event()
    result = []

    def getter():
        started.set()
        result.append(assembler.get())

    thread = threading.Thread(target=getter)
    thread.start()
    assert started.wait(DEADLINE)
    wait_until(lambda: assembler.get_in_progress)
    with pytest.raises(ConcurrencyError):
        assembler.get()
    assembler.put(Frame(OP_TEXT, b"x"))
    join(thread)
    assert result == ["x"]


def test_get_iter_yields_fragments():
    assembler = Assembler()
    assembler.put(Frame(OP_TEXT, b"ca", fin=False))
    assembler.put(Frame(OP_CONT, b"f\xc3", fin=False))
    assembler.put(Frame(OP_CONT, b"\xa9", fin=True))
    assert list(assembler.get_iter()) == ["ca", "f", "é"]


def test_get_iter_yields_binary_fragments():
    assembler = Assembler()
    assembler.put(Frame(OP_BINARY, b"ab", fin=False))
    assembler.put(Frame(OP_CONT, b"cd", fin=True))
    assert list(assembler.get_iter()) == [b"ab", b"cd"]
    assembler.put(Frame(OP_TEXT, b"ab", fin=True))
    assert list(assembler.get_iter(decode=False)) == [b"ab"]


def test_get_iter_while_get_iter_raises_concurrency_error():
    assembler = Assembler()
    assembler.put(Frame(OP_BINARY, b"ab", fin=False))
    iterator = assembler.get_iter()
    assert next(iterator) == b"ab"
    with pytest.raises(ConcurrencyError):
        next(assembler.get_iter())
    with pytest.raises(ConcurrencyError):
        assembler.get()
    assembler.put(Frame(OP_CONT, b"cd", fin=True))
    assert list(iterator) == [b"cd"]


def test_flow_control_pauses_above_high_and_resumes_at_low():
    events = []
    assembler = Assembler(
        high=2,
        low=1,
        pause=lambda: events.append("pause"),
        resume=lambda: events.append("resume"),
    )
    for _ in range(3):
        assembler.put(Frame(OP_BINARY, b"x"))
    assert events == ["pause"]
    assembler.get()
    assert events == ["pause"]
    assembler.get()
    assert events == ["pause", "resume"]


def test_low_defaults_to_quarter_of_high():
    assert Assembler(high=16).low == 4
    assert Assembler(low=4).high == 16
    assert Assembler().high is None


def test_invalid_water_marks_raise_value_error():
    with pytest.raises(ValueError):
        Assembler(high=1, low=2)
    with pytest.raises(ValueError):
        Assembler(high=1, low=-1)


def test_close_resumes_paused_reader():
    events = []
    assembler = Assembler(
        high=0,
        low=0,
        pause=lambda: events.append("pause"),
        resume=lambda: events.append("resume"),
    )
    assembler.put(Frame(OP_BINARY, b"x"))
    assembler.close()
    assert events == ["pause", "resume"]


def test_deadline_without_timeout_never_expires():
    assert Deadline(None).timeout() is None


def test_deadline_raises_once_elapsed():
    deadline = Deadline(-1)
    assert deadline.timeout(raise_if_elapsed=False) < 0
    with pytest.raises(TimeoutError, match="timed out"):
        deadline.timeout()
