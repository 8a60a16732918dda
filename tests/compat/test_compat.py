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
PENDING: dict[str, str] = {
    "asyncio-connect-header-injection-additional_headers": "header injection raises InvalidHeaderValue",
    "asyncio-connect-header-injection-origin": "header injection raises InvalidHeaderValue",
    "asyncio-connect-header-injection-user_agent": "header injection raises InvalidHeaderValue",
    "asyncio-connect-status_line_too_long": "StatusLineTooLong is the error, not InvalidMessage's cause",
    "asyncio-connect-twice": "entering the same connect() twice raises",
    "asyncio-connection-recv_decode_true_invalid_utf8": "recv(decode=True) on invalid UTF-8 fails with 1007",
    "asyncio-max-fragments-exceeded": "WEBSOCKETS_MAX_FRAGMENTS is honoured",
    "asyncio-redirect-credentials-cross_origin": "credentials dropped on cross-origin redirects, kept on same-origin ones",
    "asyncio-redirect-credentials-cross_origin_userinfo": "credentials dropped on cross-origin redirects, kept on same-origin ones",
    "asyncio-serve-bad_request_junk": "handshake debug logs: '! no valid HTTP request' and the like",
    "asyncio-serve-eof_before_request": "handshake debug logs: '! no valid HTTP request' and the like",
    "asyncio-serve-forbidden-http10": "HTTP/1.0 gets 505",
    "asyncio-serve-forbidden-post": "methods other than GET get 405",
    "asyncio-serve-open_timeout": "handshake debug logs: '! no valid HTTP request' and the like",
    "asyncio-serve-tls-open_timeout": "open_timeout bounds the TLS handshake",
    "cli-main-help": "cli.main raises SystemExit(0) for --version and --help",
    "cli-main-version": "cli.main raises SystemExit(0) for --version and --help",
    "sansio-client-response-status_line_long": "StatusLineTooLong is the error, not InvalidMessage's cause",
    "sansio-server-request-bare_lf": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-body_content_length": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-head": "methods other than GET get 405",
    "sansio-server-request-header_bad_name": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-header_bad_value": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-header_long": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-header_no_colon": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-header_obs_fold": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-http10": "HTTP/1.0 gets 505",
    "sansio-server-request-http2": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-lowercase_version": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-many_headers": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-post": "methods other than GET get 405",
    "sansio-server-request-request_line_junk": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-request_line_long": "handshake debug logs: '! no valid HTTP request' and the like",
    "sansio-server-request-transfer_encoding": "handshake debug logs: '! no valid HTTP request' and the like",
    "sync-assembler-put-after-close": "Assembler.put after close raises EOFError",
    "sync-connect-header-injection-additional_headers": "header injection raises InvalidHeaderValue",
    "sync-connect-header-injection-origin": "header injection raises InvalidHeaderValue",
    "sync-connect-header-injection-user_agent": "header injection raises InvalidHeaderValue",
    "sync-connect-status_line_too_long": "StatusLineTooLong is the error, not InvalidMessage's cause",
    "sync-connect-usage-errors": "threading usage errors: sock with host/port, messages",
    "sync-redirect-credentials-cross_origin": "credentials dropped on cross-origin redirects, kept on same-origin ones",
    "sync-redirect-credentials-cross_origin_userinfo": "credentials dropped on cross-origin redirects, kept on same-origin ones",
    "sync-redirect-credentials-same_origin_userinfo": "credentials dropped on cross-origin redirects, kept on same-origin ones",
    "sync-serve-bad_request_junk": "handshake debug logs: '! no valid HTTP request' and the like",
    "sync-serve-eof_before_request": "handshake debug logs: '! no valid HTTP request' and the like",
    "sync-serve-forbidden-http10": "HTTP/1.0 gets 505",
    "sync-serve-forbidden-post": "methods other than GET get 405",
    "sync-serve-open_timeout": "handshake debug logs: '! no valid HTTP request' and the like",
    "sync-serve-tls": "Server.socket is an SSLSocket with ssl",
    "sync-serve-usage-errors": "threading usage errors: sock with host/port, messages",
    "sync-server-shutdown-during-handshake": "503 on shutdown (here: no Server header on it)",
}

# Differences documented in docs/differences.rst, by section title.
DOCUMENTED: dict[str, str] = {
    "sansio-frame-str-nonfinal-invalid-end": "Debug logs of non-final frames ending in invalid UTF-8",
    "sansio-server-rules-control_long_header_only": "Invalid frames fail before their payload arrives",
    "asyncio-connection-send_mixed_fragments": "A close frame between fragments closes normally",
    "sync-connection-send_mixed_fragments": "A close frame between fragments closes normally",
    "cli-run-version": "``python -m websockets --version`` names the active implementation",
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
