"""
Pure-Python twin of the frame parsing and building kernel.

:class:`FrameParser` parses WebSocket frames (:rfc:`6455#section-5.2`) from a
buffer that it owns, and :func:`build_frame` serializes one frame. The
compiled twin, ``websockets._speedups.framing``, behaves identically: same
frames, same exception types and messages, at the same points of the stream.

Validation happens in stages, as soon as the bytes it needs are buffered,
without waiting for the payload:

1. with the first two bytes: the opcode (``"invalid opcode"``) and the MASK
   bit (``"incorrect masking"``);
2. with the extended payload length: ``max_size``
   (:exc:`~websockets.exceptions.PayloadTooBig`), the RSV bits (``"reserved
   bits must be 0"``), the length of control frames (``"control frame too
   long"``) and their FIN bit (``"fragmented control frame"``).

When a frame breaks several rules, the first one in this order is reported.

"""

from __future__ import annotations

import operator
import secrets
import struct
from typing import Any, Callable

from ..exceptions import PayloadTooBig, ProtocolError
from ..frames import OP_BINARY, OP_TEXT, OPCODES, Frame, Opcode
from .mask import xor_mask


__all__ = ["FrameParser", "FrameWriter", "build_frame", "MASK_POOL_SIZE"]


def _invalid_opcode(opcode: int) -> ProtocolError:
    """The error for a reserved opcode, with the cause websockets gives it."""
    exc = ProtocolError("invalid opcode")
    exc.__cause__ = ValueError(f"{opcode} is not a valid Opcode")
    return exc


MIN_CAPACITY = 16384
"""Smallest buffer that the parser allocates, in bytes."""

READ_SIZE = 16384
"""Minimum free space that :meth:`FrameParser.get_buffer` offers."""

SHRINK_THRESHOLD = 4 * 65536
"""Above this capacity, the parser moves the bytes it holds to a smaller
buffer when they fill less than a quarter of it."""

KEEP_CAPACITY = 0
"""Above this capacity, the parser releases its buffer as soon as it's empty.

Idle connections then hold no buffer, which matters with thousands of them.

"""

MAX_RESERVE = 16 * 1024 * 1024
"""Largest allocation made in advance for the rest of a pending frame."""


def _decode_length(
    buffer: bytes | bytearray, start: int, available: int
) -> tuple[int, int] | None:
    """
    Decode the payload length of the frame at ``buffer[start:]``.

    :rfc:`6455#section-5.2`: the 7-bit length, or 126 then a 16-bit length,
    or 127 then a 64-bit length. ``available`` bytes are buffered, at least
    two.

    Returns:
        The size of the header up to the length included, and the payload
        length; :obj:`None` if ``available`` bytes don't hold them yet.

    """
    length = buffer[start + 1] & 0x7F
    if length < 126:
        return 2, length
    if length == 126:
        if available < 4:
            return None
        return 4, (buffer[start + 2] << 8) | buffer[start + 3]
    # RFC 6455 §5.2 says that the most significant bit MUST be 0. Like
    # websockets, we don't check it: such a length is just huge.
    if available < 10:
        return None
    return 10, int.from_bytes(buffer[start + 2 : start + 10], "big")


