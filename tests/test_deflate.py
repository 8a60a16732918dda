"""
Tests for the deflate kernel: both twins against RFC 7692's examples and
against zlib driven directly by the test, plus differential tests that feed
the same random messages to the compiled and the pure twin.

Tests that take the ``deflate_twin`` fixture (``tests/twins.py``) run with
each twin; those that take ``deflate_compiled`` compare the compiled twin
with the pure one.

"""

from __future__ import annotations

import os
import random
import threading
import tracemalloc

import pytest

from tests.twins import pure
from websockets._deflate_impl import ZLIB
from websockets.exceptions import PayloadTooBig, ProtocolError


PURE = pure("deflate")


def oracle_compress(messages, wbits=15, nct=False, **settings):
    """Compress whole messages as RFC 7692 §7.2.1 says, with zlib itself."""
    encoder = ZLIB.compressobj(wbits=-wbits, **settings)
    result = []
    for message in messages:
        if nct:
            encoder = ZLIB.compressobj(wbits=-wbits, **settings)
        data = encoder.compress(message) + encoder.flush(ZLIB.Z_SYNC_FLUSH)
        assert data.endswith(b"\x00\x00\xff\xff")
        result.append(data[:-4])
    return result


def text(rng, size):
    words = [b"alpha", b"beta", b'"id":', b"{", b"}", b"12.5", b"true", b" "]
    data = b"".join(rng.choice(words) for _ in range(size // 3 + 1))
    return data[:size]


def messages(rng, count):
    result = []
    for _ in range(count):
        size = rng.choice([0, 1, 7, 100, 1000, 5000, 70_000])
        result.append(text(rng, size) if rng.random() < 0.6 else rng.randbytes(size))
    return result


def outcome(function, *args):
    try:
        return ("ok", function(*args))
    except (ProtocolError, PayloadTooBig, TypeError, ValueError) as exc:
        cause = exc.__cause__
        return (
            type(exc).__name__,
            str(exc),
            None if cause is None else (type(cause).__name__, str(cause)),
        )


# RFC 7692 §7.2.3: examples.


def test_compress_rfc_example_hello(deflate_twin):
    compressor = deflate_twin.Compressor(15)
    assert compressor.compress(b"Hello", True) == bytes.fromhex("f248cdc9c90700")


def test_compress_rfc_example_context_takeover(deflate_twin):
    # §7.2.3.2: the second "Hello" is a back-reference into the first one.
    compressor = deflate_twin.Compressor(15)
    compressor.compress(b"Hello", True)
    assert compressor.compress(b"Hello", True) == bytes.fromhex("f200110000")


def test_compress_without_context_takeover_repeats_output(deflate_twin):
    compressor = deflate_twin.Compressor(15, True)
    first = compressor.compress(b"Hello", True)
    assert (
        compressor.compress(b"Hello", True) == first == bytes.fromhex("f248cdc9c90700")
    )


def test_decompress_rfc_examples(deflate_twin):
    decompressor = deflate_twin.Decompressor(15)
    # §7.2.3.1: one frame; §7.2.3.3: no compression (stored block).
    assert (
        decompressor.decompress(bytes.fromhex("f248cdc9c90700"), True, None) == b"Hello"
    )
    assert decompressor.decompress(bytes.fromhex("f200110000"), True, None) == b"Hello"
    assert (
        decompressor.decompress(b"\x00\x05\x00\xfa\xffHello\x00", True, None)
        == b"Hello"
    )


def test_decompress_rfc_example_fragmented(deflate_twin):
    # §7.2.3.1: the compressed "Hello" split in two frames.
    decompressor = deflate_twin.Decompressor(15)
    first = decompressor.decompress(bytes.fromhex("f248cd"), False, None)
    last = decompressor.decompress(bytes.fromhex("c9c90700"), True, None)
    assert first + last == b"Hello"


def test_non_final_frames_keep_the_empty_block(deflate_twin):
    compressor = deflate_twin.Compressor(15)
    assert compressor.compress(b"Hel", False).endswith(b"\x00\x00\xff\xff")
    assert not compressor.compress(b"lo", True).endswith(b"\x00\x00\xff\xff")


# Against the deflate library in use (zlib or zlib-ng), driven directly.


@pytest.mark.parametrize("wbits", [9, 12, 15])
@pytest.mark.parametrize("nct", [False, True])
@pytest.mark.parametrize(
    "settings", [{}, {"memLevel": 5}, {"level": 1}, {"level": 9, "memLevel": 9}]
)
def test_compress_matches_zlib(deflate_twin, wbits, nct, settings):
    rng = random.Random(f"{wbits}{nct}{settings}")
    batch = messages(rng, 12)
    compressor = deflate_twin.Compressor(wbits, nct, **settings)
    expected = oracle_compress(batch, wbits, nct, **settings)
    assert [compressor.compress(message, True) for message in batch] == expected


@pytest.mark.parametrize("wbits", [8, 12, 15])
@pytest.mark.parametrize("nct", [False, True])
def test_decompress_inverts_zlib(deflate_twin, wbits, nct):
    rng = random.Random(f"{wbits}{nct}")
    batch = messages(rng, 12)
    # zlib can't compress with an 8-bit window (madler/zlib#171), a 9-bit
    # window with short messages stays within 8 bits of distance.
    if wbits == 8:
        batch = [message[:200] for message in batch]
    decompressor = deflate_twin.Decompressor(wbits, nct)
    compressed = oracle_compress(batch, max(wbits, 9), nct)
    for message, data in zip(batch, compressed, strict=True):
        assert decompressor.decompress(data, True, None) == message


def test_empty_messages_in_a_row(deflate_twin):
    # zlib refuses two sync flushes in a row without input in between; the
    # kernel gets the same output as ZLIB.compressobj's compress() + flush().
    compressor = deflate_twin.Compressor(15)
    outputs = [compressor.compress(b"", True) for _ in range(3)]
    assert outputs == oracle_compress([b""] * 3)
    decompressor = deflate_twin.Decompressor(15)
    assert [decompressor.decompress(data, True, None) for data in outputs] == [b""] * 3


@pytest.mark.parametrize("data_type", [bytes, bytearray, memoryview])
def test_bytes_like_inputs(deflate_twin, data_type):
    compressor = deflate_twin.Compressor(15)
    compressed = compressor.compress(data_type(b"Hello"), True)
    assert type(compressed) is bytes
    decompressor = deflate_twin.Decompressor(15)
    decompressed = decompressor.decompress(data_type(compressed), True, None)
    assert type(decompressed) is bytes
    assert decompressed == b"Hello"


# Limits and errors.


@pytest.mark.parametrize("size", [1, 100, 5000, 70_000, 300_000])
def test_decompress_max_size_boundary(deflate_twin, size):
    message = (b"abcdefghij" * size)[:size]
    (compressed,) = oracle_compress([message])
    for max_size in [size, size + 1, None]:
        decompressor = deflate_twin.Decompressor(15)
        assert decompressor.decompress(compressed, True, max_size) == message
    decompressor = deflate_twin.Decompressor(15)
    with pytest.raises(PayloadTooBig) as raised:
        decompressor.decompress(compressed, True, size - 1)
    assert str(raised.value) == PayloadTooBig(None, size - 1).__str__()


def test_decompress_max_size_zero(deflate_twin):
    (empty, one) = oracle_compress([b"", b"x"], nct=True)
    decompressor = deflate_twin.Decompressor(15, True)
    assert decompressor.decompress(empty, True, 0) == b""
    with pytest.raises(PayloadTooBig):
        decompressor.decompress(one, True, 0)


def test_decompression_bomb_allocates_about_max_size(deflate_twin):
    # 100 MB of zeros compress to about 100 KB; inflating them with a limit
    # of 1 MB must not allocate much more than that.
    (bomb,) = oracle_compress([bytes(100_000_000)])
    assert len(bomb) < 200_000
    decompressor = deflate_twin.Decompressor(15)
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooBig):
            decompressor.decompress(bomb, True, 1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


@pytest.mark.parametrize("payload", [b"hello", b"\xff\xff\xff", bytes(10)])
@pytest.mark.parametrize("fin", [False, True])
def test_decompress_invalid_data(deflate_twin, payload, fin):
    decompressor = deflate_twin.Decompressor(15)
    with pytest.raises(ProtocolError) as raised:
        decompressor.decompress(payload, fin, None)
    assert str(raised.value) == "decompression failed"
    assert type(raised.value.__cause__) is ZLIB.error
    # The same message as zlib's own decompressor.
    with pytest.raises(ZLIB.error) as expected:
        ZLIB.decompressobj(wbits=-15).decompress(
            payload + (b"\x00\x00\xff\xff" if fin else b"")
        )
    assert str(raised.value.__cause__) == str(expected.value)


def test_decompress_ignores_data_after_final_block(deflate_twin):
    decompressor = deflate_twin.Decompressor(15)
    payload = bytes.fromhex("f348cdc9c90700") + b"garbage"
    assert decompressor.decompress(payload, True, None) == b"Hello"


def test_decompressor_without_context_takeover_resets_window(deflate_twin):
    # The peer keeps its context but we reset ours: back-references into
    # the previous message can't be resolved, which shows that we reset.
    first, second = oracle_compress([b"Hello", b"Hello"])
    decompressor = deflate_twin.Decompressor(15, True)
    assert decompressor.decompress(first, True, None) == b"Hello"
    with pytest.raises(ProtocolError):
        decompressor.decompress(second, True, None)


@pytest.mark.parametrize(
    "settings", [{"level": 99}, {"memLevel": 0}, {"strategy": 9}, {"method": 3}]
)
def test_compressor_rejects_invalid_settings(deflate_twin, settings):
    with pytest.raises(ValueError) as raised:
        deflate_twin.Compressor(15, **settings)
    assert str(raised.value) == "Invalid initialization option"


@pytest.mark.parametrize("wbits", [8, 16])
def test_compressor_rejects_invalid_window(deflate_twin, wbits):
    with pytest.raises(ValueError, match="wbits must be between 9 and 15"):
        deflate_twin.Compressor(wbits)


@pytest.mark.parametrize("wbits", [7, 16])
def test_decompressor_rejects_invalid_window(deflate_twin, wbits):
    with pytest.raises(ValueError, match="wbits must be between 8 and 15"):
        deflate_twin.Decompressor(wbits)


def test_compress_rejects_str(deflate_twin):
    with pytest.raises(TypeError):
        deflate_twin.Compressor(15).compress("Hello", True)


# Sending uncompressed messages.


def test_worth_compressing_below_threshold(deflate_twin):
    assert not deflate_twin.worth_compressing(b"x" * 127, 128)
    assert deflate_twin.worth_compressing(b"x" * 128, 128)


def test_worth_compressing_text_and_random(deflate_twin):
    rng = random.Random(42)
    for size in [1024, 8192, 65536]:
        assert deflate_twin.worth_compressing(text(rng, size), 128)
        assert not deflate_twin.worth_compressing(rng.randbytes(size), 128)
    # Below the sample size, random data is compressed: the sample would be
    # too small to tell.
    assert deflate_twin.worth_compressing(rng.randbytes(1023), 128)


def test_worth_compressing_without_sampling(deflate_twin):
    data = random.Random(3).randbytes(8192)
    assert not deflate_twin.worth_compressing(data, 0)
    assert deflate_twin.worth_compressing(data, 0, False)
    # The threshold still applies without sampling.
    assert not deflate_twin.worth_compressing(data, 10_000, False)


def test_worth_compressing_samples_start_and_middle(deflate_twin):
    # 512 bytes at the start and 512 bytes from the middle make the sample:
    # random bytes there, and only there, make the message look random.
    rng = random.Random(7)
    noise = rng.randbytes(512)
    other = rng.randbytes(512)
    sampled = noise + bytes(3584) + other + bytes(3584)
    assert not deflate_twin.worth_compressing(sampled, 128)
    elsewhere = noise + bytes(5120) + other + bytes(2048)
    assert deflate_twin.worth_compressing(elsewhere, 128)


def test_worth_compressing_bytes_like(deflate_twin):
    data = os.urandom(2048)
    for value in [data, bytearray(data), memoryview(data)]:
        assert deflate_twin.worth_compressing(value, 128) is False


# Differential: the compiled twin against the pure twin.


@pytest.mark.parametrize("seed", range(8))
def test_twins_produce_identical_streams(deflate_compiled, seed):
    rng = random.Random(seed)
    wbits = rng.choice([9, 10, 12, 15])
    nct = rng.random() < 0.5
    settings = rng.choice([{}, {"memLevel": 5}, {"level": 1}, {"strategy": 1}])
    pair = [
        (module.Compressor(wbits, nct, **settings), module.Decompressor(wbits, nct))
        for module in (PURE, deflate_compiled)
    ]
    for message in messages(rng, 10):
        pieces = rng.choice([1, 1, 2, 5])
        size = -(-len(message) // pieces) or 1
        chunks = [message[i : i + size] for i in range(0, len(message), size)] or [b""]
        received = []
        for index, chunk in enumerate(chunks):
            fin = index == len(chunks) - 1
            outputs = [compressor.compress(chunk, fin) for compressor, _ in pair]
            assert outputs[0] == outputs[1]
            limit = rng.choice([None, len(message), len(message) + 10])
            results = [
                outcome(decompressor.decompress, outputs[0], fin, limit)
                for _, decompressor in pair
            ]
            assert results[0] == results[1]
            received.append(results[0][1])
        assert b"".join(received) == message
        for threshold, sample in [(0, True), (128, True), (128, False)]:
            assert PURE.worth_compressing(
                message, threshold, sample
            ) == deflate_compiled.worth_compressing(message, threshold, sample)


@pytest.mark.parametrize("seed", range(4))
def test_twins_fail_identically_on_corrupt_data(deflate_compiled, seed):
    rng = random.Random(seed)
    (compressed,) = oracle_compress([text(rng, 5000)])
    for _ in range(50):
        corrupt = bytearray(compressed)
        for _ in range(rng.randint(1, 5)):
            corrupt[rng.randrange(len(corrupt))] = rng.randrange(256)
        limit = rng.choice([None, 100, 5000])
        results = [
            outcome(module.Decompressor(15).decompress, bytes(corrupt), True, limit)
            for module in (PURE, deflate_compiled)
        ]
        assert results[0] == results[1]


def test_compiled_twin_rejects_concurrent_calls(deflate_compiled):
    # zlib runs without the GIL; a second thread calling the same compressor
    # meanwhile gets an exception instead of corrupting the stream.
    compressor = deflate_compiled.Compressor(15, level=9)
    data = random.Random(3).randbytes(20_000_000)
    worker = threading.Thread(target=compressor.compress, args=(data, True))
    errors = []
    worker.start()
    try:
        while worker.is_alive() and not errors:
            try:
                compressor.compress(b"x", False)
            except RuntimeError as exc:
                errors.append(str(exc))
    finally:
        worker.join(timeout=60)
    assert errors == ["Compressor is already in use by another thread"]


def test_worth_compressing_boundary_of_distinct_byte_values(deflate_twin):
    limit = deflate_twin.INCOMPRESSIBLE_DISTINCT_BYTES
    for distinct, expected in [(limit, True), (limit + 1, False)]:
        # Each half of the 1024-byte sample holds the same ``distinct`` values.
        half = (bytes(range(distinct)) * 3)[:512]
        assert len(set(half)) == distinct
        assert deflate_twin.worth_compressing(half * 2, 0) is expected
