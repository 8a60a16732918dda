"""
WebSocket Per-Message Deflate extension, as defined in :rfc:`7692`.

:class:`ClientPerMessageDeflateFactory` and
:class:`ServerPerMessageDeflateFactory` negotiate the four parameters of
:rfc:`7692#section-7.1` during the opening handshake. A successful negotiation
yields a :class:`PerMessageDeflate` instance, which compresses outgoing data
frames and decompresses incoming ones for the rest of the connection.

"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any, Literal

from .. import _accel
from ..exceptions import (
    DuplicateParameter,
    InvalidParameterName,
    InvalidParameterValue,
    NegotiationError,
    PayloadTooBig as PayloadTooBig,
    ProtocolError,
)
from ..frames import CONT as CONT, CTRL_OPCODES, OP_CONT, Frame
from ..typing import BytesLike, ExtensionName, ExtensionParameter
from .base import ClientExtensionFactory, Extension, ServerExtensionFactory


__all__ = [
    "PerMessageDeflate",
    "ClientPerMessageDeflateFactory",
    "enable_client_permessage_deflate",
    "ServerPerMessageDeflateFactory",
    "enable_server_permessage_deflate",
]


_NAME = ExtensionName("permessage-deflate")

COMPRESSION_THRESHOLD = int(os.environ.get("WEBSOCKETS_COMPRESSION_THRESHOLD", "0"))
"""
Default of :attr:`PerMessageDeflate.compression_threshold`: whole messages
shorter than this many bytes are sent uncompressed. The environment variable
``WEBSOCKETS_COMPRESSION_THRESHOLD`` sets it when this module is imported;
``0`` compresses every message below 1 KiB, like websockets 17.4.

"""


def _skip_incompressible(value: str) -> bool:
    if value not in ("0", "1"):
        raise ValueError(
            f"WEBSOCKETS_SKIP_INCOMPRESSIBLE must be 0 or 1, not {value!r}"
        )
    return value == "1"


# Why on by default: deflate can't shrink random or already compressed data
# (images, archives, encrypted payloads); it only makes them slower to send,
# by far the largest cost of such messages (over 90% of an 8 KiB or 64 KiB
# round trip, benchmarks/README.rst), and a few bytes larger. RFC 7692 §6.1
# lets a sender send any message uncompressed and every conforming receiver
# accepts it, so users only gain from skipping them. Sampling starts at
# 1 KiB (SAMPLE_SIZE): a smaller sample can't tell random data from text
# reliably, and smaller messages keep exactly the bytes that websockets 17.4
# sends, which keeps the differential tests meaningful for them.
SKIP_INCOMPRESSIBLE = _skip_incompressible(
    os.environ.get("WEBSOCKETS_SKIP_INCOMPRESSIBLE", "1")
)
"""
Default of :attr:`PerMessageDeflate.skip_incompressible`: whole messages of
1 KiB or more that look incompressible are sent uncompressed. The environment
variable ``WEBSOCKETS_SKIP_INCOMPRESSIBLE`` sets it when this module is
imported: ``1`` (the default) or ``0``, which compresses them like
websockets 17.4; other values raise :exc:`ValueError`.

