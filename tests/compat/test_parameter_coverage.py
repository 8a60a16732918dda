"""
Every documented parameter of the entry points is exercised by a scenario
(issue 16, point 4): ``serve``, ``connect``, ``unix_serve``, ``unix_connect``,
``route``, ``unix_route``, ``broadcast`` and ``basic_auth``, in the asyncio
and the threading API.

A parameter is covered when a scenario of that API (its id starts with
``asyncio-`` or ``sync-``) calls the function with it, by keyword or by
position. Calls are found in the scenarios' syntax trees, so a keyword
passed to another function of the same scenario doesn't count.

``python -m tests.compat.test_parameter_coverage`` prints the uncovered
parameters, if any.

"""

from __future__ import annotations

import ast
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .scenarios import SCENARIOS


def entry_points() -> dict[str, dict[str, Callable[..., Any]]]:
    from websockets.asyncio import (
        client as asyncio_client,
        router as asyncio_router,
        server as asyncio_server,
    )
    from websockets.sync import (
        client as sync_client,
        router as sync_router,
        server as sync_server,
    )

    return {
        "asyncio": {
            "serve": asyncio_server.serve,
            "unix_serve": asyncio_server.unix_serve,
            "connect": asyncio_client.connect,
            "unix_connect": asyncio_client.unix_connect,
            "route": asyncio_router.route,
            "unix_route": asyncio_router.unix_route,
            "broadcast": asyncio_server.broadcast,
            "basic_auth": asyncio_server.basic_auth,
        },
        "sync": {
            "serve": sync_server.serve,
            "unix_serve": sync_server.unix_serve,
            "connect": sync_client.connect,
            "unix_connect": sync_client.unix_connect,
            "route": sync_router.route,
            "unix_route": sync_router.unix_route,
            "broadcast": sync_server.broadcast,
            "basic_auth": sync_server.basic_auth,
        },
    }


def documented_parameters(function: Callable[..., Any]) -> list[str]:
    """Named parameters of ``function``, ``self``, ``*args`` and ``**kwargs`` aside."""
    if inspect.isclass(function):
        function = function.__init__
    return [
        parameter.name
        for parameter in inspect.signature(function).parameters.values()
        if parameter.name != "self"
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]


def calls(source: str, name: str) -> Iterator[tuple[int, set[str]]]:
    """
    Calls of ``name`` in ``source``: (number of positional arguments, keyword
    names). ``call(label, function, ...)``, the runner's helper that records
    a call's outcome, counts as a call of ``function``.

    """
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func, args = node.func, node.args
        if isinstance(func, ast.Name) and func.id == "call" and len(args) >= 2:
            func, args = args[1], args[2:]
        called = (
            func.id
            if isinstance(func, ast.Name)
            else func.attr
            if isinstance(func, ast.Attribute)
            else None
        )
        if called == name:
            yield len(args), {kw.arg for kw in node.keywords if kw.arg is not None}


@functools.cache
def uncovered() -> dict[str, list[str]]:
    """Map ``api.function`` to its parameters that no scenario passes."""
    result = {}
    for api, functions in entry_points().items():
        sources = [
            source for name, source in SCENARIOS.items() if name.startswith(f"{api}-")
        ]
        for name, function in functions.items():
            parameters = documented_parameters(function)
            seen: set[str] = set()
            for source in sources:
                for positional, keywords in calls(source, name):
                    seen.update(parameters[:positional])
                    seen.update(keywords)
            result[f"{api}.{name}"] = [p for p in parameters if p not in seen]
    return result


def test_entry_points_have_parameters():
    # The check below must look at real signatures, not at nothing.
    assert len(documented_parameters(entry_points()["asyncio"]["connect"])) > 15
    assert len(documented_parameters(entry_points()["sync"]["serve"])) > 15
    assert documented_parameters(entry_points()["sync"]["broadcast"]) == [
        "connections",
        "message",
        "raise_exceptions",
        "text",
    ]


@pytest.mark.parametrize(
    "function",
    [f"{api}.{name}" for api, functions in entry_points().items() for name in functions],
)
def test_every_documented_parameter_is_exercised(function):
    assert not uncovered()[function], f"no scenario passes {uncovered()[function]}"


def test_calls_are_attributed_to_the_function_called():
    source = "connect(uri, max_size=1)\nserve(handler, 'h', 0, origins=None)\ncall('x', basic_auth, realm='r')"
    assert list(calls(source, "connect")) == [(1, {"max_size"})]
    assert list(calls(source, "serve")) == [(3, {"origins"})]
    assert list(calls(source, "basic_auth")) == [(0, {"realm"})]


if __name__ == "__main__":
    for function, parameters in uncovered().items():
        if parameters:
            print(f"{function}: {', '.join(parameters)}")
