import pytest

from websockets.exceptions import InvalidURI
from websockets.uri import WebSocketURI, parse_uri


@pytest.mark.parametrize(
    "uri, expected",
    [
        ("ws://localhost/", (False, "localhost", 80, "/", "", None, None)),
        ("ws://localhost", (False, "localhost", 80, "", "", None, None)),
        ("wss://localhost", (True, "localhost", 443, "", "", None, None)),
        ("WS://LOCALHOST/", (False, "localhost", 80, "/", "", None, None)),
        ("ws://localhost:8765", (False, "localhost", 8765, "", "", None, None)),
        ("wss://example.com:443/", (True, "example.com", 443, "/", "", None, None)),
        ("wss://h:80/", (True, "h", 80, "/", "", None, None)),
        ("ws://h:443/", (False, "h", 443, "/", "", None, None)),
        ("ws://example.com:0/", (False, "example.com", 80, "/", "", None, None)),
        ("ws://example.com:/", (False, "example.com", 80, "/", "", None, None)),
        ("ws://h:65535/", (False, "h", 65535, "/", "", None, None)),
        ("ws://h/path?", (False, "h", 80, "/path", "", None, None)),
        ("ws://h?q=1", (False, "h", 80, "", "q=1", None, None)),
        ("ws://h/a/b;c?d=e&f", (False, "h", 80, "/a/b;c", "d=e&f", None, None)),
        ("ws://h/#", (False, "h", 80, "/", "", None, None)),
        ("ws://[::1]:8080/", (False, "::1", 8080, "/", "", None, None)),
        ("ws://[::1]/", (False, "::1", 80, "/", "", None, None)),
        ("ws://[fe80::1%25eth0]/", (False, "fe80::1%25eth0", 80, "/", "", None, None)),
        ("ws://127.0.0.1/", (False, "127.0.0.1", 80, "/", "", None, None)),
        # ASCII URIs aren't re-encoded.
        ("ws://h/%C3%A9", (False, "h", 80, "/%C3%A9", "", None, None)),
        ("ws://h/%zz", (False, "h", 80, "/%zz", "", None, None)),
        ("ws://h/a b", (False, "h", 80, "/a b", "", None, None)),
        ("ws://a..b/", (False, "a..b", 80, "/", "", None, None)),
        # urlsplit strips surrounding whitespace and removes newlines.
        (" ws://h/", (False, "h", 80, "/", "", None, None)),
        ("ws://h/\n", (False, "h", 80, "/", "", None, None)),
    ],
)
def test_parse_uri(uri, expected):
    assert parse_uri(uri) == WebSocketURI(*expected)


@pytest.mark.parametrize(
    "uri, username, password",
    [
        ("ws://user:pass@localhost/", "user", "pass"),
        ("ws://user:@localhost/", "user", ""),
        ("ws://:pass@localhost/", "", "pass"),
        ("ws://:@localhost/", "", ""),
        ("ws://user:pa:ss@localhost/", "user", "pa:ss"),
        ("ws://us%20er:p%40ss@localhost/", "us er", "p@ss"),
        ("ws://u:x%@h/", "u", "x%"),
        ("ws://ü:ß@h/", "ü", "ß"),
        ("ws://ü%20:x@h/", "ü ", "x"),
    ],
)
def test_parse_uri_user_info(uri, username, password):
    parsed = parse_uri(uri)
    assert (parsed.username, parsed.password) == (username, password)
    assert parsed.user_info == (username, password)


