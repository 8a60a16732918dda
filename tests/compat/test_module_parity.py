"""
Module parity with websockets 17.4 (issue 16, point 2).

``manifest.json`` lists, for every module of the released websockets 17.4
(except ``websockets.trio``), the names it binds: classes, functions,
``NewType``\\ s, type aliases and constants, with their kinds and signatures.
``make_manifest.py`` generates it by introspecting the release, and describes
this package with the same code here. Each module must provide every name,
of the same kind, with the same parameters (names, kinds, defaults), the same
bases and members for classes, the same values for constants, and the same
annotations once their spelling is normalised.

Differences are allowed only by name, with their reason: in
:data:`INTENTIONAL` (documented in ``docs/differences.rst``),
:data:`DOCUMENTED_TO_FIX` (listed there as known differences to fix),
:data:`ANNOTATION_SPELLING` (the same types, named through an alias) or
:data:`PENDING_ON_BEHAVIOURS_BRANCH`. An entry that no longer hides a
difference fails :func:`test_allowed_differences_still_differ`, so the lists
can't go stale.

"""

from __future__ import annotations

import functools
import json
import os
import pathlib
import re
import subprocess
import sys
from typing import Any

import pytest

from .make_manifest import MANIFEST


REPO = pathlib.Path(__file__).resolve().parents[2]

RELEASED = json.loads(MANIFEST.read_text())

MODULES = sorted(RELEASED["modules"])

_NO_FRAGMENT_CAP = (
    "docs/differences.rst, 'No limit on the number of fragments': limits apply "
    "to bytes; MAX_FRAGMENTS is None unless WEBSOCKETS_MAX_FRAGMENTS sets it, "
    "where 17.4 has 4096"
)
_LEGACY_INTERNAL = (
    "docs/differences.rst, 'websockets.legacy is a compatibility layer': the "
    "legacy classes run on the asyncio implementation; the internals of the "
    "legacy protocol stack (frame I/O, handshake I/O, keepalive, connection "
    "registry) don't exist"
)

#: Intentional differences, documented in docs/differences.rst with their
#: reason, by ``module:name`` or by the ``module.qualname`` that 17.4 defines.
INTENTIONAL: dict[str, str] = {
    "websockets.asyncio.messages:MAX_FRAGMENTS": _NO_FRAGMENT_CAP,
    "websockets.sync.messages:MAX_FRAGMENTS": _NO_FRAGMENT_CAP,
    "websockets.legacy.protocol:MAX_FRAGMENTS": _NO_FRAGMENT_CAP,
    **{
        f"websockets.legacy.protocol.WebSocketCommonProtocol.{name}": _LEGACY_INTERNAL
        for name in [
            "abort_pings",
            "close_connection",
            "close_transport",
            "connection_open",
            "keepalive_ping",
            "read_data_frame",
            "read_frame",
            "read_message",
            "transfer_data",
            "wait_for_connection_lost",
            "write_close_frame",
            "write_frame",
            "write_frame_sync",
        ]
    },
    **{
        f"websockets.legacy.server.WebSocketServerProtocol.{name}": _LEGACY_INTERNAL
        for name in [
            "process_extensions",
            "process_origin",
            "read_http_request",
            "write_http_response",
        ]
    },
    **{
        f"websockets.legacy.client.WebSocketClientProtocol.{name}": _LEGACY_INTERNAL
        for name in [
            "process_extensions",
            "process_subprotocol",
            "read_http_response",
            "write_http_request",
        ]
    },
    "websockets.legacy.server.WebSocketServer.register": _LEGACY_INTERNAL,
    "websockets.legacy.server.WebSocketServer.unregister": _LEGACY_INTERNAL,
    "websockets.legacy.protocol.WebSocketCommonProtocol.close": (
        "docs/differences.rst, 'websockets.legacy is a compatibility layer': "
        "close() is the asyncio one, annotated code: CloseCode | int, where "
        "17.4's legacy close() says int"
    ),
    "websockets.protocol.Protocol.receive_data": (
        "docs/differences.rst, 'Extra APIs': receive_data() also takes a "
        "memoryview (BytesLike), where 17.4 annotates bytes | bytearray"
    ),
}

#: Differences that docs/differences.rst lists under "Known differences to
#: fix": not intended, not fixed yet.
DOCUMENTED_TO_FIX: dict[str, str] = {}

