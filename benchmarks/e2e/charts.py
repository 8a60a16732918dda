"""
Draw PNG bar charts of an end-to-end benchmark result.

Run by :mod:`benchmarks.e2e.run` in ``benchmarks/.venv-peers``, where
matplotlib is installed::

    benchmarks/.venv-peers/bin/python -I benchmarks/e2e/charts.py RESULT.json OUTDIR

Writes one PNG per scenario, ``e2e-<scenario>.png``: one row of plots per
message size, requests (or messages) per second on the left and CPU time per
round trip of the process under test on the right; bars are libraries,
grouped by event loop and transport, with whiskers from min to max over the
rounds. Prints the paths written, one per line.

"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import LIBRARIES, format_size  # type: ignore[import-not-found,unused-ignore]  # noqa: E402


COLORS = {
    "ours": "#d62728",
    "websockets": "#1f77b4",
    "aiohttp": "#2ca02c",
    "picows-websockets": "#ff7f0e",
    "picows": "#9467bd",
}

TITLES = {
    "client": "Client under test (server: picows on uvloop)",
    "server": "Server under test (client: picows on uvloop)",
    "many-echo": "1,000 connections, round trips, server under test",
    "broadcast": "Broadcast to 1,000 connections, server under test",
}

UNITS = {
    "client": ("requests/s", "CPU µs per request"),
    "server": ("requests/s", "CPU µs per request"),
    "many-echo": ("messages/s", "CPU µs per message"),
    "broadcast": ("messages delivered/s", "CPU µs per message"),
}


def draw(document: dict[str, Any], directory: str) -> list[str]:
    """Draw every scenario of ``document``; return the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {
        name: info.get("label", name) for name, info in document["libraries"].items()
    }
    summaries = [s for s in document["summaries"] if not s.get("error")]
    paths = []
    for scenario in dict.fromkeys(s["scenario"] for s in summaries):
        rows = [s for s in summaries if s["scenario"] == scenario]
        sizes = list(dict.fromkeys(s["size"] for s in rows))
        groups = list(dict.fromkeys((s["loop"], s["transport"]) for s in rows))
        libraries = [lib for lib in LIBRARIES if any(s["library"] == lib for s in rows)]
        cells = {(s["size"], s["loop"], s["transport"], s["library"]): s for s in rows}
        height = 3.2 * len(sizes) + 1.0
        figure, axes = plt.subplots(len(sizes), 2, figsize=(12, height), squeeze=False)
        width = 0.8 / len(libraries)
        for row, size in enumerate(sizes):
            for column, (key, low, high) in enumerate(
                [
                    ("rate", "rate_min", "rate_max"),
                    ("cpu_us", "cpu_us_min", "cpu_us_max"),
                ]
            ):
                ax = axes[row][column]
                for index, library in enumerate(libraries):
                    xs: list[float] = []
                    heights: list[float] = []
                    errors: list[list[float]] = [[], []]
                    for position, (loop, transport) in enumerate(groups):
                        summary = cells.get((size, loop, transport, library))
                        if summary is None:
                            continue
                        xs.append(position + (index - (len(libraries) - 1) / 2) * width)
                        heights.append(summary[key])
                        errors[0].append(summary[key] - summary[low])
                        errors[1].append(summary[high] - summary[key])
                    ax.bar(
                        xs,
                        heights,
                        width,
                        yerr=errors,
                        capsize=2,
                        label=labels.get(library, library),
                        color=COLORS.get(library),
                    )
                ax.set_xticks(range(len(groups)))
                ax.set_xticklabels(
                    [f"{loop}\n{transport.upper()}" for loop, transport in groups]
                )
                ax.set_ylabel(UNITS[scenario][column])
                ax.set_title(
                    f"{format_size(size)}: "
                    + ("higher is better" if column == 0 else "lower is better"),
                    fontsize=10,
                )
                ax.grid(axis="y", alpha=0.3)
        handles, names = axes[0][0].get_legend_handles_labels()
        figure.legend(
            handles,
            names,
            loc="upper center",
            ncol=len(libraries),
            fontsize=9,
            bbox_to_anchor=(0.5, 1 - 0.35 / height),
        )
        figure.suptitle(
            f"{TITLES.get(scenario, scenario)} — commit {document['commit']}, "
            f"{document['date'][:10]}",
            fontsize=11,
            y=1 - 0.08 / height,
        )
        figure.tight_layout(rect=(0, 0, 1, 1 - 0.75 / height))
        path = os.path.join(directory, f"e2e-{scenario}.png")
        figure.savefig(path, dpi=80)
        plt.close(figure)
        paths.append(path)
    return paths


def main() -> None:
    source, directory = sys.argv[1:3]
    with open(source, encoding="utf-8") as file:
        document = json.load(file)
    os.makedirs(directory, exist_ok=True)
    for path in draw(document, directory):
        print(path)


if __name__ == "__main__":
    main()