@pytest.mark.parametrize(
    "uri, expected",
    [
        ("ws://ñandú.cl/", (False, "xn--and-6ma2c.cl", 80, "/", "", None, None)),
        ("ws://Ñandú.cl/", (False, "xn--and-6ma2c.cl", 80, "/", "", None, None)),
        ("ws://☃.net/", (False, "xn--n3h.net", 80, "/", "", None, None)),
        ("wss://ñ", (True, "xn--ida", 443, "", "", None, None)),
        ("ws://localhost/é", (False, "localhost", 80, "/%C3%A9", "", None, None)),
        ("ws://h/€", (False, "h", 80, "/%E2%82%AC", "", None, None)),
        ("ws://h/?q=é", (False, "h", 80, "/", "q=%C3%A9", None, None)),
        # Once the URI is an IRI, every character outside DELIMS is encoded,
        # including "%" and spaces.
        ("ws://localhost/é x", (False, "localhost", 80, "/%C3%A9%20x", "", None, None)),
        (
            "ws://localhost/é%20x",
            (False, "localhost", 80, "/%C3%A9%2520x", "", None, None),
        ),
        (
            "ws://h/é?a=b c&d=[e]",
            (False, "h", 80, "/%C3%A9", "a=b%20c&d=[e]", None, None),
        ),
        ("ws://h/é?%", (False, "h", 80, "/%C3%A9", "%25", None, None)),
        (
            "ws://h/é!$&'()*+,;=:@/?",
            (False, "h", 80, "/%C3%A9!$&'()*+,;=:@/", "", None, None),
        ),
        (
            'ws://h/é"<>{}|\\^`',
            (False, "h", 80, "/%C3%A9%22%3C%3E%7B%7D%7C%5C%5E%60", "", None, None),
        ),
        ("ws://[::1]/é", (False, "::1", 80, "/%C3%A9", "", None, None)),
        (
            "ws://ü:ß@ñ.cl:99/é?ü=1",
            (False, "xn--ida.cl", 99, "/%C3%A9", "%C3%BC=1", "ü", "ß"),
        ),
    ],
)
def test_parse_iri(uri, expected):
    assert parse_uri(uri) == WebSocketURI(*expected)


@pytest.mark.parametrize(
    "uri, message",
    [
        ("http://localhost/", "scheme isn't ws or wss"),
        ("localhost", "scheme isn't ws or wss"),
        ("http://a..ñ/", "scheme isn't ws or wss"),
        ("ws:/localhost", "hostname isn't provided"),
        ("ws://", "hostname isn't provided"),
        ("ws:///path", "hostname isn't provided"),
        ("ws:///#x", "hostname isn't provided"),
        ("ws://:99999/", "hostname isn't provided"),
        ("ws://localhost:8765/path?q=1#frag", "fragment identifier is meaningless"),
        ("ws://h:99999/#x", "fragment identifier is meaningless"),
        ("ws://a..ñ/#x", "fragment identifier is meaningless"),
        ("ws://user@localhost/", "username provided without password"),
        ("ws://@h/", "username provided without password"),
        ("ws://ü@a..ñ/", "username provided without password"),
    ],
)
def test_parse_uri_invalid(uri, message):
    with pytest.raises(InvalidURI) as raised:
        parse_uri(uri)
    assert raised.value.uri == uri
    assert raised.value.msg == message
    assert str(raised.value) == f"{uri} isn't a valid URI: {message}"


@pytest.mark.parametrize(
    "uri, message",
    [
        ("ws://h:65536/", "Port out of range 0-65535"),
        ("ws://ü@h:99999/", "Port out of range 0-65535"),
        ("ws://h:-1/", "Port could not be cast to integer value as '-1'"),
        ("ws://h:abc/", "Port could not be cast to integer value as 'abc'"),
        ("ws://[::1", "Invalid IPv6 URL"),
    ],
)
def test_parse_uri_value_errors_from_urllib(uri, message):
    with pytest.raises(ValueError) as raised:
        parse_uri(uri)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "uri, host",
    [("ws://a..ñ/", "a..ñ"), ("ws://" + "ñ" * 70 + ".com/", "ñ" * 70 + ".com")],
)
def test_parse_iri_invalid_idna(uri, host):
    # The error is the idna codec's own, whose wording depends on the Python
    # version ("label empty or too long" until 3.12).
    with pytest.raises(UnicodeError) as expected:
        host.encode("idna")
    with pytest.raises(UnicodeError) as raised:
        parse_uri(uri)
    assert type(raised.value) is type(expected.value)
    assert str(raised.value) == str(expected.value)


def test_parse_iri_unencodable_path():
    with pytest.raises(UnicodeEncodeError):
        parse_uri("ws://h/?\udcff")


@pytest.mark.parametrize(
    "uri, resource_name",
    [
        ("ws://h", "/"),
        ("ws://h/", "/"),
        ("ws://h/path", "/path"),
        ("ws://h?q=1", "/?q=1"),
        ("ws://h/path?q=1", "/path?q=1"),
        ("ws://h/path?", "/path"),
    ],
)
def test_resource_name(uri, resource_name):
    assert parse_uri(uri).resource_name == resource_name


def test_user_info_without_credentials():
    assert parse_uri("ws://h/").user_info is None


def test_websocket_uri_defaults_and_repr():
    uri = WebSocketURI(True, "h", 443, "/p", "q=1")
    assert uri.username is None and uri.password is None
    assert repr(uri) == (
        "WebSocketURI(secure=True, host='h', port=443, path='/p', query='q=1', "
        "username=None, password=None)"
    )
    assert uri.resource_name == "/p?q=1"
