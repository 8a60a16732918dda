"""
Fuzz target: the frame parser, fed arbitrary bytes in arbitrary chunks.

Oracles:

1. differential: the pure and the compiled :class:`FrameParser` give the
   same frames, the same exceptions (type and message) at the same point,
   the same ``buffered`` count and the same leftover bytes after an error;
2. reference: without RSV bits allowed, the frames agree with the
   generator-based :meth:`websockets.frames.Frame.parse`, and that parser
   fails at the same frame whenever :class:`FrameParser` does not wait for
   more data;
3. invariants: only :exc:`ProtocolError` and :exc:`PayloadTooBig` escape,
   payloads are :class:`bytes`, and the buffer stays bounded.

Input layout (see :class:`~tests.fuzzing.common.Input`): a flags byte, a
``max_size`` selector, a 2-byte chunking seed, then the stream.

"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from websockets.exceptions import PayloadTooBig, ProtocolError
from websockets.frames import Frame
from websockets.streams import StreamReader

from ..common import Divergence, Input, check_same, encode_input, split, twins, uint


PURE, COMPILED = twins("framing")

# Values of max_size around the boundaries of the length encodings
# (RFC 6455 §5.2: 7 bits, then 16 bits, then 64 bits) and of C integers.
MAX_SIZES: list[int | None] = [
    None, 0, 1, 2, 125, 126, 127, 65535, 65536, 65537,
    2**31 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**100,
]  # fmt: skip

METHODS = ("next_frame", "parse_into", "frames")

# Upper bound of the buffer: get_buffer() may reserve up to 16 MiB for the
# rest of a frame (MAX_RESERVE), and geometric growth may double a buffer.
MAX_CAPACITY = 2 * (16 * 1024 * 1024 + 65536)


def describe(frame: Frame) -> tuple[Any, ...]:
    """Describe a frame for comparisons."""
    if type(frame.data) is not bytes:
        raise AssertionError(f"payload is a {type(frame.data).__name__}, not bytes")
    return (
        frame.opcode, frame.data, frame.fin, frame.rsv1, frame.rsv2, frame.rsv3,
    )  # fmt: skip


def validate_text(data: bytes) -> None:
    """``validate_text`` for :meth:`FrameParser.parse_into`."""
    # A callback that raises something else than UnicodeDecodeError checks
    # that parse_into() lets any exception through and drops the frame.
    if data[:1] == b"!":
        raise ValueError("rejected by validate_text")
    data.decode()


class Params:
    """Parameters of one run, decoded from the input."""

    def __init__(self, data: bytes) -> None:
        source = Input(data)
        flags = source.byte()
        self.mask = bool(flags & 0x01)
        self.via_buffer = bool(flags & 0x02)
        self.eof_check = bool(flags & 0x04)
        self.method = METHODS[(flags >> 3) % 3]
        self.allowed_rsv = flags & 0x70 if flags & 0x80 else 0
        self.max_size = source.pick(MAX_SIZES)
        seed = source.uint(2)
        self.chunks = split(source.rest(), seed)
        self.stream = b"".join(self.chunks)


def run(module: ModuleType, params: Params, use_receive: bool = False) -> list[Any]:
    """
    Run :class:`FrameParser` of ``module`` and return a log of what happened.

    With ``use_receive``, chunks go through :meth:`FrameParser.receive`
    instead of :meth:`feed` and :meth:`parse_into`, and the log doesn't
    record how many bytes are buffered between the two.

    """
    log: list[Any] = []
    parser = module.FrameParser(
        mask=params.mask, max_size=params.max_size, allowed_rsv=params.allowed_rsv
    )
    for chunk in params.chunks:
        if use_receive:
            try:
                drain_receive(parser, chunk, log)
            except (ProtocolError, PayloadTooBig) as exc:
                log.append(("raise", type(exc).__name__, str(exc)))
                log.append(("leftover", parser.take_buffer()))
                return log
            continue
        if params.via_buffer:
            buffer = parser.get_buffer(len(chunk))
            if len(buffer) < len(chunk):
                raise AssertionError("get_buffer() returned a view that is too small")
            buffer[: len(chunk)] = chunk
            parser.buffer_updated(len(chunk))
        else:
            parser.feed(chunk)
        log.append(("buffered", parser.buffered))
        if parser.capacity > MAX_CAPACITY:
            raise AssertionError(f"buffer grew to {parser.capacity} bytes")
        try:
            drain(parser, params.method, log)
        except (ProtocolError, PayloadTooBig) as exc:
            log.append(("raise", type(exc).__name__, str(exc)))
            log.append(("leftover", parser.take_buffer()))
            # A failed parser keeps failing.
            try:
                parser.next_frame()
            except ProtocolError as exc:
                log.append(("then", str(exc)))
            else:
                raise AssertionError("next_frame() succeeded after a failure") from None
            return log
    log.append(("end", parser.buffered))
    return log


def drain(parser: Any, method: str, log: list[Any]) -> None:
    """Parse every complete frame with ``method``, logging frames and events."""
    if method == "next_frame":
        while (frame := parser.next_frame()) is not None:
            log.append(("frame", describe(frame)))
    elif method == "parse_into":
        drain_receive(parser, None, log)
    else:
        while frames := parser.frames():
            log.append(("frames", [describe(frame) for frame in frames]))


def drain_receive(parser: Any, chunk: bytes | None, log: list[Any]) -> None:
    """
    Parse with :meth:`parse_into`, logging events and returned frames.

    With ``chunk``, the first call is ``receive(chunk, ...)``, which must be
    the same as :meth:`feed` then :meth:`parse_into`.

    """
    pending = chunk
    while True:
        events: list[Frame] = []
        try:
            if pending is not None:
                data, pending = pending, None
                frame = parser.receive(data, events, validate_text)
            else:
                frame = parser.parse_into(events, validate_text)
        except (UnicodeDecodeError, ValueError) as exc:
            # The frame that failed validation is consumed; go on.
            log.append(("events", [describe(event) for event in events]))
            log.append(("invalid", type(exc).__name__, str(exc)))
            continue
        log.append(("events", [describe(event) for event in events]))
        if frame is None:
            return
        log.append(("frame", describe(frame)))


def reference(params: Params) -> tuple[list[tuple[Any, ...]], str]:
    """
    Parse the stream with :meth:`Frame.parse`.

    Returns:
        The frames, and ``"error"``, ``"incomplete"`` or ``"complete"``.

    """
    reader = StreamReader()
    reader.feed_data(params.stream)
    reader.feed_eof()
    frames = []
    while reader.buffer:
        parser = Frame.parse(
            reader.read_exact, mask=params.mask, max_size=params.max_size
        )
        try:
            next(parser)
        except StopIteration as result:
            frames.append(describe(result.value))
        except EOFError:
            return frames, "incomplete"
        except (ProtocolError, PayloadTooBig):
            return frames, "error"
        else:  # pragma: no cover
            raise AssertionError("Frame.parse() waits for data after EOF")
    return frames, "complete"


def frames_of(log: list[Any]) -> tuple[list[tuple[Any, ...]], bool]:
    """Extract frames, in order, from the log of the next_frame method."""
    frames = [entry[1] for entry in log if entry[0] == "frame"]
    failed = any(entry[0] == "raise" for entry in log)
    return frames, failed


def fuzz(data: bytes) -> None:
    params = Params(data)
    log = run(PURE, params)
    if COMPILED is not None:
        check_same("compiled FrameParser", log, run(COMPILED, params))

    if params.method == "parse_into" and not params.via_buffer:
        # receive() must be feed() then parse_into(), in both twins.
        expected = [
            entry for entry in log if entry[0] not in ("buffered", "then")
        ]
        for module in (PURE, COMPILED):
            if module is not None:
                check_same(
                    f"{module.__name__}.FrameParser.receive",
                    expected,
                    run(module, params, use_receive=True),
                )

    if params.method == "next_frame" and params.allowed_rsv == 0:
        frames, failed = frames_of(log)
        ref_frames, ref_state = reference(params)
        count = min(len(frames), len(ref_frames))
        check_same("frames vs Frame.parse", ref_frames[:count], frames[:count])
        if ref_state == "error" and not (failed and len(frames) == len(ref_frames)):
            raise Divergence(f"Frame.parse() fails after {len(ref_frames)} frames")
        if failed and not (ref_state != "complete" and len(frames) == len(ref_frames)):
            raise Divergence(f"FrameParser fails after {len(frames)} frames")
        if not failed and ref_state != "error" and len(frames) != len(ref_frames):
            raise Divergence("FrameParser and Frame.parse() found different frames")


def seeds() -> dict[str, bytes]:
    """Seed inputs: valid streams for both sides, then typical errors."""
    from ..frames_data import CLIENT_STREAM, ERRORS, SERVER_STREAM

    result = {
        # flags: 0x01 = mask, 0x02 = via get_buffer, method in bits 3-4.
        "server-next-frame": encode_input(SERVER_STREAM, 0x01, 0, uint(0, 2)),
        "server-parse-into-chunked": encode_input(
            SERVER_STREAM, 0x01 | 0x08, 0, uint(7, 2)
        ),
        "client-frames-buffer": encode_input(CLIENT_STREAM, 0x02 | 0x10, 0, uint(3, 2)),
        "client-rsv-allowed": encode_input(CLIENT_STREAM, 0x80 | 0x70, 0, uint(9, 2)),
        "client-max-size": encode_input(CLIENT_STREAM, 0, 4, uint(1, 2)),
    }
    for name, stream in ERRORS.items():
        result[f"error-{name}"] = encode_input(stream, 0, 0, uint(0, 2))
    return result
