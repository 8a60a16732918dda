"""
Reassembly of incoming messages for the asyncio implementation.

The :class:`Assembler` sits between the connection, which pushes frames as
the Sans-I/O protocol parses them, and the application, which pulls whole
messages (:meth:`Assembler.get`) or fragments (:meth:`Assembler.get_iter`).

It is on the per-message path, so it is written for speed:

* frames wait in a :class:`collections.deque`; when a complete message is
  already queued, :meth:`get` returns it without creating a future;
* a future is created only when the consumer must wait, and it is woken only
  when there is something for it to do;
* TEXT payloads were validated as UTF-8 by the protocol, so decoding is a
  plain :meth:`bytes.decode`.

Flow control follows the high-water / low-water scheme of websockets: when
more than ``high`` frames wait in the queue, ``pause`` is called (the
connection stops reading from the transport); when the queue drains below
``low``, ``resume`` is called.

"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Generic, Literal, TypeVar, overload

from ..exceptions import ConcurrencyError, TooManyFragments as TooManyFragments
from ..frames import BINARY as BINARY, CONT as CONT, OP_TEXT, TEXT as TEXT, Frame
from ..typing import Data


__all__ = ["Assembler"]

# websockets 17.4 caps the number of fragments of a message at 4096 by
# default. Here, limits apply to bytes (max_size), and there's no cap on
# fragments unless WEBSOCKETS_MAX_FRAGMENTS sets one (docs/differences.rst).
MAX_FRAGMENTS: int | None = (
    int(os.environ["WEBSOCKETS_MAX_FRAGMENTS"])
    if "WEBSOCKETS_MAX_FRAGMENTS" in os.environ
    else None
)


T = TypeVar("T")


class SimpleQueue(Generic[T]):
    """
    Simplified version of :class:`asyncio.Queue`.

    It provides only the subset of features that a stream of frames needs:
    one consumer at a time, waking it up with :exc:`EOFError` when the stream
    ends, and putting items back at the front. websockets 17.4's assembler
    is built on it; it's kept here for code that imports it.

    It must be created in a running event loop.

    """

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.get_waiter: asyncio.Future[None] | None = None
        self.queue: deque[T] = deque()

    def __len__(self) -> int:
        return len(self.queue)

    def put(self, item: T) -> None:
        """Put an item into the queue and wake up the consumer, if any."""
        self.queue.append(item)
        if self.get_waiter is not None and not self.get_waiter.done():
            self.get_waiter.set_result(None)

    async def get(self, block: bool = True) -> T:
        """
        Remove and return an item from the queue, waiting if necessary.

        Raises:
            EOFError: If the queue is empty and ``block`` is :obj:`False`, or
                if :meth:`abort` is called while waiting.

        """
        if not self.queue:
            if not block:
                raise EOFError("stream of frames ended")
            assert self.get_waiter is None, "cannot call get() concurrently"
            self.get_waiter = self.loop.create_future()
            try:
                await self.get_waiter
            finally:
                self.get_waiter.cancel()
                self.get_waiter = None
        return self.queue.popleft()

    def put_back(self, items: Sequence[T]) -> None:
        """Put items back at the front of the queue, in their order."""
        self.queue.extendleft(reversed(items))

    def abort(self) -> None:
        """Wake up the consumer that's waiting, with :exc:`EOFError`."""
        if self.get_waiter is not None and not self.get_waiter.done():
            self.get_waiter.set_exception(EOFError("stream of frames ended"))


def _noop() -> None:
    return None


