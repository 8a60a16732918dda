"""
Shared helpers for the micro-benchmarks in this directory.

A micro-benchmark builds a list of :class:`Case`, passes it to :func:`run`,
then hands the results to :func:`print_table` and :func:`write_json`::

    results = run("mask", [Case("compiled", 1024, lambda: f(data, key))])
    print_table(results)
    write_json("mask", results)

Timing follows :mod:`timeit`: each case is called in a loop long enough to
last about ``min_time`` seconds, that loop is repeated ``repeat`` times,
interleaved with the other cases, and the best loop wins, since slower loops
only measure interference from the rest of the machine.

This module must not import :mod:`websockets`: the peer benchmarks load it
from a virtualenv where ``websockets`` is the upstream release.

"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys
import timeit
from collections.abc import Callable, Iterable, Sequence
from typing import Any


__all__ = [
    "RESULTS_DIR",
    "Case",
    "Result",
    "calibrate",
    "run",
    "best_of",
    "print_table",
    "write_json",
    "metadata",
    "format_size",
]


ROOT = pathlib.Path(__file__).resolve().parents[2]

RESULTS_DIR = ROOT / "benchmarks" / "results"
"""Directory where :func:`write_json` stores results."""


@dataclasses.dataclass
class Case:
    """
    One thing to time.

    Attributes:
        label: Row of the table, e.g. the implementation being measured.
        size: Bytes processed by one call, or 0 if throughput is meaningless;
            it's also the column of the table.
        func: Function to call, without arguments.
        setup: Function called before each timed loop, outside the timing,
            e.g. to select a SIMD variant.

    """

    label: str
    size: int
    func: Callable[[], object]
    setup: Callable[[], object] | None = None


@dataclasses.dataclass
class Result:
    """
    Timing of one :class:`Case`.

    Attributes:
        label: Copied from the case.
        size: Copied from the case.
        seconds: Best time for one call.
        loops: Calls per timed loop.

    """

    label: str
    size: int
    seconds: float
    loops: int

    @property
    def ns(self) -> float:
        """Best time for one call, in nanoseconds."""
        return self.seconds * 1e9

    @property
    def gbps(self) -> float:
        """Throughput in GB/s (10**9 bytes per second), 0 if size is 0."""
        return self.size / self.seconds / 1e9 if self.size else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable version, with derived values."""
        return {**dataclasses.asdict(self), "ns": self.ns, "gbps": self.gbps}

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> Result:
        """Rebuild a result from :meth:`as_dict`, e.g. from a subprocess."""
        return cls(value["label"], value["size"], value["seconds"], value["loops"])


def calibrate(func: Callable[[], object], *, min_time: float = 0.02) -> int:
    """Return how many calls of ``func`` last about ``min_time`` seconds."""
    timer = timeit.Timer(func)
    loops = 1
    while True:
        elapsed = timer.timeit(loops)
        if elapsed >= min_time / 4:
            return max(1, int(loops * min_time / elapsed))
        loops *= 2


def run(
    name: str,
    cases: Sequence[Case],
    *,
    min_time: float = 0.02,
    repeat: int = 15,
    verbose: bool = True,
) -> list[Result]:
    """
    Time every case; return one result per case, in order.

    The timed loops are interleaved: each of the ``repeat`` rounds times
    every case once, and each case keeps its best loop. On a shared machine,
    this spreads bursts of interference over all cases instead of
    penalizing whichever case ran during the burst.

    Args:
        name: Name of the benchmark, for progress messages.
        cases: Cases to time.
        min_time: Target duration of one timed loop, in seconds.
        repeat: Number of rounds.
        verbose: Print one line per case on stderr at the end.

    """
    loops = []
    for case in cases:
        if case.setup is not None:
            case.setup()
        loops.append(calibrate(case.func, min_time=min_time))
    best = [float("inf")] * len(cases)
    for _ in range(repeat):
        for index, case in enumerate(cases):
            if case.setup is not None:
                case.setup()
            elapsed = timeit.Timer(case.func).timeit(loops[index])
            best[index] = min(best[index], elapsed / loops[index])
    results = [
        Result(case.label, case.size, seconds, count)
        for case, seconds, count in zip(cases, best, loops, strict=True)
    ]
    if verbose:
        for result in results:
            print(
                f"{name}: {result.label} {format_size(result.size)}: "
                f"{result.ns:,.0f} ns, {result.gbps:.2f} GB/s",
                file=sys.stderr,
            )
    return results


def best_of(results: Iterable[Result]) -> list[Result]:
    """
    Keep the fastest result for each (label, size), in first-seen order.

    This merges several runs of the same cases, e.g. passes that alternate
    between this process and a peer virtualenv.

    """
    merged: dict[tuple[str, int], Result] = {}
    for result in results:
        key = (result.label, result.size)
        if key not in merged or result.seconds < merged[key].seconds:
            merged[key] = result
    return list(merged.values())


def format_size(size: int) -> str:
    """Format a byte count the way the tables show it: 125 B, 4 KiB, 1 MiB."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


def print_table(
    results: Sequence[Result],
    *,
    value: str = "gbps",
    title: str | None = None,
    file: Any = None,
) -> None:
    """
    Print results as a table: one row per label, one column per size.

    Args:
        results: Results to show; missing cells are left empty.
        value: ``"gbps"`` for throughput or ``"ns"`` for time per call.
        title: Optional line printed above the table.
        file: Stream to print to; defaults to :data:`sys.stdout`.

    """
    file = sys.stdout if file is None else file
    labels = list(dict.fromkeys(result.label for result in results))
    sizes = list(dict.fromkeys(result.size for result in results))
    cells = {(result.label, result.size): result for result in results}
    unit = "GB/s" if value == "gbps" else "ns/call"
    header = [f"{unit}"] + [format_size(size) for size in sizes]
    rows = [header]
    for label in labels:
        row = [label]
        for size in sizes:
            result = cells.get((label, size))
            if result is None:
                row.append("")
            elif value == "gbps":
                row.append(f"{result.gbps:.2f}")
            else:
                row.append(f"{result.ns:,.0f}")
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    if title:
        print(title, file=file)
    for index, row in enumerate(rows):
        cols = [row[0].ljust(widths[0])]
        cols += [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        print("  ".join(cols), file=file)
        if index == 0:
            print("  ".join("-" * width for width in widths), file=file)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def metadata() -> dict[str, Any]:
    """Describe the machine and the code being measured."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "commit": _commit(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
    }


def write_json(
    name: str,
    results: Sequence[Result],
    *,
    extra: dict[str, Any] | None = None,
) -> pathlib.Path:
    """
    Store results in ``benchmarks/results/micro-<name>-<date>-<commit>.json``.

    Args:
        name: Name of the benchmark.
        results: Results to store.
        extra: More metadata, e.g. which SIMD loop was in use.

    Returns:
        Path of the file written.

    """
    meta = metadata()
    document = {
        "benchmark": f"micro/{name}",
        **meta,
        **(extra or {}),
        "results": [result.as_dict() for result in results],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = meta["date"][:19].replace(":", "").replace("-", "")
    path = RESULTS_DIR / f"micro-{name}-{stamp}-{meta['commit']}.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
