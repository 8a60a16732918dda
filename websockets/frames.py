"""
WebSocket frames, as defined in :rfc:`6455#section-5`.

:class:`Frame` is the unit of the Sans-I/O layer. Parsing many frames from a
buffer goes through :mod:`websockets._accel`, which picks the compiled frame
parser when it is available; :meth:`Frame.parse` keeps the generator-based
interface of websockets for code that drives it with ``read_exact``.

"""

from __future__ import annotations

import dataclasses
import enum
import os
import re
import secrets
import struct
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Callable, ClassVar

from .exceptions import PayloadTooBig, ProtocolError
from .typing import BytesLike


if TYPE_CHECKING:
    from typing_extensions import Self

    from .extensions import Extension


__all__ = [
    "Opcode",
    "CloseCode",
    "Frame",
    "Close",
]

# The OP_* aliases of older versions of websockets remain available, outside
# __all__, like the short aliases (TEXT, BINARY, ...) of websockets 17.


class Opcode(enum.IntEnum):
    """Opcode values for WebSocket frames."""

    CONT, TEXT, BINARY = 0x00, 0x01, 0x02
    CLOSE, PING, PONG = 0x08, 0x09, 0x0A


OP_CONT = CONT = Opcode.CONT
OP_TEXT = TEXT = Opcode.TEXT
OP_BINARY = BINARY = Opcode.BINARY
OP_CLOSE = CLOSE = Opcode.CLOSE
OP_PING = PING = Opcode.PING
OP_PONG = PONG = Opcode.PONG

DATA_OPCODES = OP_CONT, OP_TEXT, OP_BINARY
CTRL_OPCODES = OP_CLOSE, OP_PING, OP_PONG


class CloseCode(enum.IntEnum):
    """Close code values for WebSocket close frames."""

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    # 1004 is reserved
    NO_STATUS_RCVD = 1005
    ABNORMAL_CLOSURE = 1006
    INVALID_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE = 1015


# See https://www.iana.org/assignments/websocket/websocket.xhtml
CLOSE_CODE_EXPLANATIONS: dict[int, str] = {
    CloseCode.NORMAL_CLOSURE: "OK",
    CloseCode.GOING_AWAY: "going away",
    CloseCode.PROTOCOL_ERROR: "protocol error",
    CloseCode.UNSUPPORTED_DATA: "unsupported data",
    CloseCode.NO_STATUS_RCVD: "no status received [internal]",
    CloseCode.ABNORMAL_CLOSURE: "abnormal closure [internal]",
    CloseCode.INVALID_DATA: "invalid frame payload data",
    CloseCode.POLICY_VIOLATION: "policy violation",
    CloseCode.MESSAGE_TOO_BIG: "message too big",
    CloseCode.MANDATORY_EXTENSION: "mandatory extension",
    CloseCode.INTERNAL_ERROR: "internal error",
    CloseCode.SERVICE_RESTART: "service restart",
    CloseCode.TRY_AGAIN_LATER: "try again later",
    CloseCode.BAD_GATEWAY: "bad gateway",
    CloseCode.TLS_HANDSHAKE: "TLS handshake failure [internal]",
}


# Close codes that a peer may put on the wire. 1005, 1006 and 1015 are only
# for reporting locally (RFC 6455 §7.4.1), and 1004 is reserved.
EXTERNAL_CLOSE_CODES = {
    CloseCode.NORMAL_CLOSURE,
    CloseCode.GOING_AWAY,
    CloseCode.PROTOCOL_ERROR,
    CloseCode.UNSUPPORTED_DATA,
    CloseCode.INVALID_DATA,
    CloseCode.POLICY_VIOLATION,
    CloseCode.MESSAGE_TOO_BIG,
    CloseCode.MANDATORY_EXTENSION,
    CloseCode.INTERNAL_ERROR,
    CloseCode.SERVICE_RESTART,
    CloseCode.TRY_AGAIN_LATER,
    CloseCode.BAD_GATEWAY,
}


# Close codes that count as a normal closure for ConnectionClosedOK.
OK_CLOSE_CODES = {
    CloseCode.NORMAL_CLOSURE,
    CloseCode.GOING_AWAY,
    CloseCode.NO_STATUS_RCVD,
}


