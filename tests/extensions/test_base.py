import dataclasses

import pytest

import websockets.extensions
from websockets.extensions import (
    ClientExtensionFactory,
    Extension,
    ServerExtensionFactory,
    base,
)
from websockets.frames import OP_BINARY, OP_PING, Frame
from websockets.typing import ExtensionName


def test_package_exports_base_classes():
    assert websockets.extensions.__all__ == [
        "Extension",
        "ClientExtensionFactory",
        "ServerExtensionFactory",
    ]
    assert base.__all__ == websockets.extensions.__all__
    assert websockets.extensions.Extension is base.Extension
    assert websockets.extensions.ClientExtensionFactory is base.ClientExtensionFactory
    assert websockets.extensions.ServerExtensionFactory is base.ServerExtensionFactory


def test_name_is_declared_but_not_defined():
    for cls in [Extension, ClientExtensionFactory, ServerExtensionFactory]:
        assert "name" in cls.__annotations__
        assert not hasattr(cls(), "name")


def test_extension_methods_are_abstract():
    extension = Extension()
    frame = Frame(OP_BINARY, b"data")
    with pytest.raises(NotImplementedError):
        extension.decode(frame)
    with pytest.raises(NotImplementedError):
        extension.decode(frame, max_size=1)
    with pytest.raises(NotImplementedError):
        extension.encode(frame)


def test_client_extension_factory_methods_are_abstract():
    factory = ClientExtensionFactory()
    with pytest.raises(NotImplementedError):
        factory.get_request_params()
    with pytest.raises(NotImplementedError):
        factory.process_response_params([], [])


def test_server_extension_factory_methods_are_abstract():
    factory = ServerExtensionFactory()
    with pytest.raises(NotImplementedError):
        factory.process_request_params([], [])


# A toy extension that flips RSV3 on data frames, to check that subclasses
# plug into the documented interface.


class Rsv3Extension(Extension):
    name = ExtensionName("x-rsv3")

    def decode(self, frame, *, max_size=None):
        if frame.opcode is OP_PING:
            return frame
        return dataclasses.replace(frame, rsv3=False)

    def encode(self, frame):
        if frame.opcode is OP_PING:
            return frame
        return dataclasses.replace(frame, rsv3=True)


class ClientRsv3Factory(ClientExtensionFactory):
    name = ExtensionName("x-rsv3")

    def get_request_params(self):
        return [("mode", "flip")]

    def process_response_params(self, params, accepted_extensions):
        return Rsv3Extension()


class ServerRsv3Factory(ServerExtensionFactory):
    name = ExtensionName("x-rsv3")

    def process_request_params(self, params, accepted_extensions):
        return list(params), Rsv3Extension()


def test_subclasses_negotiate_and_transform_frames():
    client_factory = ClientRsv3Factory()
    server_factory = ServerRsv3Factory()
    response_params, server_extension = server_factory.process_request_params(
        client_factory.get_request_params(), []
    )
    assert response_params == [("mode", "flip")]
    client_extension = client_factory.process_response_params(response_params, [])

    frame = Frame(OP_BINARY, b"data")
    encoded = client_extension.encode(frame)
    assert encoded.rsv3
    assert server_extension.decode(encoded, max_size=10) == frame


def test_subclass_extension_goes_through_frame_serialization():
    frame = Frame(OP_BINARY, b"data")
    data = frame.serialize(mask=False, extensions=[Rsv3Extension()])
    # FIN and RSV3 are set on the wire.
    assert data[:1] == b"\x92"