class FrameParser:
    """
    Parse WebSocket frames from a buffer that the parser owns.

    Bytes come in with :meth:`feed` or, without copying, with
    :meth:`get_buffer` followed by :meth:`buffer_updated`. Frames come out
    of :meth:`next_frame` or :meth:`frames`.

    After :meth:`next_frame` or :meth:`frames` raises an exception, the
    parser is failed: the bytes of the offending frame stay buffered (see
    :meth:`take_buffer`) and later calls raise ``ProtocolError("parser
    failed")``.

    Args:
        mask: Whether incoming frames must be masked, i.e. whether we are the
            server; if :obj:`False`, they must not be masked
            (:rfc:`6455#section-5.1`).
        max_size: Maximum payload size of a frame in bytes, or :obj:`None`
            for no limit.
        allowed_rsv: RSV bits that negotiated extensions allow, as a mask of
            their positions in the first byte of a frame: ``0x40`` for RSV1,
            ``0x20`` for RSV2, ``0x10`` for RSV3.

    """

    def __init__(
        self,
        *,
        mask: bool,
        max_size: int | None = None,
        allowed_rsv: int = 0,
    ) -> None:
        self._mask = True if mask else False
        self.max_size = max_size
        self.allowed_rsv = allowed_rsv
        self._failed = False
        # Unconsumed bytes are self._buffer[self._start:self._end]; the space
        # after self._end is free. We never resize self._buffer in place,
        # because views returned by get_buffer() may still exist: we replace
        # it with a new bytearray instead.
        self._buffer = bytearray()
        self._view = memoryview(self._buffer)
        self._start = 0
        self._end = 0
        # Set by _parse(): size and first byte of the last frame parsed.
        self._consumed = 0
        self._head1 = 0

    @property
    def max_size(self) -> int | None:
        """Maximum payload size of a frame in bytes, or :obj:`None`."""
        return self._max_size

    @max_size.setter
    def max_size(self, value: int | None) -> None:
        if value is not None:
            try:
                value = operator.index(value)
            except TypeError:
                raise TypeError(
                    f"max_size must be an int or None, not {type(value).__name__}"
                ) from None
            if value < 0:
                raise ValueError("max_size must be >= 0")
        self._max_size = value

    @property
    def allowed_rsv(self) -> int:
        """RSV bits that extensions allow: a combination of 0x40, 0x20, 0x10."""
        return self._allowed_rsv

    @allowed_rsv.setter
    def allowed_rsv(self, value: int) -> None:
        try:
            value = operator.index(value)
        except TypeError:
            raise TypeError(
                f"allowed_rsv must be an int, not {type(value).__name__}"
            ) from None
        if value & ~0x70:
            raise ValueError("allowed_rsv must be a combination of 0x40, 0x20, 0x10")
        self._allowed_rsv = value

    @property
    def buffered(self) -> int:
        """Number of bytes received but not consumed yet."""
        return self._end - self._start

    @property
    def capacity(self) -> int:
        """Size of the internal buffer in bytes, for diagnostics and tests."""
        return len(self._buffer)

    def _reserve(self, size: int) -> None:
        """
        Make at least ``size`` bytes of free space after the buffered bytes.

        """
        capacity = len(self._buffer)
        if capacity - self._end >= size:
            return
        used = self._end - self._start
        needed = used + size
        if needed <= capacity and not (
            capacity > SHRINK_THRESHOLD and needed <= capacity >> 2
        ):
            # Move the unconsumed bytes to the front. This reuses the space of
            # consumed frames; assigning a slice of the same length doesn't
            # resize the bytearray, so it works while views exist.
            if used:
                self._buffer[:used] = self._buffer[self._start : self._end]
        else:
            # Grow geometrically, so that receiving a large frame in small
            # chunks copies it a bounded number of times, or shrink when
            # most of a large buffer is unused.
            # When nothing is buffered, allocate exactly what's needed: an
            # idle parser fed one message doesn't need more.
            new_capacity = max(needed, MIN_CAPACITY) if used else needed
            if needed > capacity:
                new_capacity = max(new_capacity, 2 * capacity)
            buffer = bytearray(new_capacity)
            buffer[:used] = self._view[self._start : self._end]
            self._buffer = buffer
            self._view = memoryview(buffer)
        self._start = 0
        self._end = used

    def _pending(self) -> int:
        """
        Return how many bytes the partial frame at the front still needs.

        Return 0 when its header isn't complete.

        """
        available = self._end - self._start
        if available < 2:
            return 0
        decoded = _decode_length(self._buffer, self._start, available)
        if decoded is None:
            return 0
        header, length = decoded
        if self._buffer[self._start + 1] & 0x80:
            header += 4
        return max(header + length - available, 0)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """
        Append a copy of ``data`` to the buffered bytes.

        Raises:
            TypeError: If ``data`` isn't a bytes-like object.

        """
        if type(data) is bytes:
            size = len(data)
            self._reserve(size)
            end = self._end
            self._view[end : end + size] = data
            self._end = end + size
            return
        try:
            view = memoryview(data)
        except TypeError:
            raise TypeError(
                f"data must be a bytes-like object, not {type(data).__name__}"
            ) from None
        size = view.nbytes
        self._reserve(size)
        end = self._end
        if size:
            # cast("B") handles items bigger than a byte; tobytes() handles
            # non-contiguous views.
            if view.c_contiguous:
                self._view[end : end + size] = view.cast("B")
            else:
                self._view[end : end + size] = view.tobytes()
        self._end = end + size

    def get_buffer(self, sizehint: int) -> memoryview:
        """
        Return a writable view of free space after the buffered bytes.

        This implements :meth:`asyncio.BufferedProtocol.get_buffer`: write
        received bytes into the view, then call :meth:`buffer_updated`.

        The view is :data:`READ_SIZE` bytes long, except when the header of
        a partial frame is buffered: then it's large enough for the rest of
        the frame, up to 16 MiB. Calling :meth:`feed` invalidates it.

        ``sizehint`` must be an integer but the size doesn't follow it, as
        :class:`asyncio.BufferedProtocol` allows: asyncio's TLS transport asks
        for 256 KiB on every read, and allocating that much memory, above
        the allocator's mmap threshold, then releasing it once the frames are
        parsed, would cost a pair of system calls per read.

        """
        operator.index(sizehint)
        size = READ_SIZE
        pending = self._pending()
        if pending > size:
            size = min(pending, MAX_RESERVE)
        self._reserve(size)
        return self._view[self._end :]

    def buffer_updated(self, nbytes: int) -> None:
        """
        Account for ``nbytes`` written at the start of the last view returned
        by :meth:`get_buffer`.

        Raises:
            ValueError: If ``nbytes`` is negative or exceeds the free space.

        """
        nbytes = operator.index(nbytes)
        if nbytes < 0 or nbytes > len(self._buffer) - self._end:
            raise ValueError("nbytes out of range")
        self._end += nbytes

    def take_buffer(self) -> bytes:
        """
        Remove and return all the bytes that weren't consumed.

        """
        data = bytes(self._view[self._start : self._end])
        self._start = self._end = 0
        if len(self._buffer) > KEEP_CAPACITY:
            self._release()
        return data

    def _release(self) -> None:
        self._buffer = bytearray()
        self._view = memoryview(self._buffer)

    def _fail(self, exc: Exception) -> Exception:
        self._failed = True
        return exc

    def next_frame(self) -> Frame | None:
        """
        Parse the next frame, if it's entirely buffered.

        Returns:
            The frame, or :obj:`None` if more bytes are needed.

        Raises:
            ProtocolError: If the frame breaks the protocol or if the parser
                failed before.
            PayloadTooBig: If the frame's payload exceeds ``max_size``.

        """
        if self._failed:
            raise ProtocolError("parser failed")
        start = self._start
        frame = self._parse(self._buffer, self._view, start, self._end)
        if frame is None:
            return None
        end = start + self._consumed
        if end == self._end:
            self._start = self._end = 0
            if len(self._buffer) > KEEP_CAPACITY:
                self._release()
        else:
            self._start = end
        return frame

    def _parse(
        self,
        buffer: bytes | bytearray,
        view: bytes | memoryview,
        start: int,
        stop: int,
    ) -> Frame | None:
        """
        Parse the frame at ``buffer[start:stop]``, if it's all there.

        ``view`` is ``buffer`` or a memoryview of it, for slicing without a
        copy. On success, set ``_consumed`` to the size of the frame and
        ``_head1`` to its first byte. Raise as :meth:`next_frame` for a
        frame that breaks a rule.

        """
        # RFC 6455 §5.2: base framing protocol.
        available = stop - start
        if available < 2:
            return None
        head1 = buffer[start]
        head2 = buffer[start + 1]

        opcode = OPCODES[head1 & 0x0F]
        if opcode is None:
            raise self._fail(_invalid_opcode(head1 & 0x0F))
        # RFC 6455 §5.1: a server MUST close the connection upon receiving an
        # unmasked frame; a client, upon receiving a masked frame.
        if (True if head2 & 0x80 else False) is not self._mask:
            raise self._fail(ProtocolError("incorrect masking"))

        decoded = _decode_length(buffer, start, available)
        if decoded is None:
            return None
        header, length = decoded

        # websockets checks the size before the other rules, which it checks
        # once the payload is read; we check them as soon as the header is
        # there, in the same order, so that the same error is reported.
        max_size = self._max_size
        if max_size is not None and length > max_size:
            raise self._fail(PayloadTooBig(length, max_size))
        # RFC 6455 §5.2: RSV bits MUST be 0 unless an extension defines them.
        if head1 & 0x70 & ~self._allowed_rsv:
            raise self._fail(ProtocolError("reserved bits must be 0"))
        if head1 & 0x08:
            # RFC 6455 §5.5: control frames MUST have a payload length of 125
            # bytes or less and MUST NOT be fragmented.
            if length > 125:
                raise self._fail(ProtocolError("control frame too long"))
            if not head1 & 0x80:
                raise self._fail(ProtocolError("fragmented control frame"))

        if self._mask:
            header += 4
        if available - header < length:
            return None

        begin = start + header
        end = begin + length
        if self._mask:
            data = xor_mask(view[begin:end], bytes(buffer[begin - 4 : begin]))
        else:
            data = bytes(view[begin:end])
        self._consumed = header + length
        self._head1 = head1

        if head1 == 0x82:
            return Frame(OP_BINARY, data)
        if head1 == 0x81:
            return Frame(OP_TEXT, data)
        return Frame(
            opcode,
            data,
            True if head1 & 0x80 else False,
            True if head1 & 0x40 else False,
            True if head1 & 0x20 else False,
            True if head1 & 0x10 else False,
        )

    def parse_into(
        self,
        events: list[Any],
        validate_text: Callable[[bytes], object],
    ) -> Frame | None:
        """
        Parse buffered frames, appending whole messages to ``events``.

        This is the common case of a WebSocket connection handled in bulk:
        every complete frame that carries a whole message on its own (TEXT or
        BINARY, FIN set, no RSV bit) is appended to ``events``, after the
        payload of TEXT frames went through ``validate_text``. Parsing stops
        at the first other complete frame (control frame, fragment, frame
        with RSV bits), which is returned for the caller to handle.

        Returns:
            The first frame that isn't a whole message, or :obj:`None` when
            no complete frame is left.

        Raises:
            ProtocolError: As :meth:`next_frame`.
            PayloadTooBig: As :meth:`next_frame`.
            Exception: Whatever ``validate_text`` raises; the frame that
                failed validation is consumed and not appended.

        """
        while True:
            frame = self.next_frame()
            if frame is None:
                return None
            # FIN set, no RSV bit, and TEXT or BINARY.
            head1 = self._head1
            if head1 == 0x82:
                events.append(frame)
            elif head1 == 0x81:
                validate_text(frame.data)  # type: ignore[arg-type]
                events.append(frame)
            else:
                return frame

    def receive(
        self,
        data: bytes | bytearray | memoryview,
        events: list[Any],
        validate_text: Callable[[bytes], object],
    ) -> Frame | None:
        """
        Feed ``data``, then parse buffered frames as :meth:`parse_into` does.

        This is :meth:`feed` followed by :meth:`parse_into`, with the same
        results, exceptions and buffered bytes afterwards. When nothing is
        buffered, frames are parsed straight from ``data`` and only the
        bytes that remain are copied into the buffer: in the common case of
        a read holding whole frames, none are.

        Whole messages take a fast path, the loop below: TEXT or BINARY
        frames with FIN set and no RSV bit, correctly masked, within
        ``max_size`` and entirely in ``data``, which :meth:`_parse` would
        accept and :meth:`parse_into` would append to ``events``. The first
        other frame goes to :meth:`_receive_frame`.

        """
        if self._start != self._end or self._failed or type(data) is not bytes:
            self.feed(data)
            return self.parse_into(events, validate_text)
        size = len(data)
        mask = self._mask
        max_size = self._max_size
        pos = 0
        while size - pos >= 2:
            head1 = data[pos]
            head2 = data[pos + 1]
            if (head1 != 0x82 and head1 != 0x81) or (head2 >= 0x80) is not mask:
                break
            # The 7-bit and 16-bit cases of _decode_length(), inlined: this
            # loop runs once per message, and the call would cost 5% of the
            # time of a small message.
            length = head2 & 0x7F
            if length < 126:
                header = 2
            elif length == 126 and size - pos >= 4:
                header = 4
                length = (data[pos + 2] << 8) | data[pos + 3]
            else:
                decoded = _decode_length(data, pos, size - pos)
                if decoded is None:
                    break
                header, length = decoded
            begin = pos + header + 4 if mask else pos + header
            end = begin + length
            if end > size or (max_size is not None and length > max_size):
                break
            if mask:
                payload = xor_mask(data[begin:end], data[begin - 4 : begin])
            else:
                payload = data[begin:end]
            pos = end
            if head1 == 0x82:
                events.append(Frame(OP_BINARY, payload))
            else:
                try:
                    validate_text(payload)
                except BaseException:
                    # As in parse_into(): the invalid frame is consumed.
                    self.feed(memoryview(data)[pos:])
                    raise
                events.append(Frame(OP_TEXT, payload))
        if pos == size:
            return None
        return self._receive_frame(data, pos)

    def _receive_frame(self, data: bytes, pos: int) -> Frame | None:
        """
        Parse the frame at ``data[pos:]``, which isn't a whole message, then
        buffer the rest of ``data``.

        It's another kind of frame (returned, as by :meth:`parse_into`), a
        partial frame (:obj:`None`) or a frame that breaks a rule (the
        exception of :meth:`next_frame`).

        """
        try:
            frame = self._parse(data, data, pos, len(data))
        except BaseException:
            # As in next_frame(): the offending frame stays buffered.
            self.feed(memoryview(data)[pos:])
            raise
        if frame is not None:
            pos += self._consumed
        self.feed(memoryview(data)[pos:])
        return frame

    def frames(self) -> list[Frame]:
        """
        Parse all the frames that are entirely buffered.

        If a frame is invalid after some valid frames, return the valid
        frames; the next call raises the exception.

        Raises:
            ProtocolError: If the first frame breaks the protocol or if the
                parser failed before.
            PayloadTooBig: If the first frame's payload exceeds ``max_size``.

        """
        frames: list[Frame] = []
        while True:
            try:
                frame = self.next_frame()
            except (ProtocolError, PayloadTooBig):
                if not frames:
                    raise
                # Report the error on the next call, after the caller has
                # processed the valid frames.
                self._failed = False
                return frames
            if frame is None:
                return frames
            frames.append(frame)


