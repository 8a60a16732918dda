import base64

import pytest

from websockets.exceptions import InvalidHeaderFormat, InvalidHeaderValue
from websockets.headers import (
    build_authorization_basic,
    build_extension,
    build_host,
    build_quoted_string,
    build_subprotocol,
    build_www_authenticate_basic,
    parse_authorization_basic,
    parse_connection,
    parse_end,
    parse_extension,
    parse_OWS,
    parse_quoted_string,
    parse_subprotocol,
    parse_token,
    parse_token68,
    parse_upgrade,
    peek_ahead,
    validate_subprotocols,
)


def assert_format_error(func, header, message):
    with pytest.raises(InvalidHeaderFormat) as raised:
        func(header)
    assert str(raised.value) == message


# build_host


@pytest.mark.parametrize(
    "host, port, secure, expected",
    [
        ("example.com", 80, False, "example.com"),
        ("example.com", 443, True, "example.com"),
        ("example.com", 443, False, "example.com:443"),
        ("example.com", 80, True, "example.com:80"),
        ("127.0.0.1", 8080, False, "127.0.0.1:8080"),
        ("::1", 80, False, "[::1]"),
        ("::1", 8080, False, "[::1]:8080"),
        ("[::1]", 8080, False, "[::1]:8080"),
        ("fe80::1%eth0", 8080, False, "[fe80::1%eth0]:8080"),
        ("Example.COM", 8080, True, "Example.COM:8080"),
    ],
)
def test_build_host(host, port, secure, expected):
    assert build_host(host, port, secure) == expected


def test_build_host_always_include_port():
    assert build_host("example.com", 80, False, always_include_port=True) == (
        "example.com:80"
    )
    assert build_host("::1", 443, True, always_include_port=True) == "[::1]:443"


# Low-level helpers


def test_peek_ahead():
    assert peek_ahead("ab", 1) == "b"
    assert peek_ahead("ab", 2) is None


def test_parse_OWS():
    assert parse_OWS("a \t b", 1) == 4
    assert parse_OWS("ab", 1) == 1


def test_parse_token():
    assert parse_token("abc def", 0, "X") == ("abc", 3)
    assert parse_token("abc", 1, "X") == ("bc", 3)
    with pytest.raises(InvalidHeaderFormat) as raised:
        parse_token("abc", 3, "X")
    assert str(raised.value) == "invalid X header: expected token at 3 in abc"
    assert raised.value.name == "X"


@pytest.mark.parametrize(
    "header, expected",
    [
        ('"abc"', ("abc", 5)),
        ('"a\\"b"', ('a"b', 6)),
        ('""', ("", 2)),
        ('"a b"', ("a b", 5)),
        ('"a\tb"', ("a\tb", 5)),
        ('"\\é"', ("é", 4)),
        ('"a"b', ("a", 3)),
    ],
)
def test_parse_quoted_string(header, expected):
    assert parse_quoted_string(header, 0, "X") == expected


@pytest.mark.parametrize("header", ['"é"', "abc", '"abc', '"\x80"', '"\\\x7f"', '"\\"'])
def test_parse_quoted_string_invalid(header):
    with pytest.raises(InvalidHeaderFormat) as raised:
        parse_quoted_string(header, 0, "X")
    assert str(raised.value) == (
        f"invalid X header: expected quoted string at 0 in {header}"
    )


@pytest.mark.parametrize(
    "value, expected",
    [("a b", '"a b"'), ('a"b\\c', '"a\\"b\\\\c"'), ("é", '"é"'), ("", '""')],
)
def test_build_quoted_string(value, expected):
    assert build_quoted_string(value) == expected


@pytest.mark.parametrize("value", ["\x00", "\r\n", "€"])
def test_build_quoted_string_invalid(value):
    with pytest.raises(ValueError) as raised:
        build_quoted_string(value)
    assert str(raised.value) == "invalid characters for quoted-string encoding"


@pytest.mark.parametrize("value", ["abc", 'a"b\\c', "a\tb"])
def test_quoted_string_round_trip(value):
    quoted = build_quoted_string(value)
    assert parse_quoted_string(quoted, 0, "X") == (value, len(quoted))


def test_quoted_string_non_ascii_is_built_unescaped_but_parsed_only_escaped():
    # Same asymmetry as websockets: obs-text is accepted in quoted-pair only.
    assert build_quoted_string("é") == '"é"'
    with pytest.raises(InvalidHeaderFormat):
        parse_quoted_string('"é"', 0, "X")


