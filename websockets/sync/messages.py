"""
:class:`Assembler`: turns incoming frames into messages for the threading
implementation.

The thread reading from the network calls :meth:`Assembler.put` for each data
frame; the application's thread calls :meth:`Assembler.get` or
:meth:`Assembler.get_iter`. They meet on a single :class:`threading.Condition`,
so receiving a message costs one notification and no extra thread.

"""

from __future__ import annotations

import codecs
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any, Callable, Literal, overload

from ..exceptions import ConcurrencyError, TooManyFragments as TooManyFragments
from ..frames import (
    BINARY as BINARY,
    CONT as CONT,
    OP_BINARY,
    OP_CONT,
    OP_TEXT,
    TEXT as TEXT,
    Frame,
)
from ..typing import Data
from .utils import Deadline as Deadline


__all__ = ["Assembler"]


# websockets 17.4 caps the number of frames in a fragmented message, 4096 by
# default, configurable with WEBSOCKETS_MAX_FRAGMENTS. This package limits
# messages by size (max_size), so there's no cap unless the variable is set;
# then it behaves like websockets. See docs/differences.rst.
MAX_FRAGMENTS: int | None = (
    int(os.environ["WEBSOCKETS_MAX_FRAGMENTS"])
    if "WEBSOCKETS_MAX_FRAGMENTS" in os.environ
    else None
)

UTF8Decoder = codecs.getincrementaldecoder("utf-8")


def _noop() -> None:
    pass


