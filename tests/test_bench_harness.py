"""
Logic of the end-to-end benchmark harness (benchmarks/e2e), without
benchmarking: the matrix, the interleaving, the aggregation, the tables, the
/proc parsers, the broadcast window, and one short echo through the worker.
"""

import asyncio
import json
import os
import pathlib
import subprocess
import sys

import pytest

from benchmarks.e2e import harness, run
from benchmarks.e2e.harness import Cell, Sample


WORKER = pathlib.Path(run.__file__).with_name("worker.py")


def test_round_trip_scenarios_cover_every_loop_transport_and_size():
    cells = harness.build_cells(
        scenarios=["client", "server"],
        loops=["asyncio", "uvloop"],
        transports=["tcp", "tls"],
        sizes=[256, 8192, 100_000],
        libraries=["ours", "picows"],
    )
    assert len(cells) == 2 * 2 * 2 * 3 * 2
    assert len(set(cells)) == len(cells)


def test_many_connection_scenarios_use_tcp_and_their_own_size():
    cells = harness.build_cells(
        scenarios=["many-echo", "broadcast"],
        loops=["asyncio"],
        transports=["tcp", "tls"],
        sizes=[8192, 100_000],
        libraries=["ours"],
    )
    assert cells == [
        Cell("many-echo", "asyncio", "tcp", 256, "ours"),
        Cell("broadcast", "asyncio", "tcp", 1024, "ours"),
    ]


def test_interleave_alternates_libraries_and_reverses_odd_rounds():
    cells = harness.build_cells(
        scenarios=["client"],
        loops=["asyncio"],
        transports=["tcp"],
        sizes=[256, 8192],
        libraries=["a", "b", "c"],
    )
    order = harness.interleave(cells, 2)
    libraries = [cell.library for _, cell in order]
    assert libraries == ["a", "b", "c"] * 2 + ["c", "b", "a"] * 2
    assert [index for index, _ in order] == [0] * 6 + [1] * 6
    assert sorted(cell for _, cell in order) == sorted(cells * 2)


def make_sample(library, rate, cpu, round_index=0, error=None, size=256):
    return Sample(
        Cell("client", "asyncio", "tcp", size, library),
        round_index,
        rate,
        cpu,
        1.0,
        error,
    )


def test_summarize_reports_median_min_and_max_of_successful_rounds():
    samples = [
        make_sample("ours", 100, 10, 0),
        make_sample("ours", 300, 30, 1),
        make_sample("ours", 200, 20, 2),
        make_sample("ours", 0, 0, 3, error="boom"),
    ]
    [summary] = harness.summarize(samples)
    assert (summary.rate, summary.rate_min, summary.rate_max) == (200, 100, 300)
    assert (summary.cpu_us, summary.cpu_us_min, summary.cpu_us_max) == (20, 10, 30)
    assert summary.rounds == 3
    assert summary.error is None


def test_summarize_reports_error_when_every_round_failed():
    [summary] = harness.summarize([make_sample("ours", 0, 0, error="refused")])
    assert summary.error == "refused"
    assert summary.rounds == 0


def test_markdown_table_has_ratios_of_ours_to_picows_and_websockets():
    summaries = harness.summarize(
        [
            make_sample("ours", 30_000, 20),
            make_sample("websockets", 10_000, 60),
            make_sample("picows", 40_000, 10),
        ]
    )
    table = harness.markdown_tables(summaries)
    lines = table.splitlines()
    assert lines[0].startswith("#### Client under test")
    assert "| ours | 30.0k | 20.0 |" in lines
    assert "| ours ÷ picows | 0.75× | 2.00× |" in lines
    assert "| ours ÷ websockets | 3.00× | 0.33× |" in lines


def test_markdown_table_marks_failed_cells_and_skips_their_ratios():
    summaries = harness.summarize(
        [
            make_sample("ours", 0, 0, error="boom"),
            make_sample("picows", 40_000, 10),
        ]
    )
    table = harness.markdown_tables(summaries)
    assert "| ours | failed | failed |" in table
    assert "| ours ÷ picows | – | – |" in table


def test_rst_tables_are_list_tables_with_one_item_per_cell():
    summaries = harness.summarize([make_sample("ours", 30_000, 20)])
    text = harness.rst_tables(summaries)
    assert text.startswith(".. list-table:: Client under test")
    assert "   * - library\n     - 256 B req/s\n     - 256 B CPU µs/req" in text
    assert "   * - ours\n     - 30.0k\n     - 20.0" in text