# Opcodes indexed by their numeric value, for turning a header byte into an
# Opcode member without the cost of calling the enum.
OPCODES: tuple[Opcode | None, ...] = tuple(
    Opcode(value) if value in Opcode._value2member_map_ else None for value in range(16)
)


# Slots make frames smaller and quicker to build: the frame parser builds one
# per message. See docs/differences.rst.
@dataclasses.dataclass(slots=True)
class Frame:
    """
    WebSocket frame.

    Attributes:
        opcode: Opcode.
        data: Payload data.
        fin: FIN bit.
        rsv1: RSV1 bit.
        rsv2: RSV2 bit.
        rsv3: RSV3 bit.

    Only these fields are needed. The MASK bit, payload length and masking-key
    are handled on the fly when parsing and serializing frames.

    """

    opcode: Opcode
    data: BytesLike
    fin: bool = True
    rsv1: bool = False
    rsv2: bool = False
    rsv3: bool = False

    # Configure if you want to see more in logs. Should be a multiple of 3.
    MAX_LOG_SIZE = int(os.environ.get("WEBSOCKETS_MAX_LOG_SIZE", "75"))

    # Whether the payload of each kind of data frame is expected to be text,
    # as websockets 17.4 declares it. A ClassVar: not a field, not a slot.
    DEFAULT_IS_TEXT: ClassVar[dict[Opcode, bool]] = {
        OP_TEXT: True,
        OP_BINARY: False,
        OP_CLOSE: True,
    }

    def __str__(self) -> str:
        """
        Return a human-readable representation of a frame.

        The payload is shown as text when it looks like text, whatever the
        opcode, and as hexadecimal bytes otherwise; the metadata says so when
        that isn't what the opcode suggests, as in websockets 17.4's logs.

        """
        coding = None
        length = f"{len(self.data)} byte{'' if len(self.data) == 1 else 's'}"
        non_final = "" if self.fin else "continued"
        payload = bytes(self.data)

        if not payload:
            data = "''"
        else:
            if self.opcode is OP_CLOSE:
                try:
                    data = str(Close.parse(payload))
                except (ProtocolError, UnicodeDecodeError):
                    is_text = False
                else:
                    is_text = True
            elif self.opcode in DATA_OPCODES:
                # A fragment may start or end in the middle of a character:
                # only the first frame of a message starts cleanly and only
                # the last one ends cleanly.
                is_text = is_utf8_fragment(
                    payload,
                    must_start_clean=self.opcode is not OP_CONT,
                    must_end_clean=self.fin,
                )
                if is_text:
                    data = repr(payload.decode(errors="replace"))
                    # Characters that repr() escapes as \x.. (control
                    # characters, mostly) suggest binary data that happens
                    # to be valid UTF-8; websockets checks the repr too.
                    is_text = "\\x" not in data
            else:
                # Pings and pongs carry ASCII text when they carry any.
                is_text = is_space_or_printable_ascii(payload) is not None
                if is_text:
                    data = repr(payload.decode())
            if not is_text:
                data = _hexdump(payload)
            if is_text != self.DEFAULT_IS_TEXT.get(self.opcode):
                coding = "text" if is_text else "binary"

        if len(data) > self.MAX_LOG_SIZE:
            cut = self.MAX_LOG_SIZE // 3 - 1  # by default cut = 24
            data = data[: 2 * cut] + "..." + data[-cut:]

        metadata = ", ".join(filter(None, [coding, length, non_final]))

        return f"{self.opcode.name} {data} [{metadata}]"

    @classmethod
    def parse(
        cls,
        read_exact: Callable[[int], Generator[None, None, bytes | bytearray]],
        *,
        mask: bool,
        max_size: int | None = None,
        extensions: Sequence[Extension] | None = None,
    ) -> Generator[None, None, Frame]:
        """
        Parse a WebSocket frame.

        This is a generator-based coroutine.

        Args:
            read_exact: Generator-based coroutine that reads the requested
                bytes or raises an exception if there isn't enough data.
            mask: Whether the frame should be masked i.e. whether the read
                happens on the server side.
            max_size: Maximum payload size in bytes.
            extensions: List of extensions, applied in reverse order.

        Raises:
            EOFError: If the connection is closed without a full WebSocket frame.
            PayloadTooBig: If the frame's payload size exceeds ``max_size``.
            ProtocolError: If the frame contains incorrect values.

        """
        # RFC 6455 §5.2: base framing protocol.
        data = yield from read_exact(2)
        head1, head2 = struct.unpack("!BB", data)

        # While not Pythonic, this is marginally faster than calling bool().
        fin = True if head1 & 0b10000000 else False
        rsv1 = True if head1 & 0b01000000 else False
        rsv2 = True if head1 & 0b00100000 else False
        rsv3 = True if head1 & 0b00010000 else False

        opcode = OPCODES[head1 & 0b00001111]
        if opcode is None:
            raise ProtocolError("invalid opcode")

        if (True if head2 & 0b10000000 else False) != mask:
            raise ProtocolError("incorrect masking")

        length = head2 & 0b01111111
        if length == 126:
            data = yield from read_exact(2)
            (length,) = struct.unpack("!H", data)
        elif length == 127:
            data = yield from read_exact(8)
            (length,) = struct.unpack("!Q", data)
        if max_size is not None and length > max_size:
            raise PayloadTooBig(length, max_size)
        if mask:
            mask_bytes = yield from read_exact(4)

        # Read the data.
        data = yield from read_exact(length)
        if mask:
            # Not at the top: _accel imports the kernels, which import this module.
            from ._accel import apply_mask

            data = apply_mask(data, mask_bytes)

        frame = cls(opcode, bytes(data), fin, rsv1, rsv2, rsv3)

        if extensions is None:
            extensions = []
        for extension in reversed(extensions):
            frame = extension.decode(frame, max_size=max_size)

        frame.check()

        return frame

    def serialize(
        self,
        *,
        mask: bool,
        extensions: Sequence[Extension] | None = None,
    ) -> bytes:
        """
        Serialize a WebSocket frame.

        Args:
            mask: Whether the frame should be masked i.e. whether the write
                happens on the client side.
            extensions: List of extensions, applied in order.

        Raises:
            ProtocolError: If the frame contains incorrect values.

        """
        self.check()

        if extensions is None:
            extensions = []
        frame = self
        for extension in extensions:
            frame = extension.encode(frame)

        # The mask key is drawn here, looking secrets.token_bytes up at call
        # time, so that tests can patch it to make masks deterministic.
        mask_key = secrets.token_bytes(4) if mask else None
        # Not at the top: _accel imports the kernels, which import this module.
        from ._accel import build_frame

        return build_frame(
            frame.opcode,
            frame.data,
            frame.fin,
            (frame.rsv1 << 6) | (frame.rsv2 << 5) | (frame.rsv3 << 4),
            mask_key,
        )

    def check(self) -> None:
        """
        Check that reserved bits and opcode have acceptable values.

        Raises:
            ProtocolError: If a reserved bit or the opcode is invalid.

        """
        if self.rsv1 or self.rsv2 or self.rsv3:
            raise ProtocolError("reserved bits must be 0")

        if self.opcode in CTRL_OPCODES:
            # RFC 6455 §5.5: control frames MUST have a payload length of 125
            # bytes or less and MUST NOT be fragmented.
            if len(self.data) > 125:
                raise ProtocolError("control frame too long")
            if not self.fin:
                raise ProtocolError("fragmented control frame")


