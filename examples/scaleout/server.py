#!/usr/bin/env python

"""
Counter server that scales out over several processes, with Redis.

This is the synchronization example of the tutorial (a shared counter and
the number of connected users) made to run as several processes, on one
machine or on many. No state lives in a process:

* The counter value is a Redis key. A client's ``{"action": "plus"}`` or
  ``{"action": "minus"}`` runs a Lua script that increments the key and
  publishes the new state on a Redis channel, in one atomic step.
* Each process stores how many clients it has in a key of its own, which
  expires unless the process refreshes it (a heartbeat). The users count is
  the sum of the keys that haven't expired, so it goes back to the truth a
  few seconds after a process dies without a chance to clean up: ``SIGKILL``,
  out-of-memory killer, power loss. A Lua script sums the keys and publishes
  the total when it changes.
* Each process subscribes to the channel and relays every message to its own
  clients with :func:`~websockets.asyncio.server.broadcast`.

The messages are those of the tutorial: ``{"type": "state", "value": N}`` and
``{"type": "users", "count": N}``. A client receives both as soon as it
connects, then every change.

Run three processes sharing port 8765 (Linux spreads the connections across
them), with a Redis server on localhost::

    $ python server.py --name a &
    $ python server.py --name b &
    $ python server.py --name c &

"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
from types import TracebackType
from typing import Any

import redis.asyncio as redis
from redis.commands.core import AsyncScript

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosedError
from websockets.http11 import Request, Response


__all__ = ["Counter", "main"]

logger = logging.getLogger("scaleout")


# Lua scripts run atomically in Redis: nothing else happens between the
# update and the PUBLISH, so the order of the messages on the channel is the
# order of the updates, and every subscriber receives them in that order.
# The JSON is written by hand because cjson doesn't preserve the order of
# keys; it has the same layout as json.dumps().

# KEYS: value, channel. ARGV: delta.
UPDATE_VALUE = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[2], string.format('{"type": "state", "value": %d}', value))
return value
"""

# KEYS: this process's count, set of process names, published total, channel.
# ARGV: process name, count, time to live in seconds, prefix of count keys.
#
# Keys that the script builds (the count keys of other processes) aren't
# declared in KEYS: that's fine on a single Redis server, not on a cluster.
UPDATE_USERS = """
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
local total = 0
for _, name in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    local count = redis.call('GET', ARGV[4] .. name)
    if count then
        total = total + tonumber(count)
    else
        -- The process stopped refreshing its count: it's gone.
        redis.call('SREM', KEYS[2], name)
    end
end
if redis.call('GET', KEYS[3]) ~= tostring(total) then
    redis.call('SET', KEYS[3], total)
    redis.call('PUBLISH', KEYS[4], string.format('{"type": "users", "count": %d}', total))
end
return total
"""

# KEYS: value, published total, this process's synchronization channel.
SYNC = """
local value = tonumber(redis.call('GET', KEYS[1]) or '0')
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
redis.call('PUBLISH', KEYS[3], string.format('{"type": "state", "value": %d}', value))
redis.call('PUBLISH', KEYS[3], string.format('{"type": "users", "count": %d}', total))
return value
"""

ACTIONS = {"plus": 1, "minus": -1}


