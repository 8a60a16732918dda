"""
Pure logic of the end-to-end benchmark: the matrix of cells, aggregation of
rounds, and rendering of tables.

This module imports nothing outside the standard library, and never
:mod:`websockets`, because it's loaded by the orchestrator, by the worker
processes of every library (including the peers virtualenv, where
``websockets`` is the upstream release) and by the tests.

Vocabulary:

* a *cell* is one measurement: a library in a role, on an event loop, over a
  transport, with a message size;
* a *round* runs every cell once, in an interleaved order, so that bursts of
  interference from other workers on the machine spread over all libraries;
* a *sample* is the result of one cell in one round.

"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable, Sequence
from typing import Any


__all__ = [
    "LIBRARIES",
    "LABELS",
    "OURS",
    "COMMON",
    "COMMON_LOOP",
    "DEFLATE",
    "DEFLATE_LIBRARIES",
    "DEFLATE_PEER",
    "DEFLATE_SIZES",
    "deflate_scenario",
    "SIZES",
    "Cell",
    "Sample",
    "Summary",
    "build_cells",
    "interleave",
    "summarize",
    "format_size",
    "format_rate",
    "format_ratio",
    "markdown_tables",
    "rst_tables",
    "parse_proc_stat",
    "parse_schedstat",
]


OURS = "ours"
"""Name of this project in the matrix."""

LIBRARIES = ("ours", "websockets", "aiohttp", "picows-websockets", "picows")
"""Every library the benchmark knows, in the order of the tables."""

LABELS = {
    "ours": "ours",
    "websockets": "websockets",
    "aiohttp": "aiohttp",
    "picows-websockets": "picows.websockets",
    "picows": "picows",
}
"""Display names; the orchestrator appends versions when it knows them."""

COMMON = "picows"
"""Library of the common peer: the echo server in client benchmarks, the
client in server benchmarks, the clients of the many-connection benchmarks.
It's the fastest library available, so it limits the library under test as
little as possible."""

COMMON_LOOP = "uvloop"
"""Event loop of the common peer."""

SIZES = (256, 8 * 1024, 100_000)
"""Message sizes of websocket-benchmark: 256 B, 8 KiB, 100 KB."""

DEFLATE = tuple(
    f"{role}-deflate-{payload}"
    for role in ("client", "server")
    for payload in ("json", "random")
)
"""Round trips with permessage-deflate in its default configuration (both
sides call ``connect()`` / ``serve()`` without ``compression=None``), with
JSON-like text or random bytes. Only libraries in
:data:`DEFLATE_LIBRARIES` run them; the common peer is websockets 17.4 on
asyncio, since picows doesn't implement permessage-deflate."""

DEFLATE_LIBRARIES = ("ours", "websockets")
"""Libraries whose default configuration negotiates permessage-deflate."""

DEFLATE_PEER = ("websockets", "asyncio")
"""Library and loop of the common peer in :data:`DEFLATE` scenarios."""

DEFLATE_SIZES = (256, 8 * 1024, 64 * 1024)
"""Message sizes of :data:`DEFLATE` scenarios: 256 B, 8 KiB, 64 KiB."""


def deflate_scenario(scenario: str) -> tuple[str, str] | None:
    """Return ``(role, payload)`` for a :data:`DEFLATE` scenario, else None."""
    if scenario not in DEFLATE:
        return None
    role, _, payload = scenario.partition("-deflate-")
    return role, payload


ROLES = ("client", "server")
"""Round-trip benchmarks: which side runs the library under test."""

MANY = ("many-echo", "broadcast")
"""Many-connection benchmarks; the library under test is the server."""


@dataclasses.dataclass(frozen=True, order=True)
class Cell:
    """
    One measurement of the matrix.

    Attributes:
        scenario: ``"client"`` or ``"server"`` (round trips over one
            connection, the library under test on that side), or
            ``"many-echo"`` or ``"broadcast"`` (many connections to the
            library's server).
        loop: ``"asyncio"`` or ``"uvloop"``, for the library under test.
        transport: ``"tcp"`` or ``"tls"``.
        size: Message size in bytes.
        library: Library under test, one of :data:`LIBRARIES`.

    """

    scenario: str
    loop: str
    transport: str
    size: int
    library: str

    @property
    def group(self) -> tuple[str, str, str, int]:
        """Cell without the library: the libraries of a group are compared."""
        return (self.scenario, self.loop, self.transport, self.size)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable version."""
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Sample:
    """
    Result of one cell in one round.

    Attributes:
        cell: What was measured.
        round: Index of the round, from 0.
        rate: Round trips per second (client and server scenarios, many-echo)
            or messages delivered per second (broadcast).
        cpu_us: CPU time of the process under test per round trip or per
            delivered message, in microseconds.
        peer_cpu_us: Same for the common peer, for information.
        error: Why the cell failed, if it did; then rates are 0.

    """

    cell: Cell
    round: int
    rate: float
    cpu_us: float
    peer_cpu_us: float = 0.0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable version."""
        return {
            **self.cell.as_dict(),
            "round": self.round,
            "rate": self.rate,
            "cpu_us": self.cpu_us,
            "peer_cpu_us": self.peer_cpu_us,
            "error": self.error,
        }