def test_format_size_uses_websocket_benchmark_units():
    assert [harness.format_size(size) for size in harness.SIZES] == [
        "256 B",
        "8 KiB",
        "100 KB",
    ]


def test_format_rate_is_compact():
    assert [
        harness.format_rate(value) for value in (812, 12_345, 123_456, 1_234_567)
    ] == [
        "812",
        "12.3k",
        "123k",
        "1.23M",
    ]


def test_parse_proc_stat_counts_fields_after_the_command_name():
    # The command name may contain spaces and parentheses (proc(5)).
    fields = ["S"] + ["0"] * 10 + ["250", "50"] + ["0"] * 30
    text = "1234 (py (thon) x) " + " ".join(fields)
    assert harness.parse_proc_stat(text, 100) == 3.0


def test_parse_proc_stat_reads_this_process():
    with open(f"/proc/{os.getpid()}/stat", encoding="ascii") as file:
        assert harness.parse_proc_stat(file.read(), os.sysconf("SC_CLK_TCK")) >= 0


def test_parse_schedstat_converts_nanoseconds_to_seconds():
    assert harness.parse_schedstat("1500000000 2000 30\n") == 1.5


def test_sample_for_server_under_test_uses_the_server_cpu_time():
    cell = Cell("server", "asyncio", "tcp", 256, "ours")
    result = {"count": 1000, "elapsed": 0.5, "cpu": 0.01, "peer_cpu": 0.02}
    sample = run.sample_from_result(cell, 0, result, "server")
    assert sample.rate == 2000
    assert sample.cpu_us == 20
    assert sample.peer_cpu_us == 10


def test_sample_for_client_under_test_uses_the_client_cpu_time():
    cell = Cell("client", "asyncio", "tcp", 256, "ours")
    result = {"count": 1000, "elapsed": 0.5, "cpu": 0.01, "peer_cpu": 0.02}
    sample = run.sample_from_result(cell, 0, result, "client")
    assert sample.cpu_us == 10
    assert sample.peer_cpu_us == 20


def test_sample_without_messages_is_an_error():
    cell = Cell("client", "asyncio", "tcp", 256, "ours")
    result = {"count": 0, "elapsed": 0.5, "cpu": 0.01, "peer_cpu": 0.02}
    assert run.sample_from_result(cell, 0, result, "client").error is not None


def test_cell_plan_puts_the_common_peer_on_the_other_side():
    plan = run.cell_plan(Cell("client", "asyncio", "tls", 256, "aiohttp"))
    assert plan["server"] == ("picows", "uvloop")
    assert plan["client"] == ("aiohttp", "asyncio")
    plan = run.cell_plan(Cell("broadcast", "asyncio", "tcp", 1024, "aiohttp"))
    assert plan["server"] == ("aiohttp", "asyncio")
    assert plan["client"] == ("picows", "uvloop")
    assert plan["mode"] == "broadcast"


def test_quick_mode_is_one_small_asyncio_tcp_round_of_ours_and_picows():
    args = run.parse_args(["--quick"])
    assert (args.scenarios, args.libs, args.loops) == (
        "client,server",
        "ours,picows",
        "asyncio",
    )
    assert (args.transports, args.sizes, args.rounds) == ("tcp", "256", 1)
    assert args.duration <= 1 and args.no_readme and args.no_charts
    assert args.output == run.ROOT / "build" / "e2e-quick"


def test_update_readme_replaces_only_the_results_section(tmp_path, monkeypatch):
    readme = tmp_path / "README.rst"
    readme.write_text(f"Intro\n\n{run.README_BEGIN}\nold\n{run.README_END}\nOutro\n")
    monkeypatch.setattr(run, "README", readme)
    document = {
        "date": "2026-01-01T00:00:00+00:00",
        "commit": "abc1234",
        "cpu": "CPU",
        "cpu_count": 2,
        "platform": "Linux",
        "python": "3.12.1",
        "settings": {"warmup": 1, "duration": 3, "rounds": 3, "cpu": 1},
    }
    summaries = harness.summarize([make_sample("ours", 30_000, 20)])
    json_path = run.ROOT / "benchmarks" / "results" / "e2e-x.json"
    image = run.ROOT / "benchmarks" / "charts" / "e2e-client.png"
    assert run.update_readme(document, summaries, harness.LABELS, [image], json_path)
    text = readme.read_text()
    assert text.startswith("Intro\n\n")
    assert text.endswith(f"{run.README_END}\nOutro\n")
    assert "old" not in text
    assert "commit ``abc1234``" in text
    assert ".. image:: charts/e2e-client.png" in text