class Counter:
    """
    State of the counter application in one server process.

    Use it as an asynchronous context manager: entering connects to Redis,
    starts relaying messages and returns once this process has a copy of
    the current state; exiting withdraws this process's users and
    disconnects.

    Args:
        redis_url: URL of the Redis server, e.g. ``redis://localhost:6379/0``.
        name: Name of this process, unique among the processes that share
            ``prefix``. A process restarted under the same name replaces the
            users count that its previous run left behind at once, rather
            than after ``users_ttl``.
        prefix: Prefix of the Redis keys and channels of this application.
        users_ttl: How long a process's users count outlives the process, in
            seconds. The process refreshes it three times per period.

    """

    def __init__(
        self,
        redis_url: str,
        name: str,
        *,
        prefix: str = "counter",
        users_ttl: float = 10.0,
    ) -> None:
        self.name = name
        self.users_ttl = users_ttl
        self.redis = redis.Redis.from_url(redis_url, decode_responses=True)

        self.value_key = f"{prefix}:value"
        self.users_key = f"{prefix}:users:{name}"
        self.users_key_prefix = f"{prefix}:users:"
        self.processes_key = f"{prefix}:processes"
        self.total_key = f"{prefix}:users"
        self.channel = f"{prefix}:events"
        self.sync_channel = f"{prefix}:sync:{name}"

        self.update_value_script: AsyncScript = self.redis.register_script(UPDATE_VALUE)
        self.update_users_script: AsyncScript = self.redis.register_script(UPDATE_USERS)
        self.sync_script: AsyncScript = self.redis.register_script(SYNC)

        self.clients: set[ServerConnection] = set()
        """Connections of this process."""

        # Last state and users messages relayed to the clients of this
        # process. A new client receives them before anything else.
        self.state_message = ""
        self.users_message = ""
        self.synced = asyncio.Event()
        self.users_changed = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Counter:
        self.tasks = [
            asyncio.create_task(self.relay(), name="relay"),
            asyncio.create_task(self.publish_users(), name="publish_users"),
        ]
        # Wait for the first copy of the state, or for a task to crash.
        synced = asyncio.create_task(self.synced.wait())
        await asyncio.wait([synced, *self.tasks], return_when=asyncio.FIRST_COMPLETED)
        if not synced.done():
            synced.cancel()
            await self.__aexit__(None, None, None)
            raise RuntimeError("cannot read the state from Redis")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        # Withdraw our users now rather than when the key expires.
        with contextlib.suppress(redis.RedisError):
            await self.update_users(0)
        await self.redis.aclose()

    # Messages from Redis to the clients of this process.

    async def relay(self) -> None:
        """
        Relay the messages of the Redis channel to the clients of this process.

        Redis pub/sub delivers at most once: when the connection to Redis
        breaks, messages published meanwhile are lost. After reconnecting,
        the process reads the state again and sends it to its clients, which
        catch up.

        """
        while True:
            try:
                await self.relay_once()
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                logger.warning("lost the connection to Redis: %s", exc)
                await asyncio.sleep(1)

    async def relay_once(self) -> None:
        """Subscribe, read the state, and relay messages until an error occurs."""
        async with self.redis.pubsub() as pubsub:
            # Between SUBSCRIBE and reading the state, updates would appear
            # twice: in the state and on the channel. Instead, the SYNC script
            # reads the state and publishes it on a channel that only this
            # process follows, in one atomic step. Redis delivers messages to
            # a connection in the order it publishes them, whatever their
            # channel. Updates before the copy are already in it: skip them.
            synced = False
            await pubsub.subscribe(self.channel, self.sync_channel)
            async for message in pubsub.listen():
                if message["type"] == "subscribe":
                    # Redis confirms each subscription; start once both are
                    # active, else the copy of the state could go unheard.
                    if message["channel"] == self.sync_channel:
                        await self.sync_script(
                            keys=[self.value_key, self.total_key, self.sync_channel]
                        )
                    continue
                if message["type"] != "message":
                    continue
                if message["channel"] == self.sync_channel:
                    synced = True
                elif not synced:
                    continue
                self.relay_message(message["data"])

    def relay_message(self, message: str) -> None:
        """Remember a state or users message and send it to all clients."""
        event = json.loads(message)
        if event["type"] == "state":
            self.state_message = message
            self.synced.set()
        elif event["type"] == "users":
            self.users_message = message
        broadcast(self.clients, message)

    # Users of this process.

    async def publish_users(self) -> None:
        """
        Store the users count of this process and keep it alive.

        A single task writes it, so the last write always has the current
        count, even when clients connect and disconnect concurrently.

        """
        while True:
            try:
                await self.update_users(len(self.clients))
            except redis.RedisError as exc:
                logger.warning("cannot update the users count: %s", exc)
            self.users_changed.clear()
            # Refresh the key three times per time to live, so that it
            # survives one failed or late heartbeat.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.users_changed.wait(), self.users_ttl / 3)

    async def update_users(self, count: int) -> None:
        """Store ``count`` as the users count of this process."""
        await self.update_users_script(
            keys=[self.users_key, self.processes_key, self.total_key, self.channel],
            args=[
                self.name,
                count,
                max(1, round(self.users_ttl * 1000)),
                self.users_key_prefix,
            ],
        )

    # WebSocket server.

    async def handler(self, websocket: ServerConnection) -> None:
        """Handle a client: register it, then apply its actions."""
        # Send the last messages relayed, then register the client, with no
        # await in between: the client receives the state followed by every
        # later update, none missing, none twice.
        broadcast([websocket], self.state_message)
        broadcast([websocket], self.users_message)
        self.clients.add(websocket)
        self.users_changed.set()
        try:
            async for message in websocket:
                try:
                    event = json.loads(message)
                    delta = ACTIONS[event["action"]]
                except (ValueError, TypeError, KeyError):
                    logger.error("unsupported event: %r", message)
                    continue
                try:
                    await self.update_value_script(
                        keys=[self.value_key, self.channel], args=[delta]
                    )
                except redis.RedisError as exc:
                    # The update is lost; the client sees no change.
                    logger.error("cannot update the counter: %s", exc)
        except ConnectionClosedError:
            # The client vanished without a closing handshake. That's common
            # on the Internet and there's nothing to do about it.
            pass
        finally:
            self.clients.discard(websocket)
            self.users_changed.set()

    def process_response(
        self,
        connection: ServerConnection,
        request: Request,
        response: Response,
    ) -> None:
        """Tell clients which process they're connected to, for debugging."""
        response.headers["X-Process"] = self.name


