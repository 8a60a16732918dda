import copy
import pickle

import pytest

from websockets.datastructures import Headers, MultipleValuesError
from websockets.exceptions import InvalidHeaderValue


@pytest.fixture
def headers():
    return Headers([("Connection", "Upgrade"), ("Server", "websockets")])


def test_multiple_values_error_is_a_lookup_error_not_a_key_error():
    assert issubclass(MultipleValuesError, LookupError)
    assert not issubclass(MultipleValuesError, KeyError)


def test_multiple_values_error_str_renders_a_single_key_like_key_error():
    assert str(MultipleValuesError("Cookie")) == "'Cookie'"
    assert str(MultipleValuesError("a", "b")) == "('a', 'b')"
    assert str(MultipleValuesError()) == ""


def test_init_from_mapping_pairs_headers_and_kwargs():
    assert Headers({"A": "1"}) == Headers(A="1")
    assert Headers([("A", "1")]) == Headers(A="1")
    assert Headers(Headers(A="1")) == Headers(A="1")
    assert list(Headers({"A": "1"}, B="2").raw_items()) == [("A", "1"), ("B", "2")]


def test_init_from_headers_keeps_repeated_values():
    original = Headers([("A", "1"), ("a", "2")])
    assert list(Headers(original).raw_items()) == [("A", "1"), ("a", "2")]


def test_init_from_object_with_keys_and_getitem():
    class KeysAndGetItem:
        def keys(self):
            return ["k"]

        def __getitem__(self, key):
            return "v"

    assert list(Headers(KeysAndGetItem()).raw_items()) == [("k", "v")]


def test_init_rejects_more_than_one_positional_argument():
    with pytest.raises(TypeError):
        Headers({"a": "1"}, {"b": "2"})


def test_str_serializes_headers_with_final_empty_line(headers):
    assert str(headers) == "Connection: Upgrade\r\nServer: websockets\r\n\r\n"
    assert str(Headers()) == "\r\n"


def test_repr_lists_raw_items(headers):
    assert repr(headers) == (
        "Headers([('Connection', 'Upgrade'), ('Server', 'websockets')])"
    )


def test_serialize_encodes_latin_1():
    assert Headers(X="é").serialize() == b"X: \xe9\r\n\r\n"


def test_serialize_fails_on_characters_outside_latin_1():
    headers = Headers()
    headers.set_insecure("X", "€")
    with pytest.raises(UnicodeEncodeError):
        headers.serialize()


def test_copy_is_independent(headers):
    other = headers.copy()
    assert other == headers and other is not headers
    other["X"] = "y"
    assert "X" not in headers
    assert headers.get_all("Connection") == ["Upgrade"]


def test_copy_preserves_subclass():
    class MyHeaders(Headers):
        pass

    assert type(MyHeaders(a="1").copy()) is MyHeaders


def test_pickle_and_copy_module_round_trip(headers):
    assert pickle.loads(pickle.dumps(headers)) == headers
    assert copy.copy(headers) == headers
    assert copy.deepcopy(headers) == headers


def test_contains_is_case_insensitive(headers):
    assert "connection" in headers
    assert "CONNECTION" in headers
    assert "Upgrade" not in headers
    assert 42 not in headers


def test_iter_yields_lower_case_names_once(headers):
    headers["connection"] = "keep-alive"
    assert list(headers) == ["connection", "server"]


def test_len_counts_distinct_names(headers):
    headers["connection"] = "keep-alive"
    assert len(headers) == 2


def test_getitem_is_case_insensitive(headers):
    assert headers["connection"] == "Upgrade"
    assert headers["SERVER"] == "websockets"


def test_getitem_missing_raises_key_error(headers):
    with pytest.raises(KeyError) as raised:
        headers["Upgrade"]
    # The lookup key is lower-cased, as in websockets.
    assert str(raised.value) == "'upgrade'"


def test_getitem_multiple_values_raises_multiple_values_error(headers):
    headers["connection"] = "keep-alive"
    with pytest.raises(MultipleValuesError) as raised:
        headers["CONNECTION"]
    assert str(raised.value) == "'CONNECTION'"


def test_get_propagates_multiple_values_error(headers):
    headers["Connection"] = "keep-alive"
    with pytest.raises(MultipleValuesError):
        headers.get("Connection")
    assert headers.get("Missing") is None