class FakeConnections:
    """Records what a broadcasting server sends."""

    def __init__(self):
        self.rounds = 0

    def send(self, connections, message):
        self.rounds += 1


async def test_broadcast_waits_for_acknowledgments_beyond_its_window():
    sys.path.insert(0, str(WORKER.parent))
    try:
        from benchmarks.e2e import worker
    finally:
        sys.path.remove(str(WORKER.parent))
    state = worker.Broadcast(expected=2, size=16)
    fake = FakeConnections()
    task = asyncio.ensure_future(state.run(fake.send))
    await asyncio.sleep(0)
    assert fake.rounds == 0  # Waiting for both connections.
    state.add("first")
    state.add("second")
    for _ in range(10):
        await asyncio.sleep(0)
    window = worker.ACK_EVERY * (worker.WINDOW + 1)
    assert fake.rounds == window
    # One acknowledgment period from both connections frees one period.
    state.ack()
    state.ack()
    for _ in range(10):
        await asyncio.sleep(0)
    assert fake.rounds == window + worker.ACK_EVERY
    task.cancel()


def test_worker_echoes_with_this_project_on_both_sides(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(run.ROOT)}
    server = subprocess.Popen(
        [sys.executable, str(WORKER), "server", "--lib", "ours", "--loop", "asyncio"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        ready, port, loop = server.stdout.readline().split()
        assert (ready, loop) == ("READY", "asyncio.unix_events")
        client = subprocess.run(
            [
                sys.executable,
                str(WORKER),
                "client",
                "--lib",
                "ours",
                "--loop",
                "asyncio",
                "--port",
                port,
                "--warmup",
                "0",
                "--duration",
                "0.1",
                "--size",
                "1000",
                "--peer-pid",
                str(server.pid),
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=True,
        )
    finally:
        server.terminate()
        server.wait()
    result = json.loads(client.stdout)
    assert result["count"] > 0
    assert result["cpu"] > 0 and result["peer_cpu"] > 0
    assert result["loop"] == "asyncio.unix_events"


def test_deflate_scenarios_run_only_libraries_with_permessage_deflate():
    cells = harness.build_cells(
        scenarios=["server-deflate-json", "client"],
        loops=["asyncio"],
        transports=["tcp"],
        sizes=[256],
        libraries=list(harness.LIBRARIES),
    )
    deflate = [cell.library for cell in cells if cell.scenario == "server-deflate-json"]
    plain = [cell.library for cell in cells if cell.scenario == "client"]
    assert deflate == list(harness.DEFLATE_LIBRARIES)
    assert plain == list(harness.LIBRARIES)


@pytest.mark.parametrize("role", ["client", "server"])
@pytest.mark.parametrize("payload", ["json", "random"])
def test_deflate_cells_use_websockets_as_the_common_peer(role, payload):
    cell = harness.Cell(f"{role}-deflate-{payload}", "uvloop", "tcp", 256, "ours")
    plan = run.cell_plan(cell)
    peer = "client" if role == "server" else "server"
    assert plan[role] == ("ours", "uvloop")
    assert plan[peer] == harness.DEFLATE_PEER
    assert plan["under_test"] == role
    assert plan["extra"] == ["--compression", "deflate", "--payload", payload]


def test_update_readme_puts_deflate_runs_in_their_own_section(tmp_path, monkeypatch):
    readme = tmp_path / "README.rst"
    readme.write_text(
        f"{run.README_BEGIN}\nplain\n{run.README_END}\n"
        f"{run.README_DEFLATE_BEGIN}\nold\n{run.README_DEFLATE_END}\n"
    )
    monkeypatch.setattr(run, "README", readme)
    document = {
        "date": "2026-01-01T00:00:00+00:00",
        "commit": "abc1234",
        "cpu": "CPU",
        "cpu_count": 2,
        "platform": "Linux",
        "python": "3.12.1",
        "settings": {
            "warmup": 1,
            "duration": 3,
            "rounds": 3,
            "cpu": 1,
            "scenarios": ["server-deflate-json"],
        },
    }
    sample = harness.Sample(
        harness.Cell("server-deflate-json", "asyncio", "tcp", 256, "ours"),
        0,
        rate=1000,
        cpu_us=30,
        peer_cpu_us=50,
    )
    summaries = harness.summarize([sample])
    json_path = run.ROOT / "benchmarks" / "results" / "e2e-x.json"
    assert run.update_readme(document, summaries, harness.LABELS, [], json_path)
    text = readme.read_text()
    assert "plain" in text and "old" not in text
    assert "JSON-like text" in text
    assert "common peer is websockets on asyncio" in text
