"""
Pure-Python twin of the deflate kernel: the compression of permessage-deflate
(:rfc:`7692`), one call per frame.

:class:`Compressor` compresses the frames of outgoing messages and
:class:`Decompressor` decompresses those of incoming messages, both with raw
deflate streams (no zlib header) and the framing rules of :rfc:`7692#section-7.2`:

* the sender ends each frame with a sync flush, which emits an empty stored
  block, and drops the four octets ``00 00 ff ff`` that end the last one of a
  message (§7.2.1);
* the receiver puts them back before inflating the last frame (§7.2.2);
* without context takeover (§7.1.1, §7.1.2), each message starts from a fresh
  compressor or decompressor: they're reset after the last frame.

:func:`worth_compressing` decides whether an outgoing message is sent
compressed at all (:rfc:`7692#section-6.1` lets a sender send any message
uncompressed).

Both twins run the deflate library that :mod:`websockets._deflate_impl`
chose, zlib or zlib-ng: this one through its Python module; the compiled
twin, ``_speedups/deflate.pyx``, through zlib's C API directly, or zlib-ng's
Python module, with the same parameters. So both twins produce the same
bytes, return the same values and raise the same exceptions with the same
messages.

"""

from __future__ import annotations

import zlib

from .._deflate_impl import ZLIB
from ..exceptions import PayloadTooBig, ProtocolError
from ..typing import BytesLike


__all__ = [
    "Compressor",
    "Decompressor",
    "worth_compressing",
    "SAMPLE_SIZE",
    "INCOMPRESSIBLE_DISTINCT_BYTES",
]


# RFC 7692 §7.2.1: the end of the empty stored block emitted by a sync flush.
_EMPTY_UNCOMPRESSED_BLOCK = b"\x00\x00\xff\xff"

SAMPLE_SIZE = 1024
"""Messages at least this long are sampled (two halves of this many bytes,
from the start and the middle) to detect incompressible data."""

_ALL_BYTE_VALUES = bytes(range(256))

INCOMPRESSIBLE_DISTINCT_BYTES = 240
"""A sample with more distinct byte values than this is taken for
incompressible data: random bytes give about 251 in 1024 bytes, text and
JSON-like data well under 128."""


def worth_compressing(data: BytesLike, threshold: int, sample: bool = True) -> bool:
    """
    Tell whether a whole outgoing message should be sent compressed.

    Messages shorter than ``threshold`` bytes aren't: deflate's fixed cost per
    message outweighs the bytes it saves. With ``sample``, messages of at
    least :data:`SAMPLE_SIZE` bytes whose sample holds more than
    :data:`INCOMPRESSIBLE_DISTINCT_BYTES` distinct byte values aren't either:
    they look like random or already compressed data, which deflate would
    only make slower to send and slightly larger.

    Args:
        data: Payload of the message.
        threshold: Minimum size of a compressed message, in bytes.
        sample: Whether to sample messages of :data:`SAMPLE_SIZE` bytes or
            more to detect incompressible data.

    """
    size = len(data)
    if size < threshold:
        return False
    if size < SAMPLE_SIZE or not sample:
        return True
    half = SAMPLE_SIZE // 2
    middle = size // 2
    view = memoryview(data).cast("B")
    # Delete the sample's byte values from all 256: what's left is absent
    # from the sample. bytes.translate() runs in C; building a set of the
    # sample's items took ten times as long, as much as compressing 1 KiB.
    absent = _ALL_BYTE_VALUES.translate(None, view[:half]).translate(
        None, view[middle : middle + half]
    )
    return 256 - len(absent) <= INCOMPRESSIBLE_DISTINCT_BYTES