"""

# RFC 7692 §7.1.2: window bits are a decimal number from 8 to 15 without
# leading zero. Looking values up here rejects spellings that int() would
# tolerate, such as "09", "+9" or " 9".
_MAX_WINDOW_BITS_VALUES = [str(bits) for bits in range(8, 16)]


class PerMessageDeflate(Extension):
    """
    Per-Message Deflate extension.

    Instances are created by :class:`ClientPerMessageDeflateFactory` and
    :class:`ServerPerMessageDeflateFactory` once parameters are negotiated.
    "Remote" parameters describe how the peer compresses the messages that we
    decompress; "local" parameters describe how we compress ours.

    Args:
        remote_no_context_takeover: Reset the decompressor after each message.
        local_no_context_takeover: Reset the compressor after each message.
        remote_max_window_bits: Size of the peer's LZ77 sliding window in bits,
            from 8 to 15.
        local_max_window_bits: Size of our LZ77 sliding window in bits, from 9
            to 15.
        compress_settings: Extra keyword arguments for :func:`zlib.compressobj`,
            other than ``wbits``.

    """

    name = _NAME

    compressor: _accel.Compressor
    """Compresses our messages (:mod:`websockets._pure.deflate`)."""

    decompressor: _accel.Decompressor
    """Decompresses the peer's messages (:mod:`websockets._pure.deflate`)."""

    compression_threshold: int = COMPRESSION_THRESHOLD
    """
    Whole messages shorter than this many bytes are sent uncompressed.
    :obj:`0` compresses every message below 1 KiB, like websockets 17.4.
    Defaults to :data:`COMPRESSION_THRESHOLD`; set it on the class to change
    it for every connection, or on the instance, which is in
    ``connection.protocol.extensions``, for one connection.

    """

    skip_incompressible: bool = SKIP_INCOMPRESSIBLE
    """
    Whole messages of 1 KiB or more that look incompressible (random or
    already compressed data) are sent uncompressed. :obj:`False` compresses
    them, like websockets 17.4. Defaults to :data:`SKIP_INCOMPRESSIBLE`; set
    it on the class or on the instance, like :attr:`compression_threshold`.

    """

    def __init__(
        self,
        remote_no_context_takeover: bool,
        local_no_context_takeover: bool,
        remote_max_window_bits: int,
        local_max_window_bits: int,
        compress_settings: dict[Any, Any] | None = None,
    ) -> None:
        if compress_settings is None:
            compress_settings = {}

        # Factories validate user input; these only catch programming errors.
        # zlib inflates with an 8-bit window but deflates with 9 bits when
        # asked for 8 (madler/zlib#171), which would exceed what we promised
        # the peer, so our own window has at least 9 bits.
        assert remote_no_context_takeover in (False, True)
        assert local_no_context_takeover in (False, True)
        assert 8 <= remote_max_window_bits <= 15
        assert 9 <= local_max_window_bits <= 15
        assert "wbits" not in compress_settings

        self.remote_no_context_takeover = remote_no_context_takeover
        self.local_no_context_takeover = local_no_context_takeover
        self.remote_max_window_bits = remote_max_window_bits
        self.local_max_window_bits = local_max_window_bits
        self.compress_settings = compress_settings

        # One compressor and one decompressor serve the whole connection.
        # With context takeover (RFC 7692 §7.1.1), the LZ77 window carries
        # over from one message to the next; without it, they reset it after
        # the last frame of each message.
        self.decompressor = _accel.Decompressor(
            remote_max_window_bits, remote_no_context_takeover
        )
        self.compressor = _accel.Compressor(
            local_max_window_bits, local_no_context_takeover, **compress_settings
        )

        # RFC 7692 §6.1: only the first frame of a message says whether it is
        # compressed. This flag remembers it for the continuation frames.
        self.decode_cont_data = False
        # Likewise for outgoing messages: the first frame decides.
        self.encode_cont_data = False

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}("
            f"remote_no_context_takeover={self.remote_no_context_takeover}, "
            f"local_no_context_takeover={self.local_no_context_takeover}, "
            f"remote_max_window_bits={self.remote_max_window_bits}, "
            f"local_max_window_bits={self.local_max_window_bits})"
        )

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        """
        Decompress an incoming frame.

        Control frames and frames of uncompressed messages are returned as is.

        Args:
            frame: Incoming frame.
            max_size: Maximum size of the decompressed payload in bytes.

        Returns:
            The frame with its payload decompressed and RSV1 cleared.

        Raises:
            PayloadTooBig: If the decompressed payload would exceed
                ``max_size``. The limit applies while inflating, so a small
                payload cannot make us allocate more than ``max_size`` bytes.
            ProtocolError: If RSV1 is set on a continuation frame of a
                compressed message or if the payload isn't valid deflate data.

        """
        opcode = frame.opcode

        # RFC 7692 §6.1: control frames are never compressed. Test this first
        # so that pings and pongs cost a single membership test.
        if opcode in CTRL_OPCODES:
            return frame

        if opcode is OP_CONT:
            if not self.decode_cont_data:
                return frame
            # RFC 7692 §6.1: RSV1 may only be set on the first frame.
            if frame.rsv1:
                raise ProtocolError("RSV1 bit set in continuation frame")
            if frame.fin:
                self.decode_cont_data = False
        else:
            # RFC 7692 §6: RSV1 on the first frame marks a compressed message.
            if not frame.rsv1:
                return frame
            if self.decode_cont_data:
                # RFC 6455 §5.4: the previous message isn't finished. Don't
                # decompress a frame that the decompressor can't expect.
                raise ProtocolError("expected a continuation frame")
            if not frame.fin:
                self.decode_cont_data = True

        data = self.decompressor.decompress(frame.data, frame.fin, max_size)
        return _replace(frame, data, False)

    def encode(self, frame: Frame) -> Frame:
        """
        Compress an outgoing frame.

        Data frames are compressed, except whole messages that
        :attr:`compression_threshold` and :attr:`skip_incompressible` leave
        uncompressed; control frames are
        returned as is.

        Args:
            frame: Outgoing frame.

        Returns:
            The frame with its payload compressed, and RSV1 set if it is the
            first frame of the message.

        """
        opcode = frame.opcode

        # RFC 7692 §6.1: control frames are never compressed.
        if opcode in CTRL_OPCODES:
            return frame

        if opcode is OP_CONT:
            if not self.encode_cont_data:
                return frame
            if frame.fin:
                self.encode_cont_data = False
        else:
            # RFC 7692 §6.1: any message may be sent uncompressed. Only whole
            # messages are: a fragment doesn't tell what the rest looks like.
            if frame.fin:
                threshold = self.compression_threshold
                sample = self.skip_incompressible
                if (threshold or sample) and not _accel.worth_compressing(
                    frame.data, threshold, sample
                ):
                    return frame
            else:
                self.encode_cont_data = True

        # RFC 7692 §7.2.1: each frame ends with a sync flush, so the peer can
        # inflate it without waiting for the rest of the message.
        data = self.compressor.compress(frame.data, frame.fin)

        # RFC 7692 §6: RSV1 goes on the first frame of the message only.
        return _replace(frame, data, opcode is not OP_CONT)


