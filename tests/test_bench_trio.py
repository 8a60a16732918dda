"""The trio echo benchmark (benchmarks/e2e/trio_echo.py): worker and table."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks.e2e import trio_echo


def row(library, role, size, runs):
    cpus = sorted(cpu for cpu, _ in runs)
    rpss = sorted(rps for _, rps in runs)
    return {
        "library": library,
        "role": role,
        "size": size,
        "runs": [{"cpu_us_per_rt": cpu, "rps": rps} for cpu, rps in runs],
        "cpu_us_per_rt": cpus[len(cpus) // 2],
        "rps": rpss[len(rpss) // 2],
    }


def test_table_shows_median_range_and_ratio_to_released_websockets():
    rows = [
        row(
            "websockets-speedy",
            "server",
            256,
            [(40.0, 9000), (42.0, 8000), (41.0, 8500)],
        ),
        row(
            "websockets 17.4", "server", 256, [(80.0, 5000), (82.0, 4900), (84.0, 4800)]
        ),
    ]
    text = trio_echo.table(rows)
    lines = text.splitlines()
    assert lines[1].split() == [
        "Library",
        "Role",
        "Size",
        "CPU",
        "µs",
        "/",
        "round",
        "trip",
        "Round",
        "trips",
        "/",
        "s",
        "CPU",
        "÷",
        "17.4",
    ]
    assert "41.0 (40.0–42.0)" in lines[3]
    assert "8500 (8000–9000)" in lines[3]
    assert lines[3].endswith("0.50×")
    assert lines[4].endswith("1.00×")
    assert lines[0] == lines[2] == lines[-1]


def test_update_readme_replaces_only_the_trio_section(tmp_path, monkeypatch):
    readme = tmp_path / "README.rst"
    readme.write_text(
        f"Intro\n\n{trio_echo.README_BEGIN}\nold\n{trio_echo.README_END}\nOutro\n"
    )
    monkeypatch.setattr(trio_echo, "README", readme)
    trio_echo.update_readme("new table")
    assert readme.read_text() == (
        f"Intro\n\n{trio_echo.README_BEGIN}\n\nnew table\n\n"
        f"{trio_echo.README_END}\nOutro\n"
    )


def test_worker_client_measures_round_trips_against_worker_server():
    env = dict(os.environ, PYTHONPATH=str(trio_echo.ROOT))
    server = subprocess.Popen(
        [sys.executable, str(trio_echo.WORKER), "server", "websockets"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        port = int(server.stdout.readline())
        result = subprocess.run(
            [
                sys.executable,
                str(trio_echo.WORKER),
                "client",
                "websockets",
                f"ws://127.0.0.1:{port}/",
                "256",
                "0.05",
                "0.2",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=True,
        )
    finally:
        server.terminate()
        server.wait(10)
    measured = json.loads(result.stdout)
    assert measured["round_trips"] > 10
    assert 0 < measured["cpu"] <= measured["wall"] * 1.5
