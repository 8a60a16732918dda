"""websockets.trio.utils."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from websockets.trio.utils import race_events

from .trio_utils import trio_test


@trio_test
async def test_race_events_returns_when_any_event_is_set():
    first, second = trio.Event(), trio.Event()
    done = trio.Event()

    async def race():
        await race_events(first, second)
        done.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(race)
        await trio.testing.wait_all_tasks_blocked()
        assert not done.is_set()
        second.set()
    assert done.is_set()
    assert not first.is_set()


@trio_test
async def test_race_events_returns_at_once_when_an_event_is_already_set():
    event = trio.Event()
    event.set()
    await race_events(trio.Event(), event)


@trio_test
async def test_race_events_requires_events():
    with pytest.raises(ValueError, match="no events provided"):
        await race_events()