def test_parse_end():
    assert parse_end("ab", 2, "X") is None
    with pytest.raises(InvalidHeaderFormat) as raised:
        parse_end("ab", 1, "X")
    assert str(raised.value) == "invalid X header: trailing data at 1 in ab"


def test_parse_token68():
    assert parse_token68("abc==", 0, "X") == ("abc==", 5)
    assert parse_token68("a-._~+/b", 0, "X") == ("a-._~+/b", 8)
    assert parse_token68("abc=d", 0, "X") == ("abc=", 4)
    for header in ["", "="]:
        with pytest.raises(InvalidHeaderFormat) as raised:
            parse_token68(header, 0, "X")
        assert (
            str(raised.value) == f"invalid X header: expected token68 at 0 in {header}"
        )


# Connection


@pytest.mark.parametrize(
    "header, expected",
    [
        ("Upgrade", ["Upgrade"]),
        ("keep-alive, Upgrade", ["keep-alive", "Upgrade"]),
        ("keep-alive,Upgrade", ["keep-alive", "Upgrade"]),
        ("Upgrade,\t keep-alive", ["Upgrade", "keep-alive"]),
        (",, Upgrade ,,", ["Upgrade"]),
        ("a ,  , b", ["a", "b"]),
    ],
)
def test_parse_connection(header, expected):
    assert parse_connection(header) == expected


@pytest.mark.parametrize(
    "header, error",
    [
        ("", "expected token at 0 in "),
        (" ", "expected token at 0 in  "),
        ("\tUpgrade", "expected token at 0 in \tUpgrade"),
        (",", "expected token at 1 in ,"),
        ("Up grade", "expected comma at 3 in Up grade"),
        ("Upgrade;", "expected comma at 7 in Upgrade;"),
        ("a,b c", "expected comma at 4 in a,b c"),
        ("é", "expected token at 0 in é"),
    ],
)
def test_parse_connection_invalid(header, error):
    assert_format_error(parse_connection, header, f"invalid Connection header: {error}")


# Upgrade


@pytest.mark.parametrize(
    "header, expected",
    [
        ("websocket", ["websocket"]),
        ("WebSocket", ["WebSocket"]),
        ("websocket/13", ["websocket/13"]),
        (", websocket", ["websocket"]),
        (
            "HTTP/2.0, SHTTP/1.3, IRC/6.9, RTA/x11",
            ["HTTP/2.0", "SHTTP/1.3", "IRC/6.9", "RTA/x11"],
        ),
    ],
)
def test_parse_upgrade(header, expected):
    assert parse_upgrade(header) == expected


@pytest.mark.parametrize(
    "header, error",
    [
        ("", "expected protocol at 0 in "),
        ("/13", "expected protocol at 0 in /13"),
        ("websocket/", "expected comma at 9 in websocket/"),
        ("websocket/1/2", "expected comma at 11 in websocket/1/2"),
        ("a b", "expected comma at 2 in a b"),
    ],
)
def test_parse_upgrade_invalid(header, error):
    assert_format_error(parse_upgrade, header, f"invalid Upgrade header: {error}")


# Sec-WebSocket-Extensions


@pytest.mark.parametrize(
    "header, expected",
    [
        ("foo", [("foo", [])]),
        ("foo, bar", [("foo", []), ("bar", [])]),
        (",foo", [("foo", [])]),
        ("foo,", [("foo", [])]),
        ("foo; bar", [("foo", [("bar", None)])]),
        ("foo; bar=2", [("foo", [("bar", "2")])]),
        ("foo;bar=2;baz", [("foo", [("bar", "2"), ("baz", None)])]),
        ("foo ; bar = 2 ; baz", [("foo", [("bar", "2"), ("baz", None)])]),
        ("foo\t;\tbar\t=\t2", [("foo", [("bar", "2")])]),
        ('foo; bar="2"', [("foo", [("bar", "2")])]),
        ('foo; a="\\b\\c"', [("foo", [("a", "bc")])]),
        ('foo; a="b";c', [("foo", [("a", "b"), ("c", None)])]),
        ('foo; a="b" , bar', [("foo", [("a", "b")]), ("bar", [])]),
        (
            "permessage-deflate; client_max_window_bits, "
            "permessage-deflate; server_no_context_takeover",
            [
                ("permessage-deflate", [("client_max_window_bits", None)]),
                ("permessage-deflate", [("server_no_context_takeover", None)]),
            ],
        ),
    ],
)
def test_parse_extension(header, expected):
    assert parse_extension(header) == expected