def build_frame(
    opcode: int,
    data: bytes | bytearray | memoryview,
    fin: bool,
    rsv: int,
    mask_key: bytes | None,
) -> bytes:
    """
    Serialize a WebSocket frame.

    The frame isn't validated: :meth:`~websockets.frames.Frame.check` does
    that before.

    Args:
        opcode: Opcode, between 0 and 15.
        data: Payload.
        fin: FIN bit.
        rsv: RSV bits as a mask of their positions in the first byte: ``0x40``
            for RSV1, ``0x20`` for RSV2, ``0x10`` for RSV3.
        mask_key: Masking key (4 bytes), or :obj:`None` to send the payload
            unmasked.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If ``opcode`` or ``rsv`` is out of range, or if
            ``mask_key`` isn't 4 bytes long.

    """
    try:
        opcode = operator.index(opcode)
    except TypeError:
        raise TypeError(f"opcode must be an int, not {type(opcode).__name__}") from None
    if not 0 <= opcode <= 15:
        raise ValueError("opcode must be between 0 and 15")
    try:
        rsv = operator.index(rsv)
    except TypeError:
        raise TypeError(f"rsv must be an int, not {type(rsv).__name__}") from None
    if rsv & ~0x70:
        raise ValueError("rsv must be a combination of 0x40, 0x20, 0x10")
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(
            f"data must be a bytes-like object, not {type(data).__name__}"
        ) from None
    if mask_key is not None:
        try:
            mask_view = memoryview(mask_key)
        except TypeError:
            raise TypeError(
                f"mask_key must be a bytes-like object or None, "
                f"not {type(mask_key).__name__}"
            ) from None
        if mask_view.nbytes != 4:
            raise ValueError("mask_key must be 4 bytes long")
        mask_key = mask_view.tobytes()

    payload = view.tobytes() if type(data) is not bytes else data
    length = len(payload)

    # RFC 6455 §5.2: the payload length uses the minimal number of bytes.
    head1 = (0x80 if fin else 0) | rsv | opcode
    head2 = 0x80 if mask_key is not None else 0
    if length < 126:
        header = bytes((head1, head2 | length))
    elif length < 65536:
        header = bytes((head1, head2 | 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((head1, head2 | 127)) + length.to_bytes(8, "big")

    if mask_key is None:
        return header + payload
    # RFC 6455 §5.3: the masking key follows the length.
    return header + mask_key + xor_mask(payload, mask_key)


_HEADER_0 = struct.Struct("!BB").pack
_HEADER_16 = struct.Struct("!BBH").pack
_HEADER_64 = struct.Struct("!BBQ").pack

MASK_POOL_SIZE = 1024
"""How many random bytes :class:`FrameWriter` draws at once for mask keys."""


class FrameWriter:
    """
    Serialize the outgoing frames of one connection.

    A client masks every frame with a fresh key (:rfc:`6455#section-5.3`).
    Drawing 4 bytes from the operating system for each frame costs a system
    call; the writer draws :data:`MASK_POOL_SIZE` bytes at once from
    :func:`secrets.token_bytes`, looked up at call time so that tests can
    patch it, and uses them 4 at a time.

    Args:
        mask: Whether to mask frames, i.e. whether we are the client.

    """

    def __init__(self, *, mask: bool) -> None:
        self._mask = True if mask else False
        self._pool = b""
        self._pos = 0

    def write(
        self,
        opcode: int,
        data: bytes | bytearray | memoryview,
        fin: bool,
        rsv: int,
    ) -> bytes:
        """
        Serialize a frame, masked with a fresh key if the writer masks.

        Arguments and exceptions are those of :func:`build_frame`.

        """
        if (
            type(data) is bytes
            and (type(opcode) is int or type(opcode) is Opcode)
            and 0 <= opcode <= 15
            and type(rsv) is int
            and not rsv & ~0x70
        ):
            # Fast path for what the protocol sends: same bytes as
            # build_frame(), without the conversions that its arguments
            # don't need.
            length = len(data)
            head1 = (0x80 | rsv | opcode) if fin else (rsv | opcode)
            if not self._mask:
                if length < 126:
                    return _HEADER_0(head1, length) + data
                if length < 65536:
                    return _HEADER_16(head1, 126, length) + data
                return _HEADER_64(head1, 127, length) + data
            pos = self._pos
            pool = self._pool
            if pos + 4 > len(pool):
                pool = self._refill()
                pos = 0
            self._pos = pos + 4
            key = pool[pos : pos + 4]
            if length < 126:
                header = _HEADER_0(head1, 0x80 | length)
            elif length < 65536:
                header = _HEADER_16(head1, 0xFE, length)
            else:
                header = _HEADER_64(head1, 0xFF, length)
            return header + key + xor_mask(data, key)
        if not self._mask:
            return build_frame(opcode, data, fin, rsv, None)
        pos = self._pos
        if pos + 4 > len(self._pool):
            self._refill()
            pos = 0
        self._pos = pos + 4
        return build_frame(opcode, data, fin, rsv, self._pool[pos : pos + 4])

    def _refill(self) -> bytes:
        pool = bytes(secrets.token_bytes(MASK_POOL_SIZE))
        if len(pool) < 4:
            raise ValueError("secrets.token_bytes returned fewer than 4 bytes")
        self._pool = pool
        return pool
