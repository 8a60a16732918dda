"""
Fuzz target: permessage-deflate decoding (RFC 7692).

A :class:`PerMessageDeflate` instance, with random window bits and context
takeover, decodes a sequence of frames cut from arbitrary bytes, with
arbitrary opcodes and FIN and RSV1 bits.

Oracles (the extension has no compiled twin):

1. only :exc:`ProtocolError` and :exc:`PayloadTooBig` escape;
2. ``max_size`` is consistent: decoding with a limit gives the same frames
   as without a limit while they fit, and raises :exc:`PayloadTooBig`
   exactly at the first frame whose decompressed payload exceeds it;
3. the result doesn't depend on the payload's type (bytes, bytearray,
   memoryview);
4. compressed frames that :meth:`PerMessageDeflate.encode` produces decode
   to the original payload.

"""

from __future__ import annotations

from typing import Any

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode

from ..common import Divergence, Input, check_same, encode_input
from ..frames_data import deflate_message


OPCODES = (
    Opcode.CONT,
    Opcode.TEXT,
    Opcode.BINARY,
    Opcode.CONT,
    Opcode.PING,
    Opcode.CLOSE,
)

MAX_SIZES = (None, 0, 1, 16, 100, 1000, 65536)

DATA_OPCODES = (Opcode.CONT, Opcode.TEXT, Opcode.BINARY)


class Params:
    def __init__(self, data: bytes) -> None:
        source = Input(data)
        settings = source.byte()
        self.no_context_takeover = bool(settings & 0x80)
        self.window_bits = 8 + (settings & 0x07)
        self.max_size = source.pick(MAX_SIZES)
        self.data_type = source.byte() % 3
        self.frames: list[tuple[Opcode, bool, bool, int]] = []
        for _ in range(source.byte() % 8 + 1):
            head = source.byte()
            size = source.byte()
            self.frames.append(
                (OPCODES[(head & 0x3F) % 6], bool(head & 0x40), bool(head & 0x80), size)
            )
        self.stream = source.rest()

    def payloads(self) -> list[tuple[Opcode, bool, bool, bytes]]:
        """Cut the stream into the payloads of the frames, the last one gets the rest."""
        result = []
        pos = 0
        for index, (opcode, rsv1, fin, size) in enumerate(self.frames):
            end = len(self.stream) if index == len(self.frames) - 1 else pos + size
            result.append((opcode, rsv1, fin, self.stream[pos:end]))
            pos = end
        return result


def wrap(payload: bytes, data_type: int) -> Any:
    if data_type == 1:
        return bytearray(payload)
    if data_type == 2:
        return memoryview(payload)
    return payload


def decode_all(params: Params, max_size: int | None, data_type: int) -> list[Any]:
    """Decode the frames until the first error; return what happened."""
    extension = PerMessageDeflate(
        params.no_context_takeover, params.no_context_takeover, params.window_bits, 15
    )
    log: list[Any] = []
    in_message = False
    for opcode, rsv1, fin, payload in params.payloads():
        frame = Frame(opcode, wrap(payload, data_type), fin, rsv1)
        try:
            decoded = extension.decode(frame, max_size=max_size)
        except (ProtocolError, PayloadTooBig) as exc:
            log.append(("raise", type(exc).__name__, str(exc)))
            return log
        data = decoded.data
        # Frames that aren't compressed come back as is: the frame parser,
        # not the extension, enforces max_size on them.
        if decoded is not frame and max_size is not None and len(data) > max_size:
            raise AssertionError(f"{len(data)} bytes decoded with max_size={max_size}")
        log.append(("frame", decoded.opcode, decoded.fin, bytes(data)))
        # Protocol.recv_frame() fails the connection on a frame that breaks
        # the fragmentation rules (RFC 6455 §5.4), after decoding it. Stop
        # there: the extension isn't meant to see what follows. (Fed such
        # frames anyway, it raises AttributeError, like websockets.)
        if opcode is Opcode.CONT:
            if not in_message:
                log.append(("stop", "unexpected continuation frame"))
                return log
            in_message = not fin
        elif opcode in DATA_OPCODES:
            if in_message:
                log.append(("stop", "expected a continuation frame"))
                return log
            in_message = not fin
    return log


def data_of(log: list[Any]) -> bytes:
    """Concatenate the payloads of the data frames in ``log``."""
    return b"".join(
        entry[3] for entry in log if entry[0] == "frame" and entry[1] in DATA_OPCODES
    )