@dataclasses.dataclass
class Summary:
    """
    Aggregate of the samples of one cell over all rounds.

    Medians resist a round disturbed by another worker; min and max show the
    spread. Failed samples are left out; if all failed, ``error`` says why.

    """

    cell: Cell
    rate: float
    rate_min: float
    rate_max: float
    cpu_us: float
    cpu_us_min: float
    cpu_us_max: float
    peer_cpu_us: float
    rounds: int
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable version."""
        return {
            **self.cell.as_dict(),
            **{
                field.name: getattr(self, field.name)
                for field in dataclasses.fields(self)
                if field.name != "cell"
            },
        }


def build_cells(
    *,
    scenarios: Sequence[str],
    loops: Sequence[str],
    transports: Sequence[str],
    sizes: Sequence[int],
    libraries: Sequence[str],
    many_size: int = 256,
    broadcast_size: int = 1024,
) -> list[Cell]:
    """
    Return the cells of the matrix, grouped so that libraries alternate.

    Round-trip scenarios (``client``, ``server``) cover every loop, transport
    and size. Many-connection scenarios use plain TCP and one size each:
    256 B round trips, 1 KiB broadcasts.

    """
    cells = []
    for scenario in scenarios:
        for loop in loops:
            for transport in transports:
                if scenario in MANY:
                    if transport != "tcp":
                        continue
                    scenario_sizes: Sequence[int] = (
                        [many_size] if scenario == "many-echo" else [broadcast_size]
                    )
                else:
                    scenario_sizes = sizes
                for size in scenario_sizes:
                    for library in libraries:
                        if scenario in DEFLATE and library not in DEFLATE_LIBRARIES:
                            continue
                        cells.append(Cell(scenario, loop, transport, size, library))
    return cells


def interleave(cells: Sequence[Cell], rounds: int) -> list[tuple[int, Cell]]:
    """
    Return ``(round, cell)`` in execution order.

    Within a round, cells run group by group and, inside a group, library by
    library (A B C A B C …), so the libraries being compared are measured
    seconds apart. Odd rounds reverse the order of libraries inside each
    group, so no library always runs right after the same neighbour.

    """
    groups: dict[tuple[str, str, str, int], list[Cell]] = {}
    for cell in cells:
        groups.setdefault(cell.group, []).append(cell)
    order: list[tuple[int, Cell]] = []
    for index in range(rounds):
        for group in groups.values():
            members = group if index % 2 == 0 else list(reversed(group))
            order.extend((index, cell) for cell in members)
    return order


def summarize(samples: Iterable[Sample]) -> list[Summary]:
    """Aggregate samples cell by cell, in first-seen order."""
    by_cell: dict[Cell, list[Sample]] = {}
    for sample in samples:
        by_cell.setdefault(sample.cell, []).append(sample)
    summaries = []
    for cell, cell_samples in by_cell.items():
        good = [sample for sample in cell_samples if sample.error is None]
        if not good:
            summaries.append(
                Summary(cell, 0, 0, 0, 0, 0, 0, 0, 0, cell_samples[-1].error)
            )
            continue
        rates = [sample.rate for sample in good]
        cpus = [sample.cpu_us for sample in good]
        summaries.append(
            Summary(
                cell,
                rate=statistics.median(rates),
                rate_min=min(rates),
                rate_max=max(rates),
                cpu_us=statistics.median(cpus),
                cpu_us_min=min(cpus),
                cpu_us_max=max(cpus),
                peer_cpu_us=statistics.median(s.peer_cpu_us for s in good),
                rounds=len(good),
            )
        )
    return summaries


def format_size(size: int) -> str:
    """Format a message size like websocket-benchmark: 256 B, 8 KiB, 100 KB."""
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000} KB"
    return f"{size} B"


def format_rate(value: float) -> str:
    """Format a rate compactly: 812, 12.3k, 123k, 1.23M."""
    if value >= 1e6:
        return f"{value / 1e6:.2f}M"
    if value >= 1e5:
        return f"{value / 1e3:.0f}k"
    if value >= 1e3:
        return f"{value / 1e3:.1f}k"
    return f"{value:.0f}"


def format_cpu(value: float) -> str:
    """Format CPU microseconds with three significant digits."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_ratio(numerator: float, denominator: float) -> str:
    """Format a ratio as ``1.23×``, or ``–`` if it isn't defined."""
    if not numerator or not denominator:
        return "–"
    return f"{numerator / denominator:.2f}×"


_TITLES = {
    "client": "Client under test, against a picows echo server on uvloop",
    "server": "Server under test, against a picows client on uvloop",
    "many-echo": "1,000 connections, 256 B round trips, server under test",
    "broadcast": "Broadcast of 1 KiB to 1,000 connections, server under test",
}

for _role in ROLES:
    for _payload, _what in (("json", "JSON-like text"), ("random", "random bytes")):
        _TITLES[f"{_role}-deflate-{_payload}"] = (
            f"{_role.capitalize()} under test, permessage-deflate (default "
            f"configuration), {_what}, against websockets 17.4 on asyncio"
        )

