"""
Frames of the legacy implementation: read and written with coroutines.

The legacy protocol read frames from an :class:`asyncio.StreamReader` with
:meth:`Frame.read` and wrote them with :meth:`Frame.write`. Here, both rely
on the Sans-I/O :class:`websockets.frames.Frame`, so the checks, the error
messages and the bytes on the wire are the same as in the rest of the
package.

"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Sequence
from typing import Any, NamedTuple, cast

from .. import extensions, frames
from .._accel import apply_mask as apply_mask
from ..exceptions import PayloadTooBig as PayloadTooBig, ProtocolError as ProtocolError
from ..frames import Close
from ..typing import BytesLike, DataLike


__all__ = [
    "Frame",
    "prepare_data",
    "prepare_ctrl",
    "encode_data",
    "parse_close",
    "serialize_close",
]


def _read_exact(size: int) -> Generator[int, bytes, bytes]:
    # Frame.parse() calls this with ``yield from``: the size travels up to
    # Frame.read(), which awaits the reader and sends the bytes back.
    data = yield size
    return data


class Frame(NamedTuple):
    fin: bool
    opcode: frames.Opcode
    data: BytesLike
    rsv1: bool = False
    rsv2: bool = False
    rsv3: bool = False

    @property
    def new_frame(self) -> frames.Frame:
        """This frame as a :class:`websockets.frames.Frame`."""
        return frames.Frame(
            self.opcode,
            self.data,
            self.fin,
            self.rsv1,
            self.rsv2,
            self.rsv3,
        )

    def __str__(self) -> str:
        return str(self.new_frame)

    def check(self) -> None:
        """
        Check that reserved bits and opcode have acceptable values.

        Raises:
            ProtocolError: If a reserved bit or the opcode is invalid.

        """
        return self.new_frame.check()

    @classmethod
    async def read(
        cls,
        reader: Callable[[int], Awaitable[bytes]],
        *,
        mask: bool,
        max_size: int | None = None,
        extensions: Sequence[extensions.Extension] | None = None,
    ) -> Frame:
        """
        Read one frame with a coroutine.

        Args:
            reader: Coroutine function that returns the number of bytes it's
                given, such as :meth:`asyncio.StreamReader.readexactly`.
            mask: Whether the frame must be masked, which is the case when a
                server reads it.
            max_size: Limit on the size of the payload, in bytes.
            extensions: Extensions that decode the frame, last one first.

        Raises:
            PayloadTooBig: If the payload is larger than ``max_size``.
            ProtocolError: If the frame breaks the rules of :rfc:`6455`.

        """
        # Drive the Sans-I/O parser: each size it yields is read with the
        # coroutine; whatever the reader raises (IncompleteReadError at the
        # end of the stream) propagates unchanged.
        # Frame.parse() is typed for websockets.streams; _read_exact yields
        # sizes and receives bytes instead.
        parser = cast(
            Generator[Any, bytes, frames.Frame],
            frames.Frame.parse(
                _read_exact,  # type: ignore[arg-type]
                mask=mask,
                max_size=max_size,
                extensions=extensions,
            ),
        )
        try:
            size: Any = next(parser)
            while True:
                size = parser.send(await reader(size))
        except StopIteration as stop:
            new_frame: frames.Frame = stop.value
        finally:
            parser.close()
        return cls(
            new_frame.fin,
            new_frame.opcode,
            new_frame.data,
            new_frame.rsv1,
            new_frame.rsv2,
            new_frame.rsv3,
        )

    def write(
        self,
        write: Callable[[bytes], Any],
        *,
        mask: bool,
        extensions: Sequence[extensions.Extension] | None = None,
    ) -> None:
        """
        Serialize this frame and pass the bytes to ``write``.

        Args:
            write: Function that writes bytes, such as
                :meth:`asyncio.WriteTransport.write`.
            mask: Whether to mask the frame, which is the case when a client
                writes it.
            extensions: Extensions that encode the frame, first one first.

        Raises:
            ProtocolError: If the frame breaks the rules of :rfc:`6455`.

        """
        # The frame is written with a single call to ``write``: splitting it
        # would allow interleaving with other writes.
        write(self.new_frame.serialize(mask=mask, extensions=extensions))


def prepare_data(data: DataLike) -> tuple[int, BytesLike]:
    """
    Tell the opcode and the payload of a data frame that sends ``data``.

    Returns:
        ``Opcode.TEXT`` and ``data`` encoded in UTF-8 for a :class:`str`;
        ``Opcode.BINARY`` and ``data`` itself, uncopied, for a bytes-like
        object.

    Raises:
        TypeError: If ``data`` is neither.

    """
    if isinstance(data, str):
        return frames.Opcode.TEXT, data.encode()
    elif isinstance(data, (bytes, bytearray, memoryview)):
        return frames.Opcode.BINARY, data
    else:
        raise TypeError("data must be str or bytes-like")


def prepare_ctrl(data: DataLike) -> bytes:
    """
    Tell the payload of a ping or a pong that sends ``data``.

    Returns:
        ``data`` encoded in UTF-8 for a :class:`str`; a :class:`bytes` copy
        of ``data`` for a bytes-like object.

    Raises:
        TypeError: If ``data`` is neither.

    """
    if isinstance(data, str):
        return data.encode()
    elif isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    else:
        raise TypeError("data must be str or bytes-like")


# The name of prepare_ctrl() in older versions of websockets.
encode_data = prepare_ctrl


def parse_close(data: bytes) -> tuple[int, str]:
    """
    Read the code and the reason in the payload of a close frame.

    An empty payload means that no code was sent: 1005.

    Raises:
        ProtocolError: If the payload is one byte long or the code invalid.
        UnicodeDecodeError: If the reason isn't valid UTF-8.

    """
    close = Close.parse(data)
    return close.code, close.reason


def serialize_close(code: int, reason: str) -> bytes:
    """
    Build the payload of a close frame.

    Raises:
        ProtocolError: If the code may not be sent.

    """
    return Close(code, reason).serialize()