def _replace(frame: Frame, data: BytesLike, rsv1: bool) -> Frame:
    """Return a copy of ``frame`` with a new payload and RSV1 bit."""
    # Calling the class is four times quicker than dataclasses.replace(),
    # which remains for subclasses that may have more fields.
    if type(frame) is Frame:
        return Frame(frame.opcode, data, frame.fin, rsv1, frame.rsv2, frame.rsv3)
    return dataclasses.replace(frame, data=data, rsv1=rsv1)


@dataclasses.dataclass
class _Parameters:
    """
    The four parameters of :rfc:`7692#section-7.1`, as found in a header.

    ``client_max_window_bits`` is :obj:`True` when a client offers it without a
    value; a server's response always gives a value.

    """

    server_no_context_takeover: bool = False
    client_no_context_takeover: bool = False
    server_max_window_bits: int | None = None
    client_max_window_bits: int | Literal[True] | None = None

    @classmethod
    def parse(cls, params: Sequence[ExtensionParameter], *, offer: bool) -> _Parameters:
        """
        Parse ``(name, value)`` pairs from a client offer or a server response.

        Raises:
            DuplicateParameter: If a parameter appears twice.
            InvalidParameterName: If a parameter is unknown.
            InvalidParameterValue: If a parameter has an invalid value.

        """
        result = cls()
        seen: set[str] = set()
        for name, value in params:
            # RFC 7692 §7.1: an offer or a response with an unknown parameter,
            # a repeated parameter or an invalid value must be declined.
            if name in seen:
                raise DuplicateParameter(name)
            if name == "server_no_context_takeover":
                if value is not None:
                    raise InvalidParameterValue(name, value)
                result.server_no_context_takeover = True
            elif name == "client_no_context_takeover":
                if value is not None:
                    raise InvalidParameterValue(name, value)
                result.client_no_context_takeover = True
            elif name == "server_max_window_bits":
                if value not in _MAX_WINDOW_BITS_VALUES:
                    raise InvalidParameterValue(name, value)
                result.server_max_window_bits = int(value)
            elif name == "client_max_window_bits":
                # RFC 7692 §7.1.2.2: only an offer may omit the value.
                if value is None and offer:
                    result.client_max_window_bits = True
                elif value in _MAX_WINDOW_BITS_VALUES:
                    result.client_max_window_bits = int(value)
                else:
                    raise InvalidParameterValue(name, value)
            else:
                raise InvalidParameterName(name)
            seen.add(name)
        return result

    def serialize(self) -> list[ExtensionParameter]:
        """
        Build ``(name, value)`` pairs for a client offer or a server response.

        """
        params: list[ExtensionParameter] = []
        if self.server_no_context_takeover:
            params.append(("server_no_context_takeover", None))
        if self.client_no_context_takeover:
            params.append(("client_no_context_takeover", None))
        if self.server_max_window_bits is not None:
            params.append(("server_max_window_bits", str(self.server_max_window_bits)))
        if self.client_max_window_bits is True:
            params.append(("client_max_window_bits", None))
        elif self.client_max_window_bits is not None:
            params.append(("client_max_window_bits", str(self.client_max_window_bits)))
        return params


