"""
Redirects followed by the asyncio and threading clients, as websockets 17.4
follows them: credentials stay on their origin.

"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import textwrap

import pytest

from websockets.exceptions import InvalidStatus, SecurityError

from .parity_utils import NOT_FOUND, RawHTTPServer, RecordedRequest, redirect


CREDENTIALS = {
    "Authorization": "Bearer secret",
    "Cookie": "session=secret",
    "Proxy-Authorization": "Basic c2VjcmV0",
}
OTHER = {"X-Trace": "kept"}

APIS = ["asyncio", "sync"]


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    ca_path = tmp_path_factory.mktemp("certs") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return ca, cert, ca_path, None


def client_connect(api: str, uri: str, **kwargs) -> BaseException:
    """Connect with this package's client; return the exception it raised."""
    kwargs.setdefault("open_timeout", 10)
    if api == "asyncio":
        from websockets.asyncio.client import connect

        async def run() -> None:
            async with connect(uri, **kwargs):
                pass

        with pytest.raises(Exception) as exc_info:
            asyncio.run(run())
    else:
        from websockets.sync.client import connect

        with pytest.raises(Exception) as exc_info:
            with connect(uri, **kwargs):
                pass
    return exc_info.value


def seen(request: RecordedRequest) -> dict[str, str]:
    """The credential and custom headers of a recorded request."""
    names = [*CREDENTIALS, *OTHER]
    return {
        name: ", ".join(request.headers.get_all(name))
        for name in names
        if name in request.headers
    }


def final_or_redirect(location: str):
    def respond(request_line: str) -> bytes:
        return NOT_FOUND if "/final" in request_line else redirect(location)

    return respond


@pytest.mark.parametrize("api", APIS)
def test_redirect_to_another_port_drops_credentials(api):
    log: list[RecordedRequest] = []
    with RawHTTPServer(lambda line: NOT_FOUND, log=log) as other:
        location = f"ws://127.0.0.1:{other.port}/final"
        with RawHTTPServer(final_or_redirect(location), log=log) as first:
            exc = client_connect(
                api,
                f"ws://127.0.0.1:{first.port}/",
                additional_headers={**CREDENTIALS, **OTHER},
            )
    assert isinstance(exc, InvalidStatus)
    assert exc.response.status_code == 404
    assert [request.port for request in log] == [first.port, other.port]
    assert seen(log[0]) == {**CREDENTIALS, **OTHER}
    assert seen(log[1]) == OTHER


@pytest.mark.parametrize("api", APIS)
def test_redirect_to_another_host_drops_credentials(api):
    log: list[RecordedRequest] = []
    server = RawHTTPServer(lambda line: NOT_FOUND, log=log)
    # Same address and port, another host name: another origin.
    server.respond = final_or_redirect(f"ws://localhost:{server.port}/final")
    with server:
        client_connect(
            api,
            f"ws://127.0.0.1:{server.port}/",
            additional_headers=list({**CREDENTIALS, **OTHER}.items()),
        )
    assert [request.headers["Host"] for request in log] == [
        f"127.0.0.1:{server.port}",
        f"localhost:{server.port}",
    ]
    assert seen(log[0]) == {**CREDENTIALS, **OTHER}
    assert seen(log[1]) == OTHER


@pytest.mark.parametrize("api", APIS)
def test_redirect_to_another_scheme_drops_credentials(api, certs, monkeypatch):
    _, cert, ca_path, _ = certs
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(server_context)
    # The client builds a default context for the wss:// URI it's sent to.
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_path))
    log: list[RecordedRequest] = []
    server = RawHTTPServer(lambda line: NOT_FOUND, ssl_context=server_context, log=log)
    # Same host and port, ws:// to wss://: another origin.
    server.respond = final_or_redirect(f"wss://127.0.0.1:{server.port}/final")
    with server:
        exc = client_connect(
            api,
            f"ws://user:pass@127.0.0.1:{server.port}/",
            additional_headers={"Cookie": CREDENTIALS["Cookie"]},
        )
    assert isinstance(exc, InvalidStatus)
    assert len(log) == 2
    assert log[0].headers["Authorization"] == "Basic dXNlcjpwYXNz"
    assert log[0].headers["Cookie"] == CREDENTIALS["Cookie"]
    assert "Authorization" not in log[1].headers
    assert "Cookie" not in log[1].headers


@pytest.mark.parametrize("api", APIS)
def test_redirect_to_another_origin_drops_user_info_credentials(api):
    log: list[RecordedRequest] = []
    with RawHTTPServer(lambda line: NOT_FOUND, log=log) as other:
        location = f"ws://127.0.0.1:{other.port}/final"
        with RawHTTPServer(final_or_redirect(location), log=log) as first:
            client_connect(
                api,
                f"ws://user:pass@127.0.0.1:{first.port}/",
                additional_headers={"Cookie": CREDENTIALS["Cookie"]},
            )
    assert log[0].headers["Authorization"] == "Basic dXNlcjpwYXNz"
    assert seen(log[1]) == {}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("form", ["relative", "absolute"])