class Compressor:
    """
    Compress the frames of outgoing messages.

    Args:
        wbits: Size of the LZ77 window in bits, from 9 to 15.
        no_context_takeover: Start each message with an empty window.
        level: Compression level, as in :func:`zlib.compressobj`.
        method: Compression method; only :data:`zlib.DEFLATED` exists.
        memLevel: Memory used for the compression state, from 1 to 9.
        strategy: Compression strategy, as in :func:`zlib.compressobj`.

    Raises:
        ValueError: If a parameter is out of range.

    """

    def __init__(
        self,
        wbits: int,
        no_context_takeover: bool = False,
        level: int = -1,
        method: int = zlib.DEFLATED,
        memLevel: int = zlib.DEF_MEM_LEVEL,  # noqa: N803 (zlib's spelling)
        strategy: int = zlib.Z_DEFAULT_STRATEGY,
    ) -> None:
        if not 9 <= wbits <= 15:
            raise ValueError("wbits must be between 9 and 15")
        self._wbits = wbits
        self._no_context_takeover = no_context_takeover
        self._settings = (level, method, memLevel, strategy)
        self._encoder = self._new()

    def _new(self) -> ZLIB._Compress:
        # Out-of-range settings raise ValueError("Invalid initialization
        # option"), and so does the compiled twin.
        level, method, mem_level, strategy = self._settings
        return ZLIB.compressobj(level, method, -self._wbits, mem_level, strategy)

    def compress(self, data: BytesLike, fin: bool) -> bytes:
        """
        Compress one frame.

        Args:
            data: Payload of the frame.
            fin: Whether it's the last frame of the message.

        Returns:
            The compressed payload, which ends with a sync flush; on the last
            frame, without the final four octets of the empty stored block.

        """
        encoder = self._encoder
        compressed = encoder.compress(data)
        flushed = encoder.flush(ZLIB.Z_SYNC_FLUSH)
        if fin:
            # A sync flush always ends with the empty stored block.
            flushed = flushed[:-4]
            if self._no_context_takeover:
                self._encoder = self._new()
        return compressed + flushed if compressed else flushed


class Decompressor:
    """
    Decompress the frames of incoming messages.

    Args:
        wbits: Size of the peer's LZ77 window in bits, from 8 to 15.
        no_context_takeover: Start each message with an empty window.

    Raises:
        ValueError: If a parameter is out of range.

    """

    def __init__(self, wbits: int, no_context_takeover: bool = False) -> None:
        if not 8 <= wbits <= 15:
            raise ValueError("wbits must be between 8 and 15")
        self._wbits = wbits
        self._no_context_takeover = no_context_takeover
        self._decoder = ZLIB.decompressobj(wbits=-wbits)

    def decompress(self, data: BytesLike, fin: bool, max_size: int | None) -> bytes:
        """
        Decompress one frame.

        Args:
            data: Payload of the frame.
            fin: Whether it's the last frame of the message.
            max_size: Maximum size of the decompressed payload in bytes, or
                :obj:`None` for no limit.

        Returns:
            The decompressed payload.

        Raises:
            PayloadTooBig: If the decompressed payload would exceed
                ``max_size``. The limit applies while inflating, so a small
                payload cannot make us allocate more than ``max_size`` bytes.
            ProtocolError: If the payload isn't valid deflate data; its
                ``__cause__`` is the deflate library's :exc:`zlib.error`.

        """
        decoder = self._decoder
        if fin:
            # RFC 7692 §7.2.2: restore the end of the empty stored block.
            # join() copies once and accepts every bytes-like type.
            data = b"".join((data, _EMPTY_UNCOMPRESSED_BLOCK))
        # Enforce max_size while inflating rather than after: a few kilobytes
        # of deflate data can expand to gigabytes. Asking for one byte more
        # than the limit tells "exactly max_size" from "more than max_size".
        try:
            if max_size is None:
                result = decoder.decompress(data)
            else:
                result = decoder.decompress(data, max_size + 1)
        except ZLIB.error as exc:
            raise ProtocolError("decompression failed") from exc
        if max_size is not None and len(result) > max_size:
            raise PayloadTooBig(None, max_size)
        if fin and self._no_context_takeover:
            self._decoder = ZLIB.decompressobj(wbits=-self._wbits)
        return result
