"""
Micro-benchmark of WebSocket masking: compiled vs pure Python vs peers.

Run from the repository root, after building the extensions in place::

    .venv/bin/python -m benchmarks.micro.mask            # ours only
    .venv/bin/python -m benchmarks.micro.mask --peers    # + websockets, aiohttp

It times, at 125 B, 1 KiB, 4 KiB, 64 KiB and 1 MiB:

* ``apply_mask`` (returns new bytes) and ``apply_mask_inplace`` (XORs a
  bytearray) of the compiled kernel, for every SIMD loop this CPU supports;
* the same functions of the pure-Python twin;
* with ``--peers``: the C ``websockets.speedups.apply_mask`` of websockets
  17.4 and aiohttp's compiled in-place mask, measured by ``mask_peers.py``
  in ``benchmarks/.venv-peers``, a virtualenv created on first use.

Results go to ``benchmarks/results/`` as JSON and to stdout as a table.

"""

from __future__ import annotations

import argparse
import functools
import json
import os
import pathlib
import subprocess
import sys
from types import ModuleType

from websockets._pure import mask as pure_mask

from .common import Case, Result, best_of, print_table, run, write_json


compiled_mask: ModuleType | None
try:
    from websockets._speedups import mask as _compiled_mask
except ImportError:  # pragma: no cover
    compiled_mask = None
else:
    compiled_mask = _compiled_mask


SIZES = [125, 1 << 10, 4 << 10, 64 << 10, 1 << 20]

HERE = pathlib.Path(__file__).resolve().parent
PEERS_VENV = HERE.parent / ".venv-peers"
PEERS_REQUIREMENTS = ["websockets==17.4", "aiohttp"]


def compiled_cases(sizes: list[int], variant: str, key: bytes) -> list[Case]:
    """Build the cases for one loop of the compiled twin."""
    assert compiled_mask is not None
    # Select the loop before each timed loop, outside the timing.
    select = functools.partial(compiled_mask._set_implementation, variant)
    apply_mask = compiled_mask.apply_mask
    apply_mask_inplace = compiled_mask.apply_mask_inplace
    result = []
    for size in sizes:
        data = os.urandom(size)
        result.append(
            Case(
                f"compiled[{variant}] apply_mask",
                size,
                functools.partial(apply_mask, data, key),
                select,
            )
        )
    for size in sizes:
        buffer = bytearray(os.urandom(size))
        result.append(
            Case(
                f"compiled[{variant}] apply_mask_inplace",
                size,
                functools.partial(apply_mask_inplace, buffer, key),
                select,
            )
        )
    return result


def pure_cases(sizes: list[int], key: bytes) -> list[Case]:
    """Build the cases for the pure-Python twin."""
    apply_mask = pure_mask.apply_mask
    apply_mask_inplace = pure_mask.apply_mask_inplace
    result = []
    for size in sizes:
        data = os.urandom(size)
        result.append(
            Case("pure apply_mask", size, functools.partial(apply_mask, data, key))
        )
    for size in sizes:
        buffer = bytearray(os.urandom(size))
        result.append(
            Case(
                "pure apply_mask_inplace",
                size,
                functools.partial(apply_mask_inplace, buffer, key),
            )
        )
    return result


def ensure_peers_venv() -> pathlib.Path:
    """Create ``benchmarks/.venv-peers`` if needed; return its interpreter."""
    python = PEERS_VENV / ("Scripts" if os.name == "nt" else "bin") / "python"
    if not python.exists():
        base = getattr(sys, "_base_executable", sys.executable)
        print(f"creating {PEERS_VENV} with {base}", file=sys.stderr)
        subprocess.run([base, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *PEERS_REQUIREMENTS],
            check=True,
        )
    return python


def run_peers(
    sizes: list[int], min_time: float, repeat: int
) -> tuple[list[Result], dict[str, str]]:
    """Measure the peers in their virtualenv; return results and versions."""
    python = ensure_peers_venv()
    # -I keeps the repository, and thus our own websockets package, off
    # sys.path: the peer virtualenv must import upstream websockets.
    output = subprocess.run(
        [
            str(python),
            "-I",
            str(HERE / "mask_peers.py"),
            "--sizes",
            ",".join(map(str, sizes)),
            "--min-time",
            str(min_time),
            "--repeat",
            str(repeat),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=PEERS_VENV,
    )
    document = json.loads(output.stdout)
    results = [Result.from_dict(value) for value in document["results"]]
    return results, document["versions"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also measure websockets 17.4 and aiohttp in benchmarks/.venv-peers",
    )
    parser.add_argument(
        "--variants",
        default="all",
        help="comma-separated SIMD loops to measure, or 'all' (default) or 'default'",
    )
    parser.add_argument(
        "--pure-max",
        type=int,
        default=1 << 20,
        help="largest size for the pure-Python twin (default: 1 MiB)",
    )
    parser.add_argument(
        "--min-time", type=float, default=0.02, help="seconds per timed loop"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=15,
        help="timed loops per case, over all passes; the best one counts",
    )
    parser.add_argument(
        "--passes",
        type=int,
        default=3,
        help="with --peers, alternate this many times between ours and peers",
    )
    parser.add_argument(
        "--no-json", action="store_true", help="don't write a JSON file"
    )
    args = parser.parse_args(argv)

    if compiled_mask is None:
        print(
            "websockets._speedups.mask isn't built: measuring pure Python only",
            file=sys.stderr,
        )
        variants: list[str] = []
    else:
        supported = list(compiled_mask._supported_implementations())
        if args.variants == "all":
            variants = supported[::-1]
        elif args.variants == "default":
            variants = [compiled_mask.IMPLEMENTATION]
        else:
            variants = args.variants.split(",")
    default = compiled_mask.IMPLEMENTATION if compiled_mask is not None else "python"

    key = os.urandom(4)
    cases = []
    for variant in variants:
        cases += compiled_cases(SIZES, variant, key)
    cases += pure_cases([size for size in SIZES if size <= args.pure_max], key)

    # With --peers, alternate between this process and the peers' in
    # several passes, so that both see the same background load.
    passes = args.passes if args.peers else 1
    repeat = max(1, args.repeat // passes)
    results: list[Result] = []
    extra: dict[str, object] = {"default_variant": default, "variants": variants}
    for _ in range(passes):
        results += run("mask", cases, min_time=args.min_time, repeat=repeat)
        if args.peers:
            peer_results, versions = run_peers(SIZES, args.min_time, repeat)
            results += peer_results
            extra["peers"] = versions
    results = best_of(results)
    if compiled_mask is not None:
        compiled_mask._set_implementation(default)

    print_table(
        results,
        title=f"WebSocket masking, GB/s (higher is better); default loop: {default}",
    )
    print()
    print_table(results, value="ns")
    if not args.no_json:
        path = write_json("mask", results, extra=extra)
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