async def main(argv: list[str] | None = None) -> None:
    """Run a server process until it receives SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--host", default="localhost")
    parser.add_argument(
        "--port",
        type=int,
        default=8765,
        help="port shared by all processes, with SO_REUSEPORT (default: 8765)",
    )
    parser.add_argument(
        "--private-port",
        type=int,
        help="also listen on this port, which no other process shares",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("REDIS_URL", "redis://localhost:6379/0"),
        help="Redis URL (default: $REDIS_URL or redis://localhost:6379/0)",
    )
    parser.add_argument(
        "--name",
        default=f"{socket.gethostname()}-{os.getpid()}",
        help="name of this process, unique in the deployment (default: host-pid)",
    )
    parser.add_argument("--prefix", default="counter", help="Redis key prefix")
    parser.add_argument(
        "--users-ttl",
        type=float,
        default=10.0,
        help="seconds before the users of a dead process stop counting",
    )
    args = parser.parse_args(argv)

    async with Counter(
        args.redis, args.name, prefix=args.prefix, users_ttl=args.users_ttl
    ) as counter:
        options: dict[str, Any] = {
            "process_response": counter.process_response,
            # Below the idle timeout of proxies in front of the servers.
            "ping_interval": 20,
            "ping_timeout": 20,
        }
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(
                serve(counter.handler, args.host, args.port, reuse_port=True, **options)
            )
            if args.private_port is not None:
                await stack.enter_async_context(
                    serve(counter.handler, args.host, args.private_port, **options)
                )

            # Exit gracefully on SIGTERM: leaving the context managers closes
            # connections with code 1001 (going away), so clients reconnect
            # to another process, and withdraws this process's users.
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)

            logger.info("%s ready", args.name)
            # Tell a supervisor (or a test) that this process accepts clients.
            print(f"ready {args.name}", flush=True)
            await stop.wait()


if __name__ == "__main__":
    logging.basicConfig(
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        level=logging.INFO,
    )
    asyncio.run(main())