@pytest.mark.parametrize(
    "header, error",
    [
        ("", "expected token at 0 in "),
        ("foo;", "expected token at 4 in foo;"),
        ("foo;;bar", "expected token at 4 in foo;;bar"),
        ("foo; =2", "expected token at 5 in foo; =2"),
        ("foo; bar=", "expected token at 9 in foo; bar="),
        ("foo; bar=é", "expected token at 9 in foo; bar=é"),
        ("foo; bar;", "expected token at 9 in foo; bar;"),
        ("foo bar", "expected comma at 4 in foo bar"),
        ("foo; bar=2 baz", "expected comma at 11 in foo; bar=2 baz"),
        ("foo; a=b=c", "expected comma at 8 in foo; a=b=c"),
        ('foo; a="b"c', 'expected comma at 10 in foo; a="b"c'),
        ('foo; bar="', 'expected quoted string at 9 in foo; bar="'),
        ('foo; bar="2', 'expected quoted string at 9 in foo; bar="2'),
        ('foo; bar="é"', 'expected quoted string at 9 in foo; bar="é"'),
        # RFC 6455 §9.1: unquoted content must be a token.
        ('foo; bar="a b"', 'invalid quoted header content at 9 in foo; bar="a b"'),
        ('foo; bar=""', 'invalid quoted header content at 9 in foo; bar=""'),
        ('foo; bar="a\\"b"', 'invalid quoted header content at 9 in foo; bar="a\\"b"'),
        ('foo; a="\\é"', 'invalid quoted header content at 7 in foo; a="\\é"'),
    ],
)
def test_parse_extension_invalid(header, error):
    assert_format_error(
        parse_extension, header, f"invalid Sec-WebSocket-Extensions header: {error}"
    )


@pytest.mark.parametrize(
    "extensions, expected",
    [
        ([], ""),
        ([("foo", [])], "foo"),
        ([("foo", [("a", None), ("b", "2")]), ("bar", [])], "foo; a; b=2, bar"),
    ],
)
def test_build_extension(extensions, expected):
    assert build_extension(extensions) == expected


def test_extension_round_trip():
    header = "permessage-deflate; client_max_window_bits=10, x-foo; a; b=c"
    assert build_extension(parse_extension(header)) == header


# Sec-WebSocket-Protocol


@pytest.mark.parametrize(
    "header, expected",
    [
        ("chat", ["chat"]),
        ("chat, superchat", ["chat", "superchat"]),
        ("chat,superchat", ["chat", "superchat"]),
        (",chat,", ["chat"]),
    ],
)
def test_parse_subprotocol(header, expected):
    assert parse_subprotocol(header) == expected


@pytest.mark.parametrize(
    "header, error",
    [
        ("", "expected token at 0 in "),
        ("a b", "expected comma at 2 in a b"),
        ("chat/1", "expected comma at 4 in chat/1"),
        ("chat;", "expected comma at 4 in chat;"),
    ],
)
def test_parse_subprotocol_invalid(header, error):
    assert_format_error(
        parse_subprotocol, header, f"invalid Sec-WebSocket-Protocol header: {error}"
    )


def test_build_subprotocol():
    assert build_subprotocol(["chat", "superchat"]) == "chat, superchat"
    assert build_subprotocol([]) == ""


def test_validate_subprotocols_accepts_sequences_of_tokens():
    assert validate_subprotocols(["chat", "v2.json"]) is None
    assert validate_subprotocols(("chat",)) is None
    assert validate_subprotocols([]) is None


@pytest.mark.parametrize("subprotocol", ["a b", "é", "", "a,b"])
def test_validate_subprotocols_rejects_non_tokens(subprotocol):
    with pytest.raises(ValueError) as raised:
        validate_subprotocols(["chat", subprotocol])
    assert str(raised.value) == f"invalid subprotocol: {subprotocol}"


def test_validate_subprotocols_rejects_str():
    with pytest.raises(TypeError) as raised:
        validate_subprotocols("chat")
    assert str(raised.value) == "subprotocols must be a list, not a str"


