"""
Summarize Autobahn reports and fail on non-conformance.

Usage::

    python -m tests.compliance.summary                  # every run in the cache
    python -m tests.compliance.summary server-pure      # only these runs
    python -m tests.compliance.summary --markdown       # tables in Markdown

For each run (a folder ``{role}-{mode}`` holding the ``index.json`` that
``wstest`` writes), it prints, per section of the suite, how many cases got
each outcome, for ``behavior`` (what the testee did with the data) and for
``behaviorClose`` (how it closed the connection), then lists the cases that
didn't pass.

Exit status: 0 if every case passed; 1 if any case's ``behavior`` or
``behaviorClose`` is ``FAILED`` or ``UNIMPLEMENTED``, or if its
``behaviorClose`` is one of the other failures (``WRONG CODE``, ``UNCLEAN``,
``FAILED BY CLIENT``); 2 if no report was found.

"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


__all__ = [
    "OUTCOMES",
    "FAILURES",
    "Run",
    "load_run",
    "find_runs",
    "format_run",
    "main",
]


OUTCOMES = ("OK", "NON-STRICT", "INFORMATIONAL", "FAILED", "UNIMPLEMENTED")
"""Outcomes that Autobahn reports for ``behavior``, in display order."""

# behaviorClose may also be one of these, which all mean that the closing
# handshake went wrong (RFC 6455, section 7); they're counted as "OTHER".
CLOSE_FAILURES = ("WRONG CODE", "UNCLEAN", "FAILED BY CLIENT")

FAILURES = frozenset({"FAILED", "UNIMPLEMENTED", *CLOSE_FAILURES})
"""Outcomes that make the summary exit with a non-zero status."""

_HEADERS = ("OK", "NS", "INFO", "FAIL", "UNIMPL")


@dataclass
class Run:
    """
    Outcomes of one ``wstest`` run: one role, one build, one agent.

    """

    name: str
    """Folder name, ``{role}-{mode}``."""

    agent: str
    """Agent name recorded in the reports."""

    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Result of each case, by case id (``"1.1.1"``)."""

    def sections(self) -> list[str]:
        """
        Return the sections of the cases, in numerical order.

        """
        return sorted({case.split(".")[0] for case in self.cases}, key=int)

    def counts(self, key: str, section: str | None = None) -> Counter[str]:
        """
        Count the outcomes for ``key`` (``behavior`` or ``behaviorClose``).

        Args:
            key: Which outcome to count.
            section: Only count the cases of this section.

        """
        return Counter(
            result[key]
            for case, result in self.cases.items()
            if section is None or case.split(".")[0] == section
        )

    def failures(self) -> list[tuple[str, dict[str, Any]]]:
        """
        Return the cases that didn't pass, in numerical order.

        """
        return [
            (case, self.cases[case])
            for case in sorted(self.cases, key=case_key)
            if self.cases[case]["behavior"] in FAILURES
            or self.cases[case]["behaviorClose"] in FAILURES
        ]


def case_key(case: str) -> tuple[int, ...]:
    """
    Sort key for case ids: ``"9.10.2"`` comes after ``"9.2.1"``.

    """
    return tuple(int(part) for part in case.split("."))


def load_run(folder: pathlib.Path) -> list[Run]:
    """
    Read the ``index.json`` in ``folder``; return one :class:`Run` per agent.

    """
    index = json.loads((folder / "index.json").read_text())
    return [
        Run(folder.name, agent, dict(cases)) for agent, cases in sorted(index.items())
    ]


def find_runs(reports: pathlib.Path, names: Sequence[str] = ()) -> list[Run]:
    """
    Load the runs under ``reports``: all of them, or those in ``names``.

    """
    if names:
        folders = [reports / name for name in names]
    else:
        folders = sorted(path.parent for path in reports.glob("*/index.json"))
    runs: list[Run] = []
    for folder in folders:
        if not (folder / "index.json").exists():
            print(f"no report in {folder}", file=sys.stderr)
            continue
        runs.extend(load_run(folder))
    return runs


def _row(label: str, behavior: Counter[str], close: Counter[str]) -> list[str]:
    other = sum(close[outcome] for outcome in CLOSE_FAILURES)
    unknown = set(behavior) - set(OUTCOMES)
    unknown |= set(close) - set(OUTCOMES) - set(CLOSE_FAILURES)
    if unknown:
        # Don't silently drop an outcome we don't know about.
        raise ValueError(f"unknown outcomes: {sorted(unknown)}")
    return [
        label,
        str(sum(behavior.values())),
        *(str(behavior[outcome]) for outcome in OUTCOMES),
        *(str(close[outcome]) for outcome in OUTCOMES),
        str(other),
    ]


def _table(rows: Iterable[list[str]], markdown: bool) -> str:
    header = ["section", "cases"]
    header += [f"B:{name}" for name in _HEADERS]
    header += [f"C:{name}" for name in _HEADERS] + ["C:OTHER"]
    rows = [header, *rows]
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + "---|" * len(header))
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.rjust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    )


def format_run(run: Run, *, markdown: bool = False) -> str:
    """
    Format the per-section table and the list of failures of ``run``.

    """
    rows = [
        _row(
            section,
            run.counts("behavior", section),
            run.counts("behaviorClose", section),
        )
        for section in run.sections()
    ]
    rows.append(_row("all", run.counts("behavior"), run.counts("behaviorClose")))
    title = f"{run.name} (agent {run.agent}): {len(run.cases)} cases"
    lines = [f"### {title}" if markdown else title, "", _table(rows, markdown)]
    failures = run.failures()
    if failures:
        lines += ["", "Failures:" if not markdown else "Failures:\n"]
        for case, result in failures:
            lines.append(
                f"{'* ' if markdown else '  '}{case}: behavior={result['behavior']}"
                f" behaviorClose={result['behaviorClose']}"
                f" remoteCloseCode={result.get('remoteCloseCode')}"
                f" report={result.get('reportfile')}"
            )
    return "\n".join(lines)


LEGEND = (
    "B: behavior, C: behaviorClose; NS: NON-STRICT, INFO: INFORMATIONAL, "
    "FAIL: FAILED, UNIMPL: UNIMPLEMENTED, OTHER: WRONG CODE, UNCLEAN or "
    "FAILED BY CLIENT."
)


def main(argv: Sequence[str] | None = None) -> int:
    """
    Print the summary of the reports and return the exit status.

    """
    from .autobahn import REPORTS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("runs", nargs="*", help="run folders, e.g. server-compiled")
    parser.add_argument("--reports", type=pathlib.Path, default=REPORTS)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    runs = find_runs(args.reports, args.runs)
    if not runs:
        print(f"no reports found in {args.reports}", file=sys.stderr)
        return 2
    print(LEGEND, end="\n\n")
    for run in runs:
        print(format_run(run, markdown=args.markdown), end="\n\n")
    failed = [run.name for run in runs if run.failures()]
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    print(f"All cases passed in {', '.join(run.name for run in runs)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