class Assembler:
    """
    Assemble messages from frames.

    :class:`Assembler` expects only data frames. The stream of frames must
    respect the protocol; if it doesn't, the behavior is undefined.

    Args:
        high: High-water mark of the queue of frames; above it,
            ``pause`` is called to stop reading from the network.
        low: Low-water mark; at or below it, ``resume`` is called.
        pause: Called when the queue goes above the high-water mark.
        resume: Called when the queue goes back to the low-water mark.

    """

    def __init__(
        self,
        high: int | None = None,
        low: int | None = None,
        pause: Callable[[], Any] = _noop,
        resume: Callable[[], Any] = _noop,
    ) -> None:
        # Serialize reads and writes: all internal state must be read or
        # written while holding this lock.
        self.mutex = threading.Lock()
        # Woken up when a frame is queued or when the assembler is closed.
        self.frames_available = threading.Condition(self.mutex)

        # Queue of incoming frames.
        self.frames: deque[Frame] = deque()
        # Number of complete messages, i.e. frames with FIN set, in the queue.
        # get() waits for a complete message so it never has to put frames
        # back in the queue when it times out halfway through a message.
        self.messages = 0

        # We want to limit the queue size and to support flow control:
        # calling pause() stops reading from the network; resume() restarts.
        if high is not None and low is None:
            low = high // 4
        if high is None and low is not None:
            high = low * 4
        if high is not None and low is not None:
            if low < 0:
                raise ValueError("low must be positive or equal to zero")
            if high < low:
                raise ValueError("high must be greater than or equal to low")
        self.high, self.low = high, low
        self.pause = pause
        self.resume = resume
        self.paused = False

        # Limit on the number of frames of a fragmented message, if any, and
        # frames of the message in progress received so far.
        self.max_fragments = MAX_FRAGMENTS
        self.fragments = 0

        # This flag prevents concurrent calls to get() by user code.
        self.get_in_progress = False

        # This flag marks the end of the connection.
        self.closed = False

    def _wait(
        self, ready: Callable[[], Any], timeout: float | None, started: float = 0.0
    ) -> None:
        # Must be called with the mutex held. Raise EOFError if no frame will
        # ever arrive and TimeoutError if the timeout elapses.
        if ready():
            return
        if self.closed:
            raise EOFError("stream of frames ended")
        if timeout is not None:
            # Like websockets, wait for the time left since the call began,
            # and report it: "timed out in -0.0s" for timeout=0.
            timeout = timeout - (time.monotonic() - started)
            if timeout <= 0:
                raise TimeoutError(f"timed out in {timeout:.1f}s")
        if not self.frames_available.wait_for(lambda: ready() or self.closed, timeout):
            assert timeout is not None
            raise TimeoutError(f"timed out in {timeout:.1f}s")
        if not ready():
            raise EOFError("stream of frames ended")

    def get_next_frame(self, timeout: float | None = None) -> Frame:
        """
        Remove and return the next frame from the queue, waiting if needed.

        Raises:
            EOFError: If the stream of frames has ended.
            TimeoutError: If the timeout elapses.

        """
        started = time.monotonic()
        with self.mutex:
            self._wait(lambda: self.frames, timeout, started)
            return self._pop()

    def _pop(self) -> Frame:
        frame = self.frames.popleft()
        if frame.fin:
            self.messages -= 1
        self.maybe_resume()
        return frame

    def reset_queue(self, frames: Iterable[Frame]) -> None:
        """
        Put back frames at the front of the queue, in order.

        """
        with self.mutex:
            frames = list(frames)
            self.frames.extendleft(reversed(frames))
            self.messages += sum(1 for frame in frames if frame.fin)

    @overload
    def get(self, timeout: float | None, decode: Literal[True]) -> str: ...

    @overload
    def get(self, timeout: float | None, decode: Literal[False]) -> bytes: ...

    @overload
    def get(self, timeout: float | None = None, *, decode: Literal[True]) -> str: ...

    @overload
    def get(self, timeout: float | None = None, *, decode: Literal[False]) -> bytes: ...

    @overload
    def get(self, timeout: float | None = None, decode: bool | None = None) -> Data: ...

    def get(self, timeout: float | None = None, decode: bool | None = None) -> Data:
        """
        Read the next message.

        :meth:`get` returns a single :class:`str` or :class:`bytes`.

        If the message is fragmented, :meth:`get` waits until the last frame is
        received, then it reassembles the message and returns it. To receive
        messages frame by frame, use :meth:`get_iter` instead.

        Args:
            timeout: If a timeout is provided and elapses before a complete
                message is received, :meth:`get` raises :exc:`TimeoutError`.
            decode: :obj:`False` disables UTF-8 decoding of text frames and
                returns :class:`bytes`. :obj:`True` forces UTF-8 decoding of
                binary frames and returns :class:`str`.

        Raises:
            EOFError: If the stream of frames has ended.
            UnicodeDecodeError: If a text frame contains invalid UTF-8.
            ConcurrencyError: If two coroutines run :meth:`get` or
                :meth:`get_iter` concurrently.
            TimeoutError: If a timeout is provided and elapses before a
                complete message is received.

        """
        started = time.monotonic()
        with self.mutex:
            if self.get_in_progress:
                raise ConcurrencyError("get() or get_iter() is already running")
            self.get_in_progress = True
            # Take the frames of a fragmented message as they arrive, rather
            # than waiting for the whole message in the queue: flow control
            # pauses reading above max_queue frames, which would stall a
            # message of more frames forever.
            popped: list[Frame] = []
            try:
                while not popped or not popped[-1].fin:
                    # Like websockets, time out after the time left since the
                    # call began, and say how much time was left.
                    self._wait(lambda: self.frames, timeout, started)
                    popped.append(self._pop())
            except BaseException:
                # Put back what was taken: the message isn't read yet.
                self.frames.extendleft(reversed(popped))
                self.messages += sum(1 for frame in popped if frame.fin)
                raise
            finally:
                self.get_in_progress = False

        frame = popped[0]
        if len(popped) == 1:
            # Fast path: unfragmented message.
            data = bytes(frame.data)
        else:
            data = b"".join([frame.data for frame in popped])

        if decode is None:
            decode = frame.opcode is OP_TEXT
        if decode:
            # Text frames were validated by the protocol; binary frames may
            # raise UnicodeDecodeError, which the connection handles.
            return data.decode()
        return data

    def get_iter(self, decode: bool | None = None) -> Iterator[Data]:
        """
        Stream the next message.

        Iterating the return value of :meth:`get_iter` yields a :class:`str` or
        :class:`bytes` for each frame in the message.

        The iterator must be fully consumed before calling :meth:`get_iter` or
        :meth:`get` again. Else, :exc:`ConcurrencyError` is raised.

        This method only makes sense for fragmented messages. If messages
        aren't fragmented, use :meth:`get` instead.

        Args:
            decode: :obj:`False` disables UTF-8 decoding of text frames and
                returns :class:`bytes`. :obj:`True` forces UTF-8 decoding of
                binary frames and returns :class:`str`.

        Raises:
            EOFError: If the stream of frames has ended.
            UnicodeDecodeError: If a text frame contains invalid UTF-8.
            ConcurrencyError: If two coroutines run :meth:`get` or
                :meth:`get_iter` concurrently.

        """
        with self.mutex:
            if self.get_in_progress:
                raise ConcurrencyError("get() or get_iter() is already running")
            self.get_in_progress = True
        try:
            with self.mutex:
                self._wait(lambda: self.frames, None)
                frame = self._pop()
            assert frame.opcode is OP_TEXT or frame.opcode is OP_BINARY
            if decode is None:
                decode = frame.opcode is OP_TEXT
            if decode:
                # Fragments may split a character: decode incrementally.
                decoder = UTF8Decoder()
                yield decoder.decode(frame.data, frame.fin)
                while not frame.fin:
                    with self.mutex:
                        self._wait(lambda: self.frames, None)
                        frame = self._pop()
                    assert frame.opcode is OP_CONT
                    yield decoder.decode(frame.data, frame.fin)
            else:
                yield bytes(frame.data)
                while not frame.fin:
                    with self.mutex:
                        self._wait(lambda: self.frames, None)
                        frame = self._pop()
                    assert frame.opcode is OP_CONT
                    yield bytes(frame.data)
        finally:
            with self.mutex:
                self.get_in_progress = False

    def put(self, frame: Frame) -> None:
        """
        Add ``frame`` to the next message.

        Raises:
            EOFError: If the stream of frames has ended.
            TooManyFragments: If the message has too many frames.

        """
        with self.mutex:
            if self.closed:
                raise EOFError("stream of frames ended")
            if self.max_fragments is not None:
                self._count_fragment(frame)
            self.frames.append(frame)
            if frame.fin:
                self.messages += 1
            self.frames_available.notify()
            self.maybe_pause()

    def _count_fragment(self, frame: Frame) -> None:
        """
        Count the frames of the message in progress against the limit.

        Only called when ``WEBSOCKETS_MAX_FRAGMENTS`` is set.

        Raises:
            TooManyFragments: If a fragmented message has more frames than
                :data:`MAX_FRAGMENTS`.

        """
        assert self.max_fragments is not None
        # After an overflow, the message in progress can't be completed:
        # refuse every later frame, which would belong to it or follow it.
        if self.fragments < 0:
            raise TooManyFragments(self.max_fragments)
        self.fragments += 1
        fragments = self.fragments
        if frame.fin:
            self.fragments = 0
        # A message in one frame isn't fragmented: the limit doesn't apply.
        if fragments > 1 and fragments > self.max_fragments:
            self.fragments = -1
            raise TooManyFragments(self.max_fragments)

    def maybe_pause(self) -> None:
        """Pause the writer if queue is above the high water mark."""
        # Skip if flow control is disabled.
        if self.high is None:
            return
        assert self.mutex.locked()
        # Check for "> high" to support high = 0.
        if len(self.frames) > self.high and not self.paused:
            self.paused = True
            self.pause()

    def maybe_resume(self) -> None:
        """Resume the writer if queue is below the low water mark."""
        # Skip if flow control is disabled.
        if self.low is None:
            return
        assert self.mutex.locked()
        # Check for "<= low" to support low = 0.
        if len(self.frames) <= self.low and self.paused:
            self.paused = False
            self.resume()

    def close(self) -> None:
        """
        End the stream of frames.

        Calling :meth:`close` concurrently with :meth:`get`, :meth:`get_iter`,
        or :meth:`put` is safe. They will raise :exc:`EOFError` once the
        frames already queued are consumed.

        """
        with self.mutex:
            if self.closed:
                return
            self.closed = True
            self.frames_available.notify_all()
            # Unblock the reading thread so that it can reach the end of the
            # stream: frames it receives from now on are dropped.
            if self.paused:
                self.paused = False
                self.resume()