@pytest.mark.parametrize("subprotocols", [None, {"chat"}])
def test_validate_subprotocols_rejects_non_sequences(subprotocols):
    with pytest.raises(TypeError) as raised:
        validate_subprotocols(subprotocols)
    assert str(raised.value) == "subprotocols must be a list"


def test_validate_subprotocols_rejects_non_str_items():
    with pytest.raises(TypeError):
        validate_subprotocols([1])


# Basic authentication


def test_build_www_authenticate_basic():
    assert build_www_authenticate_basic("realm") == (
        'Basic realm="realm", charset="UTF-8"'
    )
    assert build_www_authenticate_basic('a "b" \\c') == (
        'Basic realm="a \\"b\\" \\\\c", charset="UTF-8"'
    )


def test_build_www_authenticate_basic_invalid_realm():
    with pytest.raises(ValueError):
        build_www_authenticate_basic("\r\n")


def b64(value):
    return base64.b64encode(value.encode()).decode()


@pytest.mark.parametrize(
    "header, expected",
    [
        ("Basic dXNlcjpwYXNz", ("user", "pass")),
        ("basic dXNlcjpwYXNz", ("user", "pass")),
        ("BASIC dXNlcjpwYXNz", ("user", "pass")),
        ("Basic " + b64("user:pa:ss"), ("user", "pa:ss")),
        ("Basic " + b64(":"), ("", "")),
        ("Basic " + b64("é:ü"), ("é", "ü")),
        ("Basic /zp4", ("\udcff", "x")),
    ],
)
def test_parse_authorization_basic(header, expected):
    assert parse_authorization_basic(header) == expected


@pytest.mark.parametrize(
    "header, error",
    [
        ("", "expected token at 0 in "),
        ("Basic", "expected space after scheme at 5 in Basic"),
        ("Basic=", "expected space after scheme at 5 in Basic="),
        ("Basic\tdTpw", "expected space after scheme at 5 in Basic\tdTpw"),
        ("Basic ", "expected token68 at 6 in Basic "),
        ("Basic  dXNlcjpwYXNz", "expected token68 at 6 in Basic  dXNlcjpwYXNz"),
        ("Basic !!!", "expected token68 at 6 in Basic !!!"),
        ("Basic ====", "expected token68 at 6 in Basic ===="),
        ("Basic dXNlcjpwYXNz x", "trailing data at 18 in Basic dXNlcjpwYXNz x"),
        ("Basic dXNlcjpwYXNz ", "trailing data at 18 in Basic dXNlcjpwYXNz "),
        ("Basic a=b", "trailing data at 8 in Basic a=b"),
    ],
)
def test_parse_authorization_basic_invalid_format(header, error):
    assert_format_error(
        parse_authorization_basic, header, f"invalid Authorization header: {error}"
    )


def test_parse_authorization_basic_unsupported_scheme():
    with pytest.raises(InvalidHeaderValue) as raised:
        parse_authorization_basic("Bearer abc")
    assert str(raised.value) == (
        "invalid Authorization header: unsupported scheme: Bearer"
    )


@pytest.mark.parametrize("credentials", ["abc", "YQ", "YWI6Yw", "a.b"])
def test_parse_authorization_basic_invalid_base64(credentials):
    with pytest.raises(InvalidHeaderValue) as raised:
        parse_authorization_basic("Basic " + credentials)
    assert str(raised.value) == (
        "invalid Authorization header: expected base64-encoded credentials"
    )
    assert raised.value.__suppress_context__


@pytest.mark.parametrize("credentials", ["dXNlcnBhc3M=", "YWJj", "YQ=="])
def test_parse_authorization_basic_missing_colon(credentials):
    with pytest.raises(InvalidHeaderValue) as raised:
        parse_authorization_basic("Basic " + credentials)
    assert str(raised.value) == (
        "invalid Authorization header: expected username:password credentials"
    )


def test_build_authorization_basic():
    assert build_authorization_basic("user", "pass") == "Basic dXNlcjpwYXNz"
    assert build_authorization_basic("é", "ü:x") == "Basic w6k6w7w6eA=="


def test_build_authorization_basic_rejects_colon_in_username():
    with pytest.raises(AssertionError):
        build_authorization_basic("a:b", "c")


def test_authorization_basic_round_trip():
    header = build_authorization_basic("user", "p:ss wörd")
    assert parse_authorization_basic(header) == ("user", "p:ss wörd")