def _check_compress_settings(
    compress_settings: dict[str, Any] | None, window_bits_argument: str
) -> None:
    if compress_settings is not None and "wbits" in compress_settings:
        raise ValueError(
            f"compress_settings must not include wbits, "
            f"set {window_bits_argument} instead"
        )


class ClientPerMessageDeflateFactory(ClientExtensionFactory):
    """
    Client-side extension factory for the Per-Message Deflate extension.

    The parameters are those of `section 7.1 of RFC 7692`_. Boolean parameters
    set to :obj:`True` are included in the offer; window bits set to an
    integer are included with that value.

    .. _section 7.1 of RFC 7692: https://datatracker.ietf.org/doc/html/rfc7692#section-7.1

    Args:
        server_no_context_takeover: Ask the server not to use context takeover.
        client_no_context_takeover: Announce that the client won't use context
            takeover.
        server_max_window_bits: Limit the server's LZ77 sliding window to this
            many bits, from 8 to 15.
        client_max_window_bits: Limit the client's LZ77 sliding window to this
            many bits, from 9 to 15, or :obj:`True` to let the server choose a
            limit. 8 isn't possible because zlib can't compress with an 8-bit
            window (`zlib issue 171`_).
        compress_settings: Extra keyword arguments for :func:`zlib.compressobj`,
            other than ``wbits``.

    .. _zlib issue 171: https://github.com/madler/zlib/issues/171

    """

    name = _NAME

    def __init__(
        self,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        server_max_window_bits: int | None = None,
        client_max_window_bits: int | Literal[True] | None = True,
        compress_settings: dict[str, Any] | None = None,
    ) -> None:
        if server_max_window_bits is not None and not (
            8 <= server_max_window_bits <= 15
        ):
            raise ValueError("server_max_window_bits must be between 8 and 15")
        if (
            client_max_window_bits is not None
            and client_max_window_bits is not True
            and not 9 <= client_max_window_bits <= 15
        ):
            raise ValueError("client_max_window_bits must be between 9 and 15")
        _check_compress_settings(compress_settings, "client_max_window_bits")

        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover
        self.server_max_window_bits = server_max_window_bits
        self.client_max_window_bits = client_max_window_bits
        self.compress_settings = compress_settings

    def get_request_params(self) -> Sequence[ExtensionParameter]:
        """
        Build the parameters of the offer sent to the server.

        """
        return _Parameters(
            self.server_no_context_takeover,
            self.client_no_context_takeover,
            self.server_max_window_bits,
            self.client_max_window_bits,
        ).serialize()

    def process_response_params(
        self,
        params: Sequence[ExtensionParameter],
        accepted_extensions: Sequence[Extension],
    ) -> PerMessageDeflate:
        """
        Check the server's response against our offer and configure compression.

        Raises:
            NegotiationError: If the response doesn't match the offer.

        """
        if any(extension.name == self.name for extension in accepted_extensions):
            raise NegotiationError(f"received duplicate {self.name}")

        response = _Parameters.parse(params, offer=False)

        # RFC 7692 §7.1.1.1: a server that accepts server_no_context_takeover
        # must repeat it in the response.
        if self.server_no_context_takeover and not response.server_no_context_takeover:
            raise NegotiationError("expected server_no_context_takeover")

        # RFC 7692 §7.1.1.2: the server may or may not repeat
        # client_no_context_takeover; either way, we offered not to use
        # context takeover, so we don't.
        local_no_context_takeover = (
            self.client_no_context_takeover or response.client_no_context_takeover
        )

        # RFC 7692 §7.1.2.1: when we limit the server's window, the response
        # must confirm a limit that is no larger. Without a limit in the offer,
        # the server is free to announce one.
        if self.server_max_window_bits is not None:
            if response.server_max_window_bits is None:
                raise NegotiationError("expected server_max_window_bits")
            if response.server_max_window_bits > self.server_max_window_bits:
                raise NegotiationError("unsupported server_max_window_bits")

        # RFC 7692 §7.1.2.2: the server may only limit our window if we offered
        # client_max_window_bits, and not above the value that we offered.
        # When the response omits it, the value that we offered still holds.
        local_max_window_bits = response.client_max_window_bits
        if self.client_max_window_bits is None:
            if local_max_window_bits is not None:
                raise NegotiationError("unexpected client_max_window_bits")
        elif self.client_max_window_bits is not True:
            if local_max_window_bits is None:
                local_max_window_bits = self.client_max_window_bits
            elif local_max_window_bits > self.client_max_window_bits:
                raise NegotiationError("unsupported client_max_window_bits")

        # See PerMessageDeflate: zlib can't compress with an 8-bit window.
        if local_max_window_bits == 8:
            raise NegotiationError("unsupported client_max_window_bits = 8, use 9")

        return PerMessageDeflate(
            remote_no_context_takeover=response.server_no_context_takeover,
            local_no_context_takeover=local_no_context_takeover,
            remote_max_window_bits=response.server_max_window_bits or 15,
            local_max_window_bits=local_max_window_bits or 15,
            compress_settings=self.compress_settings,
        )


