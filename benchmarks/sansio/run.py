"""
Run the in-memory Sans-I/O echo benchmark for this project (compiled and pure)
and for the released websockets, interleaved over several rounds, then print a
table of medians (min-max) and write the results as JSON.

    python -m benchmarks.sansio.run [--rounds 3] [--duration 1]

The released websockets runs from ``benchmarks/.venv-peers`` (created by
``python -m benchmarks.e2e.run``) or from ``--upstream-python``; it also runs
without its C extension, from a copy of the package without it, as websockets
does where the extension can't be built. Every process
is pinned to one CPU with ``taskset`` when it's available.

"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile


ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "sansio" / "loopback.py"


def run_once(
    python: str, env: dict[str, str], duration: float
) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as directory:
        output = os.path.join(directory, "out.json")
        # -I keeps the released websockets from seeing this repository; ours
        # finds the working tree through PYTHONPATH instead.
        isolate = [] if "PYTHONPATH" in env else ["-I"]
        command = [python, *isolate, str(SCRIPT), "--duration", str(duration)]
        command += ["--json", output]
        if shutil.which("taskset"):
            command = ["taskset", "-c", "1", *command]
        subprocess.run(command, env=env, check=True, cwd=directory, capture_output=True)
        with open(output) as file:
            return json.load(file)  # type: ignore[no-any-return]


def strip_speedups(python: str, directory: pathlib.Path) -> bool:
    """
    Copy the websockets package of ``python`` into ``directory``, without its
    C extension. Return :obj:`False` if the package has no C extension.

    """
    source = subprocess.run(
        [
            python,
            "-I",
            "-c",
            "import os, websockets; print(os.path.dirname(websockets.__file__))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    target = directory / "websockets"
    shutil.copytree(source, target)
    removed = [path for path in target.glob("speedups*.so")] + list(
        target.glob("speedups*.pyd")
    )
    for path in removed:
        path.unlink()
    return bool(removed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument(
        "--upstream-python",
        default=str(ROOT / "benchmarks" / ".venv-peers" / "bin" / "python"),
    )
    args = parser.parse_args()

    base = {k: v for k, v in os.environ.items() if not k.startswith("WEBSOCKETS_")}
    runs = {
        "ours (compiled)": (
            sys.executable,
            dict(base, PYTHONPATH=str(ROOT), WEBSOCKETS_REQUIRE_SPEEDUPS="1"),
        ),
        "ours (pure)": (
            sys.executable,
            dict(base, PYTHONPATH=str(ROOT), WEBSOCKETS_NO_SPEEDUPS="1"),
        ),
        "websockets 17.4": (args.upstream_python, base),
    }
    # websockets falls back to pure Python when its C extension is missing:
    # run a copy of the installed package without it, for a comparison of
    # pure Python with pure Python.
    stripped = tempfile.TemporaryDirectory()
    if strip_speedups(args.upstream_python, pathlib.Path(stripped.name)):
        runs["websockets 17.4 (no C)"] = (
            args.upstream_python,
            dict(base, PYTHONPATH=stripped.name),
        )
    samples: dict[tuple[str, int, bool], list[float]] = {}
    for round_index in range(args.rounds):
        order = list(runs) if round_index % 2 == 0 else list(reversed(runs))
        for name in order:
            python, env = runs[name]
            for row in run_once(python, env, args.duration):
                key = (name, int(row["size"]), bool(row["compression"]))  # type: ignore[call-overload]
                samples.setdefault(key, []).append(float(row["round_trips_per_s"]))  # type: ignore[arg-type]

    sizes = sorted({size for _, size, _ in samples})
    lines = [
        "| implementation | compression | " + " | ".join(f"{s} B" for s in sizes) + " |"
    ]
    lines.append("|---|---|" + "---:|" * len(sizes))
    for compression in (False, True):
        for name in runs:
            cells = []
            for size in sizes:
                values = samples[(name, size, compression)]
                cells.append(
                    f"{statistics.median(values) / 1000:.1f}k "
                    f"({min(values) / 1000:.1f}–{max(values) / 1000:.1f})"
                )
            lines.append(
                f"| {name} | {'deflate' if compression else 'none'} | "
                + " | ".join(cells)
                + " |"
            )
        comparisons = [
            ("ours (compiled)", "websockets 17.4"),
            ("ours (pure)", "websockets 17.4"),
            ("ours (pure)", "websockets 17.4 (no C)"),
        ]
        for name, reference in comparisons:
            if reference not in runs:
                continue
            ratios = [
                statistics.median(samples[(name, size, compression)])
                / statistics.median(samples[(reference, size, compression)])
                for size in sizes
            ]
            lines.append(
                f"| {name} ÷ {reference} | {'deflate' if compression else 'none'} | "
                + " | ".join(f"{ratio:.2f}×" for ratio in ratios)
                + " |"
            )
    table = "\n".join(lines)
    print("Echo round-trips per second through the Sans-I/O layer, median (min–max)\n")
    print(table)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S")
    result = {
        "benchmark": "sansio-loopback",
        "date": stamp,
        "commit": commit,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "rounds": args.rounds,
        "duration": args.duration,
        "samples": [
            {
                "implementation": name,
                "size": size,
                "compression": compression,
                "round_trips_per_s": values,
            }
            for (name, size, compression), values in sorted(samples.items())
        ],
        "table": table,
    }
    output = ROOT / "benchmarks" / "results" / f"sansio-{stamp}-{commit}.json"
    output.write_text(json.dumps(result, indent=2))
    print(f"\nresults: {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
