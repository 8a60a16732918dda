"""
Helpers shared by the :mod:`trio` implementation.

"""

from __future__ import annotations

import trio


__all__ = ["race_events"]


async def race_events(*events: trio.Event) -> None:
    """
    Wait for any of the given events to be set.

    Args:
        *events: The events to wait for.

    """
    if not events:
        raise ValueError("no events provided")

    async def wait(event: trio.Event, nursery: trio.Nursery) -> None:
        await event.wait()
        # The first event to fire ends the race.
        nursery.cancel_scope.cancel()

    async with trio.open_nursery() as nursery:
        for event in events:
            nursery.start_soon(wait, event, nursery)
