"""
Check a JUnit report of a test run beyond pytest's exit status.

    python tests/check_junit.py REPORT MODE [--sentinels]

Fails on a run that collected no test and on skipped tests (no test may be
skipped: a test that can't run fails and says what's missing). With
``--sentinels`` (the main suite), also fails when the sentinel tests of
``tests/test_loaded.py``, which check that the kernels of the requested mode
are the ones in use, didn't all pass. Prints the counts otherwise; xfails,
which are documented bugs, are only counted.

"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def result(case: ET.Element) -> str:
    for child in case:
        if child.tag == "skipped" and child.get("type") == "pytest.xfail":
            return "xfailed"
        if child.tag in ("failure", "error", "skipped"):
            return child.tag
    return "passed"


def main(report: str, mode: str, *options: str) -> None:
    cases = list(ET.parse(report).getroot().iter("testcase"))
    if not cases:
        sys.exit(f"{mode}: no tests ran")
    outcome = {f"{case.get('classname')}.{case.get('name')}": result(case) for case in cases}
    skipped = sorted(name for name, value in outcome.items() if value == "skipped")
    if skipped:
        sys.exit(f"{mode}: {len(skipped)} skipped tests: {', '.join(skipped)}")
    if "--sentinels" in options:
        sentinels = [name for name in outcome if name.startswith("tests.test_loaded.")]
        if not sentinels or any(outcome[name] != "passed" for name in sentinels):
            sys.exit(f"{mode}: the sentinel tests in tests/test_loaded.py did not all pass")
    passed = sum(value == "passed" for value in outcome.values())
    xfailed = sum(value == "xfailed" for value in outcome.values())
    print(f"{passed} passed" + (f", {xfailed} xfailed" if xfailed else ""))


if __name__ == "__main__":
    main(*sys.argv[1:])
