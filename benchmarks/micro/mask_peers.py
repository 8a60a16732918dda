"""
Measure the masking functions of peer libraries; run by ``mask.py --peers``.

This script runs inside ``benchmarks/.venv-peers``, where ``websockets`` is
the upstream release, so it must not import anything from this repository
except :mod:`common`, which it loads from its own directory. It prints a JSON
document with the results on stdout.

Peers:

* ``websockets.speedups.apply_mask`` (websockets' C extension), which
  returns new bytes like our ``apply_mask``;
* aiohttp's compiled mask, which XORs a bytearray in place like our
  ``apply_mask_inplace``. aiohttp doesn't document it, so we find it by
  introspection in ``aiohttp._websocket.mask``.

"""

from __future__ import annotations

import argparse
import functools
import importlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Callable


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Case, run  # type: ignore[import-not-found]  # noqa: E402


def find_aiohttp_mask() -> tuple[str, Callable[[bytes, bytearray], None]]:
    """Return the name and function of aiohttp's compiled in-place mask."""
    module = importlib.import_module("aiohttp._websocket.mask")
    names = [
        name
        for name in dir(module)
        if "mask" in name.lower() and callable(getattr(module, name))
    ]
    if len(names) != 1:
        raise RuntimeError(f"cannot identify aiohttp's mask function among {names}")
    func = getattr(module, names[0])
    # Check the calling convention, (mask, data) with data mutated, on a
    # known vector rather than trusting the name.
    buffer = bytearray(8)
    func(b"\x01\x02\x03\x04", buffer)
    if buffer != b"\x01\x02\x03\x04" * 2:
        raise RuntimeError(f"unexpected behavior of aiohttp's {names[0]}")
    return f"{module.__name__}.{names[0]}", func


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", required=True)
    parser.add_argument("--min-time", type=float, default=0.02)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    from websockets.speedups import apply_mask

    aiohttp_name, aiohttp_mask = find_aiohttp_mask()
    versions = {
        "websockets": importlib.metadata.version("websockets"),
        "aiohttp": importlib.metadata.version("aiohttp"),
        "aiohttp_mask": aiohttp_name,
    }

    key = os.urandom(4)
    cases = []
    label = f"websockets {versions['websockets']} C apply_mask"
    for size in sizes:
        data = os.urandom(size)
        cases.append(Case(label, size, functools.partial(apply_mask, data, key)))
    label = f"aiohttp {versions['aiohttp']} mask (in place)"
    for size in sizes:
        buffer = bytearray(os.urandom(size))
        cases.append(Case(label, size, functools.partial(aiohttp_mask, key, buffer)))

    results = run("peers", cases, min_time=args.min_time, repeat=args.repeat)
    json.dump(
        {"versions": versions, "results": [result.as_dict() for result in results]},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