def _utf8_sequence_length(byte: int) -> int:
    """Length of the UTF-8 sequence that a byte starts; 0 for continuation bytes."""
    if byte < 0x80:
        return 1
    if byte < 0xC0:
        return 0
    if byte < 0xE0:
        return 2
    if byte < 0xF0:
        return 3
    if byte < 0xF8:
        return 4
    # 0xF8-0xFF never occur in UTF-8; decoding rejects them.
    return 1


def is_utf8_fragment(
    data: bytes,
    must_start_clean: bool = False,
    must_end_clean: bool = False,
) -> bool:
    """
    Guess if data is a fragment of UTF-8 text.

    A fragment of a text message may start in the middle of a character and
    end in the middle of another one. Unless ``must_start_clean`` is set, up
    to three continuation bytes at the start are skipped: the end of a
    character that began in the previous fragment. Unless ``must_end_clean``
    is set, an incomplete character at the end is ignored: it continues in the
    next fragment. What remains must be valid UTF-8.

    Args:
        data: Payload of a frame.
        must_start_clean: Whether data must start at a character boundary.
        must_end_clean: Whether data must end at a character boundary.

    """
    start = 0
    if not must_start_clean:
        # A UTF-8 character is at most 4 bytes long: 3 continuation bytes.
        while start < 3 and start < len(data) and data[start] & 0xC0 == 0x80:
            start += 1
    end = len(data)
    if not must_end_clean:
        # Find where the last character starts and tell if it's complete.
        last = len(data) - 1
        while last >= 0 and data[last] & 0xC0 == 0x80:
            last -= 1
        if last < 0:
            # Only continuation bytes: the last one may end the character
            # that the skipped ones belong to, like websockets 17.4 guesses.
            end = len(data) - 1
        elif _utf8_sequence_length(data[last]) > len(data) - last:
            end = last
    try:
        data[start:end].decode()
    except UnicodeDecodeError:
        return False
    return True