#: Annotations that name the same types with an alias, which normalising
#: the spelling can't see through.
ANNOTATION_SPELLING: dict[str, str] = {
    "websockets.legacy.exceptions.AbortHandshake": (
        "StatusLike and HeadersLike, where 17.4's evaluated annotations spell "
        "out http.HTTPStatus | int and the Headers union"
    ),
    **{
        name: (
            "LegacyHandler, an alias of 17.4's union of one- and two-argument "
            "handler callables"
        )
        for name in [
            "websockets.legacy.server.Serve",
            "websockets.legacy.server.WebSocketServerProtocol",
            "websockets.legacy.server.remove_path_argument",
            "websockets.legacy.server.unix_serve",
        ]
    },
}

#: Signature differences that the ``behaviours`` branch fixes: the threading
#: API's ``socket`` parameter is renamed to ``sock`` there, as in 17.0.
#: The lead empties this set when merging that branch.
PENDING_ON_BEHAVIOURS_BRANCH: set[str] = set()

FUNCTION_REPR = re.compile(r"<function \S+>")

# The Python version is part of USER_AGENT, SERVER and the defaults that use
# them: the manifest's Python and this one's may differ.
PYTHON_VERSION = re.compile(r"(?<=Python/)3\.\d+|^'3\.\d+'$")

# Bases that a Python version adds to standard classes (enum.ReprEnum, 3.11).
VERSION_DEPENDENT_BASES = {"enum.ReprEnum"}


def normalise_value(value: str) -> str:
    """Spell a value or a default the same way on every Python version."""
    return PYTHON_VERSION.sub("3.x", value)


def normalise_default(default: str | None) -> str | None:
    """Compare function defaults (``pause=lambda: None``) by kind only."""
    if default is None:
        return None
    return normalise_value(FUNCTION_REPR.sub("<function>", default))


def compare_signatures(
    key: str, released: dict[str, Any] | None, ours: dict[str, Any] | None
) -> tuple[list[str], list[str]]:
    """Compare two signatures: (parameter problems, annotation problems)."""
    if released is None:
        return [], []
    if ours is None:
        return [f"{key}: no signature, 17.4 has {released['text']}"], []
    released_params = [
        (name, kind, normalise_default(default))
        for name, kind, default, _ in released["parameters"]
    ]
    our_params = [
        (name, kind, normalise_default(default))
        for name, kind, default, _ in ours["parameters"]
    ]
    if released_params != our_params:
        return [f"{key}: signature {ours['text']}, 17.4 has {released['text']}"], []
    released_annotations = [p[3] for p in released["parameters"]] + [
        released["returns"]
    ]
    our_annotations = [p[3] for p in ours["parameters"]] + [ours["returns"]]
    if released_annotations != our_annotations:
        return [], [f"{key}: annotations {ours['text']}, 17.4 has {released['text']}"]
    return [], []


def compare_values(
    key: str, released: dict[str, Any], ours: dict[str, Any]
) -> list[str]:
    """Compare the type and value of two constants, when both have a value."""
    if "value" not in released or "value" not in ours:
        return []
    released_value = normalise_value(released["value"])
    if (released["type"], released_value) != (
        ours["type"],
        normalise_value(ours["value"]),
    ):
        return [
            f"{key}: {ours['type']} {ours['value']}, 17.4 has {released['type']} "
            f"{released['value']}"
        ]
    return []


