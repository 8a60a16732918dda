"""
Reassembly of incoming messages for the :mod:`trio` implementation.

:class:`Assembler` is the asyncio assembler (see
:mod:`websockets.asyncio.messages`) with a :class:`trio.Event` where asyncio
uses a future: the queue, flow control, fragment handling and the guarantee
that a canceled :meth:`~Assembler.get` loses no frame are the same code.

"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import trio

from ..asyncio import messages as asyncio_messages


__all__ = ["Assembler"]


class Waiter:
    """
    The part of :class:`asyncio.Future` that the assembler uses, on a
    :class:`trio.Event`.

    """

    __slots__ = ("event",)

    def __init__(self) -> None:
        self.event = trio.Event()

    def done(self) -> bool:
        return self.event.is_set()

    def set_result(self, result: None) -> None:
        self.event.set()


class Assembler(asyncio_messages.Assembler):
    """
    Assemble messages from frames.

    :class:`Assembler` expects only data frames. The stream of frames must
    respect the protocol; if it doesn't, the behavior is undefined.

    Args:
        high: High-water mark of the queue, in frames; :obj:`None` disables
            flow control.
        low: Low-water mark of the queue, in frames; defaults to
            ``high // 4``.
        pause: Called when the buffer of frames goes above the high water mark;
            should pause reading from the network.
        resume: Called when the buffer of frames goes below the low water mark;
            should resume reading from the network.

    """

    def __init__(
        self,
        high: int | None = None,
        low: int | None = None,
        pause: Callable[[], Any] = lambda: None,
        resume: Callable[[], Any] = lambda: None,
    ) -> None:
        super().__init__(high, low, pause, resume)

    async def _wait(self, *, any_frame: bool) -> None:
        waiter = Waiter()
        # put() and close() only call done() and set_result() on the waiter.
        self.waiter = waiter  # type: ignore[assignment]
        self.waiter_wants_any = any_frame
        try:
            await waiter.event.wait()
        finally:
            self.waiter = None