_UNITS = {
    "client": ("req/s", "CPU µs/req"),
    "server": ("req/s", "CPU µs/req"),
    "many-echo": ("msg/s", "CPU µs/msg"),
    "broadcast": ("msg/s", "CPU µs/msg"),
    **{scenario: ("req/s", "CPU µs/req") for scenario in DEFLATE},
}


def _table_rows(
    summaries: Sequence[Summary], labels: dict[str, str]
) -> list[tuple[str, list[list[str]]]]:
    """
    Build the tables shared by the Markdown and reST renderers.

    Returns one ``(title, rows)`` per scenario, loop and transport; the first
    row is the header. Columns are message sizes, each split into a rate and a
    CPU column; rows are libraries, then the ratios of this project to picows
    and to websockets. For rates, a ratio above 1 means we're faster; for CPU
    time, a ratio below 1 means we're cheaper.

    """
    sections: dict[tuple[str, str, str], dict[int, dict[str, Summary]]] = {}
    for summary in summaries:
        cell = summary.cell
        key = (cell.scenario, cell.loop, cell.transport)
        sections.setdefault(key, {}).setdefault(cell.size, {})[cell.library] = summary
    tables = []
    for (scenario, loop, transport), by_size in sections.items():
        rate_unit, cpu_unit = _UNITS.get(scenario, ("/s", "µs"))
        sizes = list(by_size)
        libraries = [
            library
            for library in LIBRARIES
            if any(library in cells for cells in by_size.values())
        ]
        header = ["library"]
        for size in sizes:
            header += [
                f"{format_size(size)} {rate_unit}",
                f"{format_size(size)} {cpu_unit}",
            ]
        rows = [header]
        for library in libraries:
            row = [labels.get(library, library)]
            for size in sizes:
                summary_or_none = by_size[size].get(library)
                if summary_or_none is None:
                    row += ["", ""]
                elif summary_or_none.error is not None:
                    row += ["failed", "failed"]
                else:
                    s = summary_or_none
                    if s.rounds > 1:
                        row.append(
                            f"{format_rate(s.rate)} "
                            f"({format_rate(s.rate_min)}–{format_rate(s.rate_max)})"
                        )
                        row.append(
                            f"{format_cpu(s.cpu_us)} "
                            f"({format_cpu(s.cpu_us_min)}–{format_cpu(s.cpu_us_max)})"
                        )
                    else:
                        row += [format_rate(s.rate), format_cpu(s.cpu_us)]
            rows.append(row)
        for peer in ("picows", "websockets"):
            if OURS not in libraries or peer not in libraries:
                continue
            row = [f"ours ÷ {labels.get(peer, peer)}"]
            for size in sizes:
                ours = by_size[size].get(OURS)
                other = by_size[size].get(peer)
                if ours is None or other is None or ours.error or other.error:
                    row += ["–", "–"]
                else:
                    row.append(format_ratio(ours.rate, other.rate))
                    row.append(format_ratio(ours.cpu_us, other.cpu_us))
            rows.append(row)
        title = f"{_TITLES.get(scenario, scenario)} — {loop}, {transport.upper()}"
        tables.append((title, rows))
    return tables


def markdown_tables(
    summaries: Sequence[Summary], labels: dict[str, str] | None = None
) -> str:
    """Render summaries as Markdown: one heading and table per section."""
    lines = []
    for title, rows in _table_rows(summaries, labels or LABELS):
        lines += [f"#### {title}", ""]
        lines.append("| " + " | ".join(rows[0]) + " |")
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(rows[0]) - 1)) + "|")
        for row in rows[1:]:
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


def rst_tables(
    summaries: Sequence[Summary], labels: dict[str, str] | None = None
) -> str:
    """Render summaries as reStructuredText list tables, for README.rst."""
    lines = []
    for title, rows in _table_rows(summaries, labels or LABELS):
        lines += [f".. list-table:: {title}", "   :header-rows: 1", ""]
        for row in rows:
            first, *rest = row
            lines.append(f"   * - {first or '..'}")
            lines.extend(f"     - {cell or '..'}" for cell in rest)
        lines.append("")
    return "\n".join(lines)


def parse_proc_stat(text: str, clock_ticks: int) -> float:
    """
    Return the CPU time, in seconds, from the contents of ``/proc/PID/stat``.

    ``utime`` and ``stime`` are fields 14 and 15 (proc(5)), counted in clock
    ticks. The second field, the command name, may contain spaces and
    parentheses, so fields are counted after its closing parenthesis.

    """
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state), so field N is fields[N - 3].
    return (int(fields[11]) + int(fields[12])) / clock_ticks


def parse_schedstat(text: str) -> float:
    """
    Return the CPU time, in seconds, from the contents of
    ``/proc/PID/schedstat``: its first number is the time spent running, in
    nanoseconds, far more precise than ``/proc/PID/stat``'s clock ticks.

    """
    return int(text.split()[0]) / 1e9