def test_same_origin_redirect_keeps_credentials(api, form):
    log: list[RecordedRequest] = []
    server = RawHTTPServer(lambda line: NOT_FOUND, log=log)
    location = "/final" if form == "relative" else f"ws://127.0.0.1:{server.port}/final"
    server.respond = final_or_redirect(location)
    with server:
        client_connect(
            api,
            f"ws://127.0.0.1:{server.port}/",
            additional_headers={**CREDENTIALS, **OTHER},
        )
    assert [request.request_line for request in log] == [
        "GET / HTTP/1.1",
        "GET /final HTTP/1.1",
    ]
    assert seen(log[1]) == {**CREDENTIALS, **OTHER}


@pytest.mark.parametrize("api", APIS)
def test_relative_redirect_keeps_user_info_credentials(api):
    # A relative Location keeps the URI's user info, like urljoin does.
    log: list[RecordedRequest] = []
    with RawHTTPServer(final_or_redirect("/final"), log=log) as server:
        client_connect(api, f"ws://user:pass@127.0.0.1:{server.port}/")
    assert [request.headers["Authorization"] for request in log] == [
        "Basic dXNlcjpwYXNz",
        "Basic dXNlcjpwYXNz",
    ]


@pytest.mark.parametrize("api", APIS)
def test_redirect_with_300_status_is_followed(api):
    log: list[RecordedRequest] = []
    server = RawHTTPServer(lambda line: NOT_FOUND, log=log)
    server.respond = lambda line: (
        NOT_FOUND if "/final" in line else redirect("/final", "300 Multiple Choices")
    )
    with server:
        exc = client_connect(api, f"ws://127.0.0.1:{server.port}/")
    assert isinstance(exc, InvalidStatus)
    assert exc.response.status_code == 404
    assert len(log) == 2


@pytest.mark.parametrize("api", APIS)
def test_redirect_loop_stops_after_ten_requests(api):
    log: list[RecordedRequest] = []
    with RawHTTPServer(lambda line: redirect("/loop"), log=log) as server:
        exc = client_connect(api, f"ws://127.0.0.1:{server.port}/")
    assert isinstance(exc, SecurityError)
    assert str(exc) == "more than 10 redirects"
    assert len(log) == 10


@pytest.mark.parametrize("api", APIS)
def test_redirect_with_preexisting_socket_raises_value_error(api):
    with RawHTTPServer(lambda line: redirect("/next")) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        with sock:
            exc = client_connect(api, f"ws://127.0.0.1:{server.port}/", sock=sock)
    assert isinstance(exc, ValueError)
    assert str(exc) == (
        f"cannot follow redirect to ws://127.0.0.1:{server.port}/next "
        f"with a preexisting socket"
    )
    assert isinstance(exc.__cause__, InvalidStatus)


UPSTREAM_CLIENT = textwrap.dedent(
    """
    import asyncio, json, sys
    api, uri, headers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    try:
        if api == "asyncio":
            from websockets.asyncio.client import connect
            async def run():
                async with connect(uri, additional_headers=headers, open_timeout=10):
                    pass
            asyncio.run(run())
        else:
            from websockets.sync.client import connect
            with connect(uri, additional_headers=headers, open_timeout=10):
                pass
    except Exception as exc:
        print(type(exc).__name__, exc)
    """
)


@pytest.mark.parametrize("api", APIS)
def test_cross_origin_redirect_sends_what_websockets_sends(api, upstream):
    """The same redirect chain, run by both packages, sends the same headers."""
    headers = {**CREDENTIALS, **OTHER}
    results = []
    for client in ["released", "ours"]:
        log: list[RecordedRequest] = []
        with RawHTTPServer(lambda line: NOT_FOUND, log=log) as other:
            location = f"ws://127.0.0.1:{other.port}/final"
            with RawHTTPServer(final_or_redirect(location), log=log) as first:
                uri = f"ws://user:pass@127.0.0.1:{first.port}/"
                if client == "released":
                    result = upstream.run(
                        "-c",
                        UPSTREAM_CLIENT,
                        api,
                        uri,
                        json.dumps(headers),
                        capture_output=True,
                        text=True,
                        timeout=60,
                    )
                    assert result.returncode == 0, result.stderr
                    outcome = result.stdout.strip()
                else:
                    exc = client_connect(api, uri, additional_headers=headers)
                    outcome = f"{type(exc).__name__} {exc}"
        results.append((outcome, [(r.request_line, seen(r)) for r in log]))
    assert results[0] == results[1]
    assert results[1][1][1] == ("GET /final HTTP/1.1", OTHER)
