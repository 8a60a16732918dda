"""
UTF-8 validation of Text messages: pure-Python reference implementation.

RFC 6455, section 8.1: "When an endpoint is to interpret a byte stream as
UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream,
that endpoint MUST _Fail the WebSocket Connection_." The close code is 1007
(section 7.4.1) and websockets puts the error's reason and position in the
close reason, so both twins must raise exactly the :exc:`UnicodeDecodeError`
of CPython's UTF-8 decoder. This module simply runs that decoder.

"""

from __future__ import annotations

import codecs

from ..typing import BytesLike


__all__ = ["IMPLEMENTATION", "validate_utf8", "Utf8Validator"]


IMPLEMENTATION = "python"
"""Name of the validation loop: always ``"python"`` in this module."""


def _as_buffer(data: BytesLike) -> BytesLike:
    """
    Return ``data`` as a contiguous bytes-like object.

    Raises:
        TypeError: If ``data`` isn't a bytes-like object.

    """
    if isinstance(data, (bytes, bytearray)):
        return data
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(
            f"a bytes-like object is required, not '{type(data).__name__}'"
        ) from None
    # The decoder only accepts contiguous buffers.
    return view if view.c_contiguous else view.tobytes()


def validate_utf8(data: BytesLike) -> None:
    """
    Check that ``data`` is valid UTF-8.

    Args:
        data: Bytes-like object; non-contiguous memoryviews are copied.

    Raises:
        UnicodeDecodeError: Exactly as ``bytes(data).decode("utf-8")``.
        TypeError: If ``data`` isn't a bytes-like object.

    """
    codecs.utf_8_decode(_as_buffer(data), "strict", True)


class Utf8Validator:
    """
    Incremental UTF-8 validator for Text messages received in fragments.

    It raises the same :exc:`UnicodeDecodeError`, in the same call, as the
    :meth:`~codecs.IncrementalDecoder.decode` method of
    ``codecs.getincrementaldecoder("utf-8")()``. It keeps at most three
    bytes: the start of a character split across fragments.

    After an error, it's left in the state it had before the failing call,
    like the incremental decoder.

    """

    __slots__ = ["_pending"]

    def __init__(self) -> None:
        self._pending = b""

    def reset(self) -> None:
        """Forget pending bytes, to validate a new message."""
        self._pending = b""

    def feed(self, data: BytesLike, final: bool = False) -> None:
        """
        Validate the next fragment of a message.

        Args:
            data: Bytes-like object; non-contiguous memoryviews are copied.
            final: Whether this is the last fragment of the message.

        Raises:
            UnicodeDecodeError: Like the incremental decoder; ``object``
                is the pending bytes followed by ``data``.
            TypeError: If ``data`` isn't a bytes-like object.

        """
        # The compiled twin converts final to a C int while parsing its
        # arguments, so a final without a truth value fails before data is
        # looked at.
        final = bool(final)
        buffer = _as_buffer(data)
        if self._pending:
            buffer = self._pending + buffer
        # This is what codecs.BufferedIncrementalDecoder.decode() does. If
        # utf_8_decode() raises, _pending doesn't change.
        _, consumed = codecs.utf_8_decode(buffer, "strict", final)
        self._pending = bytes(buffer[consumed:])
