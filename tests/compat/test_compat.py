"""
The differential conformance suite: each scenario runs under this package and
under the released websockets 17.4, and both must observe the same things.

A scenario fails if either side crashed or timed out, or if the two JSON
documents of observations differ.

"""

from __future__ import annotations

import difflib
import json
import pathlib
import re

import pytest

from .scenarios import SCENARIOS


# Differences listed in issue 16, fixed on another branch. The lead empties
# this dictionary when that branch is merged.
PENDING: dict[str, str] = {}

# Differences documented in docs/differences.rst, by section title.
DOCUMENTED: dict[str, str] = {
    "sansio-frame-str-nonfinal-invalid-end": "Debug logs of non-final frames ending in invalid UTF-8",
    "sansio-server-rules-control_long_header_only": "Invalid frames fail before their payload arrives",
    "asyncio-connection-send_mixed_fragments": "A close frame between fragments closes normally",
    "sync-connection-send_mixed_fragments": "A close frame between fragments closes normally",
    "cli-run-version": "``python -m websockets --version`` names the active implementation",
    "cli-main-version": "``python -m websockets --version`` names the active implementation",
    "speedups-apply_mask-arguments": "Argument errors of the compiled ``apply_mask``",
}


def _param(name: str):
    marks = []
    if name in PENDING:
        marks.append(
            pytest.mark.xfail(
                strict=True,
                reason=f"issue 16: fixed on branch behaviours ({PENDING[name]})",
            )
        )
    elif name in DOCUMENTED:
        marks.append(
            pytest.mark.xfail(
                strict=True,
                reason=f"documented in docs/differences.rst: {DOCUMENTED[name]}",
            )
        )
    return pytest.param(name, id=name, marks=marks)


def test_every_marked_scenario_exists():
    assert not (set(PENDING) | set(DOCUMENTED)) - set(SCENARIOS)


def test_documented_differences_have_a_section():
    text = (pathlib.Path(__file__).parents[2] / "docs" / "differences.rst").read_text()
    titles = set(re.findall(r"^(.+)\n\.{3,}$", text, re.MULTILINE))
    assert set(DOCUMENTED.values()) <= titles


def test_there_are_at_least_200_scenarios():
    assert len(SCENARIOS) >= 200


@pytest.mark.differential
@pytest.mark.parametrize("scenario", [_param(name) for name in sorted(SCENARIOS)])
def test_scenario_observes_the_same_as_websockets_17_4(scenario, compat_results):
    ours = compat_results["ours"][scenario]
    theirs = compat_results["theirs"][scenario]
    # A scenario must run to its end on both sides: an observation that
    # both sides fail to make proves nothing.
    assert "ok" in theirs, (
        f"scenario failed under websockets 17.4: {json.dumps(theirs, indent=1)}"
    )
    assert "ok" in ours, (
        f"scenario failed under this package: {json.dumps(ours, indent=1)}"
    )
    assert ours["ok"], "the scenario observed nothing"
    mine = json.dumps(ours["ok"], indent=1).splitlines()
    released = json.dumps(theirs["ok"], indent=1).splitlines()
    if mine != released:
        diff = difflib.unified_diff(
            released, mine, "websockets 17.4", "this package", lineterm=""
        )
        pytest.fail("\n".join(diff), pytrace=False)