def test_setitem_appends(headers):
    headers["Connection"] = "keep-alive"
    assert headers.get_all("connection") == ["Upgrade", "keep-alive"]
    assert list(headers.raw_items())[-1] == ("Connection", "keep-alive")


@pytest.mark.parametrize("value", ["", " padded ", "a\tb", "é\xff", "~!"])
def test_setitem_accepts_valid_values(value):
    headers = Headers()
    headers["X"] = value
    assert headers["X"] == value


@pytest.mark.parametrize(
    "value", ["a\r\nb", "a\nb", "a\rb", "a\x00b", "\x01", "\x1f", "\x7f", "\u0100", "€"]
)
def test_setitem_rejects_forbidden_characters(value):
    headers = Headers()
    with pytest.raises(InvalidHeaderValue) as raised:
        headers["X"] = value
    assert raised.value.name == "X"
    assert raised.value.value == value
    assert str(raised.value) == f"invalid X header: {value}"
    assert len(headers) == 0


def test_init_validates_values():
    with pytest.raises(InvalidHeaderValue):
        Headers([("X", "a\r\nInjected: yes")])
    with pytest.raises(InvalidHeaderValue):
        Headers(X="\n")


def test_setitem_does_not_validate_non_str_values():
    headers = Headers()
    headers["X"] = 1
    assert str(headers) == "X: 1\r\n\r\n"


def test_set_insecure_skips_validation():
    headers = Headers()
    headers.set_insecure("X", "bad\r\n")
    assert headers["x"] == "bad\r\n"


def test_delitem_removes_all_values(headers):
    headers["connection"] = "keep-alive"
    del headers["CONNECTION"]
    assert "Connection" not in headers
    assert list(headers.raw_items()) == [("Server", "websockets")]


def test_delitem_missing_raises_key_error(headers):
    with pytest.raises(KeyError):
        del headers["Upgrade"]


def test_eq_ignores_case_and_order_of_names():
    assert Headers([("A", "1"), ("B", "2")]) == Headers([("b", "2"), ("a", "1")])


def test_eq_depends_on_order_and_count_of_values():
    assert Headers([("A", "1"), ("a", "2")]) != Headers([("a", "2"), ("a", "1")])
    assert Headers([("A", "1")]) != Headers([("A", "1"), ("A", "1")])


def test_eq_with_other_types_is_not_implemented():
    assert Headers.__eq__(Headers(), {}) is NotImplemented
    assert Headers(a="b") != {"a": "b"}
    assert Headers() != 1


def test_headers_are_unhashable():
    with pytest.raises(TypeError):
        hash(Headers())


def test_clear(headers):
    headers.clear()
    assert len(headers) == 0
    assert list(headers.raw_items()) == []
    assert repr(headers) == "Headers([])"


def test_update_appends_from_all_sources(headers):
    headers.update({"Connection": "keep-alive"}, X="y")
    headers.update([("x", "z")])
    assert headers.get_all("connection") == ["Upgrade", "keep-alive"]
    assert headers.get_all("X") == ["y", "z"]


def test_update_from_headers_keeps_repeated_values():
    headers = Headers()
    headers.update(Headers([("A", "1"), ("A", "2")]))
    assert headers.get_all("a") == ["1", "2"]


def test_get_all_missing_returns_empty_list(headers):
    assert headers.get_all("Upgrade") == []


def test_raw_items_preserves_order_and_case():
    headers = Headers([("B", "1"), ("a", "2"), ("b", "3")])
    assert list(headers.raw_items()) == [("B", "1"), ("a", "2"), ("b", "3")]


def test_items_and_values_of_single_valued_headers(headers):
    assert list(headers.items()) == [
        ("connection", "Upgrade"),
        ("server", "websockets"),
    ]
    assert list(headers.values()) == ["Upgrade", "websockets"]


def test_mutable_mapping_helpers(headers):
    assert headers.pop("server") == "websockets"
    assert headers.setdefault("connection", "x") == "Upgrade"
    assert headers.setdefault("Upgrade", "websocket") == "websocket"
    assert list(headers.raw_items()) == [
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
    ]


def test_headers_have_no_instance_dict():
    assert not hasattr(Headers(), "__dict__")
