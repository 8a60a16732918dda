"""
HTTP headers, as a case-insensitive multidict that keeps the original order.

"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any, Protocol

from .exceptions import InvalidHeaderValue


__all__ = [
    "Headers",
    "HeadersLike",
    "MultipleValuesError",
]


# RFC 9110 §5.5: field-value = *field-content, built from VCHAR, SP, HTAB and
# obs-text (0x80-0xFF). Control characters, and CR and LF in particular, are
# forbidden: letting them through would allow header injection. Characters
# above 0xFF cannot be encoded with ISO-8859-1, the encoding used on the wire.
_header_value_re = re.compile(r"[\x09\x20-\x7e\x80-\xff]*")

is_valid_header_value = _header_value_re.fullmatch


class MultipleValuesError(LookupError):
    """
    Raised when :class:`Headers` has more than one value for a key.

    """

    def __str__(self) -> str:
        # Render a single argument like KeyError does, with repr(), so that
        # the message is the same as when the key is missing.
        if len(self.args) == 1:
            return repr(self.args[0])
        return super().__str__()


class Headers(MutableMapping[str, str]):
    """
    Efficient data structure for manipulating HTTP headers.

    Header names are case-insensitive and a name may occur several times, so
    neither a :class:`list` of pairs (slow lookups) nor a :class:`dict` (one
    value per key) fits. :class:`Headers` keeps both: a list of
    ``(name, value)`` pairs in their original order and spelling, and a dict
    from lower-cased names to lists of values for fast lookups.

    It follows these rules:

    - ``headers[name]`` returns the value when there's exactly one; it raises
      :exc:`KeyError` when there's none and :exc:`MultipleValuesError` when
      there are several.
    - ``headers[name] = value`` adds a value; it never replaces existing ones.
    - ``del headers[name]`` removes every value for that name.

    When no name occurs twice, :class:`Headers` behaves like a :class:`dict`
    with case-insensitive keys. :meth:`get_all` and :meth:`raw_items` give
    access to repeated headers.

    Values are checked when they're added: characters that are forbidden in
    HTTP header values, such as CR and LF, raise :exc:`InvalidHeaderValue`.

    """

    __slots__ = ["_dict", "_list"]

    # Like dict, Headers accepts a mapping, an iterable of pairs, or keyword
    # arguments.
    def __init__(self, *args: HeadersLike, **kwargs: str) -> None:
        self._dict: dict[str, list[str]] = {}
        self._list: list[tuple[str, str]] = []
        self.update(*args, **kwargs)

    def __str__(self) -> str:
        return "".join(f"{key}: {value}\r\n" for key, value in self._list) + "\r\n"

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self._list!r})"

    def copy(self) -> Headers:
        """
        Return a shallow copy of the headers.

        """
        copy = self.__class__()
        copy._dict = {key: list(values) for key, values in self._dict.items()}
        copy._list = list(self._list)
        return copy

    def serialize(self) -> bytes:
        """
        Serialize headers for sending them on the wire.

        Non-ASCII values are encoded with ISO-8859-1, as RFC 9110 §5.5 allows
        for obs-text.

        """
        return str(self).encode("iso-8859-1")

    # Collection methods

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    # MutableMapping methods

    def __getitem__(self, key: str) -> str:
        values = self._dict[key.lower()]
        if len(values) == 1:
            return values[0]
        else:
            raise MultipleValuesError(key)

    def __setitem__(self, key: str, value: str) -> None:
        # Only str values are checked; anything else is the caller's business
        # and fails later, when serializing, if it can't be encoded.
        if isinstance(value, str) and not is_valid_header_value(value):
            raise InvalidHeaderValue(key, value)
        self.set_insecure(key, value)

    def set_insecure(self, key: str, value: str) -> None:
        """
        Add a header without validating its value.

        Only use this for values that are known to be valid, for example
        because they were built by this library.

        """
        self._dict.setdefault(key.lower(), []).append(value)
        self._list.append((key, value))

    def __delitem__(self, key: str) -> None:
        key_lower = key.lower()
        self._dict.__delitem__(key_lower)
        # This is inefficient. Fortunately deleting HTTP headers is uncommon.
        self._list = [(k, v) for k, v in self._list if k.lower() != key_lower]

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return self._dict == other._dict

    # Mutable mappings with a custom __eq__ aren't hashable, like dict.
    __hash__ = None  # type: ignore[assignment]

    def clear(self) -> None:
        """
        Remove all headers.

        """
        self._dict = {}
        self._list = []

    def update(self, *args: HeadersLike, **kwargs: str) -> None:
        """
        Add headers from a mapping, an iterable of pairs, or keyword arguments.

        Like ``headers[name] = value``, this appends values; it doesn't
        replace existing ones.

        """
        # Repeated names in another Headers must be kept, so read its raw
        # items rather than going through its (single-valued) mapping view.
        args = tuple(
            arg.raw_items() if isinstance(arg, Headers) else arg for arg in args
        )
        super().update(*args, **kwargs)

    # Methods for handling multiple values

    def get_all(self, key: str) -> list[str]:
        """
        Return the (possibly empty) list of all values for a header.

        Args:
            key: Header name.

        """
        return self._dict.get(key.lower(), [])

    def raw_items(self) -> Iterator[tuple[str, str]]:
        """
        Return an iterator of all ``(name, value)`` pairs, in order.

        """
        return iter(self._list)


class SupportsKeysAndGetItem(Protocol):  # pragma: no cover
    """
    Dict-like types with ``keys() -> str`` and ``__getitem__(key: str) -> str``.

    """

    def keys(self) -> Iterable[str]: ...

    def __getitem__(self, key: str) -> str: ...


HeadersLike = (
    Headers | Mapping[str, str] | Iterable[tuple[str, str]] | SupportsKeysAndGetItem
)
"""
Types accepted where :class:`Headers` is expected.

In addition to :class:`Headers` itself, this includes dict-like types where
both the keys and the values are :class:`str`.

"""