class Assembler:
    """
    Assemble messages from frames.

    :class:`Assembler` expects only data frames. The stream of frames must
    respect the protocol; if it doesn't, the behavior is undefined.

    Args:
        high: High-water mark of the queue, in frames; :obj:`None` disables
            flow control.
        low: Low-water mark of the queue, in frames; defaults to
            ``high // 4``.
        pause: Called when the queue goes above the high-water mark.
        resume: Called when the queue goes below the low-water mark.

    """

    def __init__(
        self,
        high: int | None = None,
        low: int | None = None,
        pause: Callable[[], Any] = _noop,
        resume: Callable[[], Any] = _noop,
    ) -> None:
        # Queue of incoming frames.
        self.frames: deque[Frame] = deque()

        # Future the consumer waits on when the queue can't satisfy it yet.
        self.waiter: asyncio.Future[None] | None = None

        # When the consumer waits for a complete message, the waiter is only
        # woken by a final frame; when it streams fragments, by any frame.
        self.waiter_wants_any = False

        # This flag prevents concurrent calls to get() by user code.
        self.get_in_progress = False

        # High-water and low-water marks, in frames.
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

        # This flag marks the end of the connection.
        self.closed = False

    # The two overloads let type checkers infer the return type from decode.

    @overload
    async def get(self, decode: Literal[True]) -> str: ...

    @overload
    async def get(self, decode: Literal[False]) -> bytes: ...

    @overload
    async def get(self, decode: bool | None = None) -> Data: ...

    async def get(self, decode: bool | None = None) -> Data:
        """
        Read the next message.

        :meth:`get` returns a single :class:`str` or :class:`bytes`.

        If the message is fragmented, :meth:`get` waits until the last frame
        is received, then it reassembles the message and returns it. To
        receive messages frame by frame, use :meth:`get_iter` instead.

        Args:
            decode: :obj:`False` disables UTF-8 decoding of text frames and
                returns :class:`bytes`. :obj:`True` forces UTF-8 decoding of
                binary frames and returns :class:`str`.

        Raises:
            EOFError: If the stream of frames has ended.
            UnicodeDecodeError: If a binary frame couldn't be decoded.
            ConcurrencyError: If two coroutines run :meth:`get` or
                :meth:`get_iter` concurrently.

        """
        if self.get_in_progress:
            raise ConcurrencyError("get() or get_iter() is already running")

        frames = self.frames

        # Fast path: a single-frame message is already queued. No future,
        # no suspension: this is what recv() costs when messages arrive
        # faster than the application consumes them.
        if frames and frames[0].fin:
            frame = frames.popleft()
            if self.paused and len(frames) <= self.low:  # type: ignore[operator]
                self.paused = False
                self.resume()
            if decode is None:
                decode = frame.opcode == OP_TEXT
            data = frame.data
            if decode:
                return data.decode() if type(data) is bytes else bytes(data).decode()
            return data if type(data) is bytes else bytes(data)

        # Slow path: wait for the first frame, then for the final frame of
        # the message, consuming frames as they arrive so that a long
        # fragmented message cannot deadlock against flow control.
        self.get_in_progress = True
        chunks: list[Frame] = []
        try:
            while True:
                while frames:
                    frame = frames.popleft()
                    chunks.append(frame)
                    if frame.fin:
                        break
                else:
                    self.maybe_resume()
                    if self.closed:
                        raise EOFError("stream of frames ended")
                    # Wake up for every frame, not only the final one: taking
                    # fragments out of the queue as they arrive keeps flow
                    # control from pausing reads before the final frame comes.
                    await self._wait(any_frame=True)
                    continue
                break
        except BaseException:
            # Cancellation or end of stream: put back what we took, so that
            # the next call to get() starts at the same point.
            frames.extendleft(reversed(chunks))
            raise
        finally:
            self.get_in_progress = False
        self.maybe_resume()

        if decode is None:
            decode = chunks[0].opcode == OP_TEXT
        data = b"".join(frame.data for frame in chunks)
        return data.decode() if decode else data

    async def get_iter(self, decode: bool | None = None) -> AsyncIterator[Data]:
        """
        Stream the next message.

        Iterating the return value of :meth:`get_iter` asynchronously yields
        a :class:`str` or :class:`bytes` for each frame in the message.

        The iterator must be fully consumed before calling :meth:`get_iter`
        or :meth:`get` again. Else, :exc:`ConcurrencyError` is raised.

        This method only makes sense for fragmented messages. If messages
        aren't fragmented, use :meth:`get` instead.

        Args:
            decode: :obj:`False` disables UTF-8 decoding of text frames and
                returns :class:`bytes`. :obj:`True` forces UTF-8 decoding of
                binary frames and returns :class:`str`.

        Raises:
            EOFError: If the stream of frames has ended.
            UnicodeDecodeError: If a binary frame couldn't be decoded.
            ConcurrencyError: If two coroutines run :meth:`get` or
                :meth:`get_iter` concurrently.

        """
        if self.get_in_progress:
            raise ConcurrencyError("get() or get_iter() is already running")
        self.get_in_progress = True
        try:
            frames = self.frames
            decoder = None
            first = True
            while True:
                while not frames:
                    if self.closed:
                        # Streaming may stop between fragments; that is an
                        # unexpected end only if we started a message.
                        raise EOFError("stream of frames ended")
                    await self._wait(any_frame=True)
                frame = frames.popleft()
                self.maybe_resume()
                if first:
                    if decode is None:
                        decode = frame.opcode == OP_TEXT
                    if decode:
                        import codecs

                        decoder = codecs.getincrementaldecoder("utf-8")()
                    first = False
                data = frame.data
                if decoder is not None:
                    yield decoder.decode(data, frame.fin)
                else:
                    yield data if type(data) is bytes else bytes(data)
                if frame.fin:
                    break
        finally:
            self.get_in_progress = False

    async def _wait(self, *, any_frame: bool) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self.waiter = waiter
        self.waiter_wants_any = any_frame
        try:
            await waiter
        finally:
            self.waiter = None

    def put(self, frame: Frame) -> None:
        """
        Add ``frame`` to the next message.

        Raises:
            EOFError: If the stream of frames has ended.
            TooManyFragments: If the message has too many frames.

        """
        if self.closed:
            raise EOFError("stream of frames ended")
        if self.max_fragments is not None:
            self._count_fragment(frame)
        self.frames.append(frame)
        waiter = self.waiter
        if waiter is not None and (frame.fin or self.waiter_wants_any):
            if not waiter.done():
                waiter.set_result(None)
        high = self.high
        if high is not None and not self.paused and len(self.frames) > high:
            self.paused = True
            self.pause()

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
        high = self.high
        if high is not None and not self.paused and len(self.frames) > high:
            self.paused = True
            self.pause()

    def maybe_resume(self) -> None:
        """Resume the writer if queue is below the low water mark."""
        if self.paused and len(self.frames) <= self.low:  # type: ignore[operator]
            self.paused = False
            self.resume()

    def close(self) -> None:
        """
        End the stream of frames.

        Calling :meth:`close` concurrently with :meth:`get`, :meth:`get_iter`,
        or :meth:`put` is safe. They will raise :exc:`EOFError`.

        """
        if self.closed:
            return
        self.closed = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
