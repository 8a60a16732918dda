import json

from tests.compliance.summary import find_runs, format_run, main


def write_index(folder, agent, cases):
    folder.mkdir(parents=True)
    index = {
        agent: {
            case: {
                "behavior": behavior,
                "behaviorClose": close,
                "duration": 1,
                "remoteCloseCode": 1000,
                "reportfile": f"{agent}_case_{case.replace('.', '_')}.json",
            }
            for case, (behavior, close) in cases.items()
        }
    }
    (folder / "index.json").write_text(json.dumps(index))


def test_summary_counts_outcomes_per_section(tmp_path):
    write_index(
        tmp_path / "server-pure",
        "websockets-pure",
        {
            "1.1.1": ("OK", "OK"),
            "1.1.2": ("OK", "OK"),
            "6.4.3": ("NON-STRICT", "OK"),
            "7.1.6": ("INFORMATIONAL", "INFORMATIONAL"),
            "10.1.1": ("OK", "OK"),
        },
    )
    [run] = find_runs(tmp_path)
    assert run.name == "server-pure"
    assert run.sections() == ["1", "6", "7", "10"]
    assert run.counts("behavior", "1") == {"OK": 2}
    assert run.counts("behavior") == {"OK": 3, "NON-STRICT": 1, "INFORMATIONAL": 1}
    assert run.counts("behaviorClose") == {"OK": 4, "INFORMATIONAL": 1}
    assert run.failures() == []
    table = format_run(run)
    assert "server-pure (agent websockets-pure): 5 cases" in table
    assert "Failures" not in table


def test_summary_exits_zero_when_every_case_passes(tmp_path, capsys):
    write_index(tmp_path / "client-compiled", "a", {"1.1.1": ("OK", "OK")})
    assert main(["--reports", str(tmp_path)]) == 0
    assert "All cases passed" in capsys.readouterr().out


def test_summary_exits_non_zero_on_failed_case(tmp_path, capsys):
    write_index(
        tmp_path / "server-compiled",
        "a",
        {"1.1.1": ("OK", "OK"), "5.1": ("FAILED", "OK")},
    )
    assert main(["--reports", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "5.1: behavior=FAILED" in out


def test_summary_exits_non_zero_on_unimplemented_case(tmp_path):
    write_index(
        tmp_path / "server-pure", "a", {"12.1.1": ("UNIMPLEMENTED", "UNIMPLEMENTED")}
    )
    assert main(["--reports", str(tmp_path)]) == 1


def test_summary_exits_non_zero_on_unclean_close(tmp_path):
    write_index(tmp_path / "client-pure", "a", {"7.1.1": ("OK", "UNCLEAN")})
    assert main(["--reports", str(tmp_path)]) == 1


def test_summary_sorts_cases_numerically(tmp_path):
    write_index(
        tmp_path / "server-pure",
        "a",
        {"9.10.1": ("FAILED", "OK"), "9.2.1": ("FAILED", "OK")},
    )
    [run] = find_runs(tmp_path)
    assert [case for case, _ in run.failures()] == ["9.2.1", "9.10.1"]


def test_summary_reads_only_selected_runs(tmp_path):
    write_index(tmp_path / "server-pure", "a", {"1.1.1": ("OK", "OK")})
    write_index(tmp_path / "client-pure", "a", {"1.1.1": ("FAILED", "OK")})
    assert main(["--reports", str(tmp_path), "server-pure"]) == 0


def test_summary_exits_two_without_reports(tmp_path):
    assert main(["--reports", str(tmp_path)]) == 2


def test_summary_prints_markdown_tables(tmp_path, capsys):
    write_index(tmp_path / "server-pure", "a", {"1.1.1": ("OK", "OK")})
    assert main(["--reports", str(tmp_path), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "| section | cases | B:OK |" in out
    assert "| 1 | 1 | 1 | 0 |" in out
