import base64
import socket
from unittest import mock

import pytest

from websockets import utils
from websockets.utils import GUID, accept_key, apply_mask, generate_key, get_socket_name


def test_guid():
    assert GUID == "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def test_accept_key_rfc_6455_example():
    # RFC 6455 §1.3
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_accept_key_other_values():
    assert accept_key("") == "Kfh9QIsMVZcl6xEPYxPHzW8SZ8w="
    assert accept_key("é") == "Q3nA4bowCsT/eKmBZYzoeYI576k="


def test_accept_key_rejects_bytes():
    with pytest.raises(TypeError):
        accept_key(b"dGhlIHNhbXBsZSBub25jZQ==")


def test_generate_key_is_16_random_bytes_base64_encoded():
    key = generate_key()
    assert len(key) == 24
    assert len(base64.b64decode(key)) == 16
    assert generate_key() != key


def test_generate_key_looks_up_token_bytes_at_call_time():
    with mock.patch("secrets.token_bytes", return_value=b"\x00" * 16) as token_bytes:
        assert generate_key() == "AAAAAAAAAAAAAAAAAAAAAA=="
    token_bytes.assert_called_once_with(16)


def test_apply_mask_masks():
    assert apply_mask(b"abcd", b"\x01\x02\x03\x04") == b"````"
    assert apply_mask(bytearray(b"abcdef"), bytearray(b"\x01\x02\x03\x04")) == b"````dd"
    assert apply_mask(memoryview(b"abcdefgh")[::2], b"1234") == b"PQVS"
    assert apply_mask(b"", b"1234") == b""


@pytest.mark.parametrize(
    "data, mask, exc_type, message",
    [
        # The messages of websockets 17.4's websockets.utils.apply_mask,
        # which differ from those of the compiled function.
        (b"abcd", b"123", ValueError, "mask must contain 4 bytes"),
        ("abcd", b"1234", TypeError, "cannot convert 'str' object to bytes"),
        (b"abcd", "1234", TypeError, "cannot convert 'str' object to bytes"),
        (1, b"1234", TypeError, "cannot convert 'int' object to bytes"),
        (b"ab", None, TypeError, "object of type 'NoneType' has no len()"),
        (
            b"abcd",
            memoryview(b"1234"),
            TypeError,
            "unsupported operand type(s) for *: 'memoryview' and 'int'",
        ),
    ],
)
def test_apply_mask_errors_like_websockets(data, mask, exc_type, message):
    with pytest.raises(exc_type) as raised:
        apply_mask(data, mask)
    assert str(raised.value) == message


def test_public_names():
    assert utils.__all__ == ["accept_key", "apply_mask", "get_socket_name"]


def test_get_socket_name_ipv4():
    with socket.socket(socket.AF_INET) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        assert get_socket_name(sock) == f"127.0.0.1:{port}"


def test_get_socket_name_unbound_ipv4():
    with socket.socket(socket.AF_INET) as sock:
        assert get_socket_name(sock) == "0.0.0.0:0"


def test_get_socket_name_ipv6():
    class FakeIPv6Socket:
        family = socket.AF_INET6

        def getsockname(self):
            return ("fe80::1%lo", 5, 0, 1)

    assert get_socket_name(FakeIPv6Socket()) == "[fe80::1%lo]:5"


def test_get_socket_name_unix(tmp_path):
    path = str(tmp_path / "sock")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(path)
        assert get_socket_name(sock) == path


def test_get_socket_name_unbound_unix():
    with socket.socket(socket.AF_UNIX) as sock:
        assert get_socket_name(sock) == ""


def test_get_socket_name_unsupported_family():
    class FakeSocket:
        family = 999

        def getsockname(self):
            return ("x", 5)

    with pytest.raises(AssertionError) as raised:
        get_socket_name(FakeSocket())
    assert str(raised.value) == "unsupported socket family"