def fuzz(data: bytes) -> None:
    params = Params(data)
    limited = decode_all(params, params.max_size, params.data_type)
    unlimited = decode_all(params, None, 0)
    failed = bool(limited) and limited[-1][0] == "raise"
    frames = limited[:-1] if failed else limited

    # When zlib holds output back at the limit, with all the input consumed
    # (see test_deflate_delivers_output_held_back_by_max_size_with_next_frame),
    # it meets invalid data one frame later than without a limit. Then the
    # frame where decoding failed without a limit must have been cut at the
    # limit; decoding with the limit fails later, or stops on a frame that
    # breaks the fragmentation rules, or runs out of frames.
    held_back = False
    if unlimited and unlimited[-1][0] == "raise" and len(frames) >= len(unlimited):
        index = len(unlimited) - 1
        cut = frames[index]
        if cut[0] != "frame" or len(cut[3]) != params.max_size:
            raise Divergence(f"with max_size, decoding goes past {unlimited[-1]}")
        frames = frames[:index]
        held_back = True

    # Frames come out in the same order, with the same opcodes and bits.
    check_same(
        "frames with and without max_size",
        [entry[:3] for entry in unlimited[: len(frames)]],
        [entry[:3] for entry in frames],
    )
    # With a limit, zlib may stop with all the input consumed but output
    # still pending; then the frame is short and the next one starts with
    # the pending output. Like websockets, we accept that: no byte is lost
    # and every byte counts against the limit of some frame. So compare
    # the concatenated payloads: with the limit, they're a prefix.
    limited_data = data_of(frames)
    unlimited_data = data_of(unlimited)
    if not unlimited_data.startswith(limited_data):
        raise Divergence(
            "payloads decoded with max_size aren't a prefix of those without"
        )

    if held_back:
        pass
    elif not failed:
        if len(unlimited) != len(limited):
            raise Divergence(f"no error with max_size, but {unlimited[-1]} without")
    elif limited[-1][1] == "PayloadTooBig":
        # Without the limit, the failing frame produces more than max_size
        # bytes beyond what was delivered, or it fails another way.
        index = len(frames)
        if unlimited[index][0] == "frame":
            produced = len(data_of(unlimited[: index + 1])) - len(limited_data)
            if produced <= params.max_size:
                raise Divergence(
                    f"PayloadTooBig for {produced} bytes with max_size={params.max_size}"
                )
    else:
        check_same(
            "error with and without max_size", unlimited[len(frames)], limited[-1]
        )

    if params.data_type:
        check_same("data type", limited, decode_all(params, params.max_size, 0))

    round_trip(params)


def round_trip(params: Params) -> None:
    """Compress the stream in frames with encode(), decode them back."""
    encoder = PerMessageDeflate(
        params.no_context_takeover,
        params.no_context_takeover,
        15,
        max(params.window_bits, 9),
    )
    decoder = PerMessageDeflate(
        params.no_context_takeover,
        params.no_context_takeover,
        max(params.window_bits, 9),
        15,
    )
    first = True
    for opcode, _, fin, payload in params.payloads():
        if opcode in (Opcode.PING, Opcode.CLOSE):
            frame = Frame(opcode, payload[:125], True)
        else:
            frame = Frame(Opcode.BINARY if first else Opcode.CONT, payload, fin)
            first = fin
        decoded = decoder.decode(encoder.encode(frame))
        check_same(
            "encode/decode round trip",
            (frame.opcode, frame.fin, frame.data),
            (decoded.opcode, decoded.fin, bytes(decoded.data)),
        )


def seeds() -> dict[str, bytes]:
    text = "Ḽơᶉëᶆ ȋṕšᶙṁ ḍỡḽǭᵳ ʂǐť ӓṁệẗ".encode() * 4
    message = deflate_message(text)
    fragments = deflate_message(b"a" * 300)
    # Parameters: settings, max_size index, data type, frame count - 1, then
    # (head, size) per frame; head: opcode index | 0x40 RSV1 | 0x80 FIN.
    return {
        "one-message": encode_input(message, 0x07, 0, 0, 0, 0xC1, 0),
        "one-message-9-bits": encode_input(
            deflate_message(text, 9), 0x81, 5, 1, 0, 0xC1, 0
        ),
        "fragments": encode_input(fragments, 0x07, 0, 2, 2, 0x42, 4, 0x00, 3, 0x80, 0),
        "two-messages-context": encode_input(
            message + message, 0x07, 6, 0, 1, 0xC1, len(message), 0xC1, 0
        ),
        "too-big": encode_input(deflate_message(bytes(5000)), 0x07, 4, 0, 0, 0xC2, 0),
        "uncompressed-and-control": encode_input(
            b"plainping", 0x07, 0, 0, 1, 0x82, 5, 0x84, 0
        ),
        "rsv1-continuation": encode_input(fragments, 0x07, 0, 0, 1, 0x42, 4, 0xC0, 0),
        "garbage": encode_input(b"\xff\xff\xff\xff", 0x07, 0, 0, 0, 0xC1, 0),
    }