# Payloads of pings and pongs shown as text in logs: ASCII whitespace and
# printable ASCII, like websockets 17.4.
is_space_or_printable_ascii = re.compile(rb"[\x09-\x0D\x20-\x7E]*").fullmatch

# Characters that make a data frame's payload look like binary data in logs:
# C0 controls other than HT, LF and CR, DEL, C1 controls, NBSP and soft
# hyphen, like websockets 17.4.


def _hexdump(data: BytesLike) -> str:
    return " ".join(f"{byte:02x}" for byte in data)


@dataclasses.dataclass
class Close:
    """
    Code and reason for WebSocket close frames.

    Attributes:
        code: Close code.
        reason: Close reason.

    """

    code: CloseCode | int
    reason: str

    def __str__(self) -> str:
        """
        Return a human-readable representation of a close code and reason.

        """
        if 3000 <= self.code < 4000:
            explanation = "registered"
        elif 4000 <= self.code < 5000:
            explanation = "private use"
        else:
            explanation = CLOSE_CODE_EXPLANATIONS.get(self.code, "unknown")
        result = f"{self.code} ({explanation})"

        if self.reason:
            result = f"{result} {self.reason}"

        return result

    @classmethod
    def parse(cls, data: BytesLike) -> Self:
        """
        Parse the payload of a close frame.

        Args:
            data: Payload of the close frame.

        Raises:
            ProtocolError: If data is ill-formed.
            UnicodeDecodeError: If the reason isn't valid UTF-8.

        """
        if len(data) >= 2:
            (code,) = struct.unpack("!H", data[:2])
            reason = bytes(data[2:]).decode()
            close = cls(code, reason)
            close.check()
            return close
        elif len(data) == 0:
            return cls(CloseCode.NO_STATUS_RCVD, "")
        else:
            raise ProtocolError("close frame too short")

    def serialize(self) -> bytes:
        """
        Serialize the payload of a close frame.

        """
        self.check()
        return struct.pack("!H", self.code) + self.reason.encode()

    def check(self) -> None:
        """
        Check that the close code has a valid value for a close frame.

        Raises:
            ProtocolError: If the close code is invalid.

        """
        # RFC 6455 §7.4: only registered codes that may appear on the wire, and
        # the ranges reserved for libraries (3000-3999) and private use.
        if not (self.code in EXTERNAL_CLOSE_CODES or 3000 <= self.code < 5000):
            raise ProtocolError("invalid status code")


def __dir__() -> list[str]:
    return sorted([*globals(), "apply_mask"])


def __getattr__(name: str) -> object:
    # websockets exposes its masking function here too. It's resolved lazily
    # because the kernel registry imports this module.
    if name == "apply_mask":
        # Not at the top: _accel imports the kernels, which import this module.
        from ._accel import apply_mask

        return apply_mask
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