def compare_members(
    released: dict[str, Any], ours: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """Compare the members of two classes.

    A member's difference is named after the class that defines it in 17.4,
    whichever subclass or module it's reached through.

    """
    problems: list[str] = []
    annotations: list[str] = []
    for name, member in released.items():
        member_key = f"{member['owner']}.{name}"
        if name not in ours:
            problems.append(f"{member_key}: missing ({member['kind']} in 17.4)")
            continue
        mine = ours[name]
        if mine["kind"] != member["kind"]:
            # A property or a slot in place of a plain attribute reads the same.
            readable = {"attribute", "property"}
            if not {mine["kind"], member["kind"]} <= readable:
                problems.append(
                    f"{member_key}: {mine['kind']}, 17.4 has a {member['kind']}"
                )
            continue
        if "signature" in member:
            found, spelt = compare_signatures(
                member_key, member["signature"], mine["signature"]
            )
            problems += found
            annotations += spelt
        problems += compare_values(member_key, member, mine)
    return problems, annotations


def compare_name(
    binding: str, released: dict[str, Any], ours: dict[str, Any] | None
) -> tuple[list[str], list[str]]:
    """Compare the descriptions of one module-level name.

    ``binding`` is ``module:name``: it names what a module binds (presence,
    kind, value). A class's or a function's own differences (signature,
    bases) are named after where 17.4 defines it, ``module.qualname``, so
    that one entry of an allow-list covers every module that re-exports it.

    """
    if ours is None:
        return [f"{binding}: missing ({released['kind']} in 17.4)"], []
    if ours["kind"] != released["kind"]:
        return [f"{binding}: {ours['kind']}, 17.4 has a {released['kind']}"], []
    key = released.get("name", binding)
    problems: list[str] = []
    annotations: list[str] = []
    if ours["deprecated"] != released["deprecated"]:
        problems.append(
            f"{binding}: deprecated={ours['deprecated']}, 17.4 has {released['deprecated']}"
        )
    if released["kind"] == "class":
        missing_bases = [
            base
            for base in released["mro"]
            if base not in ours["mro"] and base not in VERSION_DEPENDENT_BASES
        ]
        if missing_bases:
            problems.append(f"{key}: doesn't inherit from {', '.join(missing_bases)}")
        found, spelt = compare_members(released["members"], ours["members"])
        problems += found
        annotations += spelt
    if "signature" in released:
        found, spelt = compare_signatures(key, released["signature"], ours["signature"])
        problems += found
        annotations += spelt
    if (
        released["kind"] in {"constant", "variable"}
        and released["type"] != ours["type"]
    ):
        problems.append(f"{binding}: {ours['type']}, 17.4 has {released['type']}")
    else:
        problems += compare_values(binding, released, ours)
    return problems, annotations


@functools.cache
def describe_ours() -> dict[str, Any]:
    """Describe this package's modules of the manifest, in a fresh process.

    Like the release, it's described in a process of its own: in this one,
    test modules that import names from websockets would pass for other
    modules providing them.

    """
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "tests.compat.make_manifest", "--describe", *MODULES],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=True,
    )
    modules: dict[str, Any] = json.loads(result.stdout)["modules"]
    return modules


def differences(module_name: str) -> tuple[list[str], list[str]]:
    """List every difference of a module with 17.4: (API problems, annotation problems)."""
    released = RELEASED["modules"][module_name]
    ours = describe_ours()[module_name]
    if "error" in ours:
        return [f"{module_name}: {ours['error']}"], []
    problems: list[str] = []
    annotations: list[str] = []
    for name, description in released.items():
        found, spelt = compare_name(
            f"{module_name}:{name}", description, ours.get(name)
        )
        problems += found
        annotations += spelt
    return problems, annotations


ALLOWED = set(INTENTIONAL) | set(DOCUMENTED_TO_FIX) | PENDING_ON_BEHAVIOURS_BRANCH


def allowed(problem: str, *, annotations: bool = False) -> bool:
    """Tell whether a difference is listed as allowed."""
    key = problem.split(": ", 1)[0]
    return key in ALLOWED or (annotations and key in ANNOTATION_SPELLING)


def test_manifest_describes_the_release():
    """The manifest comes from 17.4 and covers its modules, trio excepted."""
    assert RELEASED["websockets_version"] == "17.4"
    assert "websockets.legacy.framing" in MODULES
    assert not [name for name in MODULES if name.startswith("websockets.trio")]


@pytest.mark.parametrize("module_name", MODULES)
def test_module_provides_the_names_of_17_4(module_name):
    """Each name of the 17.4 module is here, of the same kind and signature."""
    problems, _ = differences(module_name)
    unexpected = [problem for problem in problems if not allowed(problem)]
    assert not unexpected, "\n".join(unexpected)


@pytest.mark.parametrize("module_name", MODULES)
def test_module_annotations_match_17_4(module_name):
    """Parameters and return values are annotated as in 17.4, spelling aside."""
    _, annotations = differences(module_name)
    unexpected = [
        problem for problem in annotations if not allowed(problem, annotations=True)
    ]
    assert not unexpected, "\n".join(unexpected)


def test_allowed_differences_still_differ():
    """Every allowed difference hides a real one: the lists don't go stale."""
    seen: set[str] = set()
    for module_name in MODULES:
        problems, annotations = differences(module_name)
        seen.update(problem.split(": ", 1)[0] for problem in problems + annotations)
    stale = sorted((ALLOWED | set(ANNOTATION_SPELLING)) - seen)
    assert not stale, f"no longer different: {stale}"


def test_allowed_differences_give_their_reason():
    """Every allowed difference names its reason."""
    reasons = {**INTENTIONAL, **DOCUMENTED_TO_FIX, **ANNOTATION_SPELLING}
    assert all(reason.strip() for reason in reasons.values())