def enable_client_permessage_deflate(
    extensions: Sequence[ClientExtensionFactory] | None,
) -> Sequence[ClientExtensionFactory]:
    """
    Add Per-Message Deflate with default settings to client extensions.

    When ``extensions`` already contains a factory for this extension, it is
    returned unchanged, so that settings chosen by the user take precedence.
    Otherwise, a new list is returned, with a
    :class:`ClientPerMessageDeflateFactory` configured with ``memLevel=5`` appended.

    Args:
        extensions: Client-side extension factories, or :obj:`None` for none.

    Returns:
        Client-side extension factories that include Per-Message Deflate.

    """
    if extensions is None:
        extensions = []
    if any(factory.name == _NAME for factory in extensions):
        return extensions
    # memLevel=5 uses less memory than zlib's default of 8, for a small loss
    # of compression; see the compression guide in the documentation.
    return [
        *extensions,
        ClientPerMessageDeflateFactory(compress_settings={"memLevel": 5}),
    ]


class ServerPerMessageDeflateFactory(ServerExtensionFactory):
    """
    Server-side extension factory for the Per-Message Deflate extension.

    The parameters are those of `section 7.1 of RFC 7692`_. Boolean parameters
    set to :obj:`True` are required from clients; window bits set to an
    integer cap the values that clients may get.

    .. _section 7.1 of RFC 7692: https://datatracker.ietf.org/doc/html/rfc7692#section-7.1

    Args:
        server_no_context_takeover: Don't use context takeover on the server.
        client_no_context_takeover: Require clients not to use context takeover.
        server_max_window_bits: Limit the server's LZ77 sliding window to this
            many bits, from 9 to 15. 8 isn't possible because zlib can't
            compress with an 8-bit window (`zlib issue 171`_).
        client_max_window_bits: Limit the client's LZ77 sliding window to this
            many bits, from 8 to 15, when the client supports such a limit.
        compress_settings: Extra keyword arguments for :func:`zlib.compressobj`,
            other than ``wbits``.
        require_client_max_window_bits: Decline compression with clients that
            don't support ``client_max_window_bits``, instead of accepting them
            without a limit on their window.

    .. _zlib issue 171: https://github.com/madler/zlib/issues/171

    """

    name = _NAME

    def __init__(
        self,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        server_max_window_bits: int | None = None,
        client_max_window_bits: int | None = None,
        compress_settings: dict[str, Any] | None = None,
        require_client_max_window_bits: bool = False,
    ) -> None:
        if server_max_window_bits is not None and not (
            9 <= server_max_window_bits <= 15
        ):
            raise ValueError("server_max_window_bits must be between 9 and 15")
        if client_max_window_bits is not None and not (
            8 <= client_max_window_bits <= 15
        ):
            raise ValueError("client_max_window_bits must be between 8 and 15")
        _check_compress_settings(compress_settings, "server_max_window_bits")
        if require_client_max_window_bits and client_max_window_bits is None:
            raise ValueError(
                "require_client_max_window_bits is enabled, "
                "but client_max_window_bits isn't configured"
            )

        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover
        self.server_max_window_bits = server_max_window_bits
        self.client_max_window_bits = client_max_window_bits
        self.compress_settings = compress_settings
        self.require_client_max_window_bits = require_client_max_window_bits

    def process_request_params(
        self,
        params: Sequence[ExtensionParameter],
        accepted_extensions: Sequence[Extension],
    ) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
        """
        Answer a client's offer and configure compression.

        Raises:
            NegotiationError: If the offer can't be accepted.

        """
        if any(extension.name == self.name for extension in accepted_extensions):
            raise NegotiationError(f"skipped duplicate {self.name}")

        offer = _Parameters.parse(params, offer=True)
        response = _Parameters(
            # RFC 7692 §7.1.1: the server may add either no_context_takeover
            # parameter to its response, whether the client asked or not.
            server_no_context_takeover=(
                offer.server_no_context_takeover or self.server_no_context_takeover
            ),
            client_no_context_takeover=(
                offer.client_no_context_takeover or self.client_no_context_takeover
            ),
        )

        # RFC 7692 §7.1.2.1: the server may announce a limit on its own window;
        # when the client asked for one, the server must confirm a limit that
        # is no larger. Apply the stricter of the two.
        server_bits = offer.server_max_window_bits
        if self.server_max_window_bits is not None:
            if server_bits is None or server_bits > self.server_max_window_bits:
                server_bits = self.server_max_window_bits
        response.server_max_window_bits = server_bits

        # See PerMessageDeflate: zlib can't compress with an 8-bit window.
        if server_bits == 8:
            raise NegotiationError("unsupported server_max_window_bits = 8, use 9")

        # RFC 7692 §7.1.2.2: the server may limit the client's window only if
        # the client offered client_max_window_bits. A bare offer is replaced
        # with our limit, or dropped when we don't have one; an offered value
        # is kept unless ours is stricter.
        client_bits = offer.client_max_window_bits
        if self.client_max_window_bits is None:
            if client_bits is True:
                client_bits = None
        elif client_bits is None:
            if self.require_client_max_window_bits:
                raise NegotiationError("required client_max_window_bits")
        elif client_bits is True or client_bits > self.client_max_window_bits:
            client_bits = self.client_max_window_bits
        response.client_max_window_bits = client_bits

        return response.serialize(), PerMessageDeflate(
            remote_no_context_takeover=response.client_no_context_takeover,
            local_no_context_takeover=response.server_no_context_takeover,
            remote_max_window_bits=client_bits or 15,
            local_max_window_bits=server_bits or 15,
            compress_settings=self.compress_settings,
        )


def enable_server_permessage_deflate(
    extensions: Sequence[ServerExtensionFactory] | None,
) -> Sequence[ServerExtensionFactory]:
    """
    Add Per-Message Deflate with default settings to server extensions.

    When ``extensions`` already contains a factory for this extension, it is
    returned unchanged, so that settings chosen by the user take precedence.
    Otherwise, a new list is returned, with a
    :class:`ServerPerMessageDeflateFactory` configured with 12-bit windows on both sides and ``memLevel=5`` appended.

    Args:
        extensions: Server-side extension factories, or :obj:`None` for none.

    Returns:
        Server-side extension factories that include Per-Message Deflate.

    """
    if extensions is None:
        extensions = []
    if any(factory.name == _NAME for factory in extensions):
        return extensions
    # 12-bit windows and memLevel=5 keep the memory used per connection low,
    # which matters on servers; see the compression guide in the documentation.
    return [
        *extensions,
        ServerPerMessageDeflateFactory(
            server_max_window_bits=12,
            client_max_window_bits=12,
            compress_settings={"memLevel": 5},
        ),
    ]
