"""
Tests for the masking kernel, both twins and every SIMD loop.

Every test that takes the ``mask_twin`` fixture (``tests/twins.py``) runs
once against the pure-Python twin and once per masking loop of the compiled
twin that this CPU supports (``compiled-avx2``, ``compiled-sse2``,
``compiled-word``); tests that take ``mask_compiled`` compare each loop of the
compiled twin with the pure twin. The expected
values come from :func:`reference_mask`, written independently of both
twins, and the expected errors are those of websockets 17.4's C
``websockets.speedups.apply_mask``.

"""

from __future__ import annotations

import array
import os
import pathlib
import random
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.twins import compiled_modules, pure


ROOT = pathlib.Path(__file__).resolve().parent.parent

PURE = pure("mask")


# XOR-ing with one mask byte is a byte translation; slicing every fourth byte
# makes that a C-speed reference that shares no code with either twin.
XOR_TABLES = [bytes(value ^ key for value in range(256)) for key in range(256)]


def reference_mask(data, mask, phase=0):
    data = bytes(data)
    mask = bytes(mask)
    result = bytearray(len(data))
    for index in range(4):
        key = mask[(phase + index) % 4]
        result[index::4] = data[index::4].translate(XOR_TABLES[key])
    return bytes(result)


def test_reference_mask_matches_definition():
    # RFC 6455, section 5.3: j = i MOD 4, transformed-octet-i =
    # original-octet-i XOR masking-key-octet-j.
    data, mask = bytes(range(37)), b"\x12\x34\x56\x78"
    for phase in range(4):
        expected = bytes(
            byte ^ mask[(phase + index) % 4] for index, byte in enumerate(data)
        )
        assert reference_mask(data, mask, phase) == expected


# Known vectors


def test_rfc6455_hello_example(mask_twin):
    # RFC 6455, section 5.7: "A single-frame masked text message" contains
    # "Hello" masked with 0x37 0xfa 0x21 0x3d.
    masked = b"\x7f\x9f\x4d\x51\x58"
    assert mask_twin.apply_mask(masked, b"\x37\xfa\x21\x3d") == b"Hello"


@pytest.mark.parametrize(
    "data, mask, expected",
    [
        (b"", b"1234", b""),
        (b"\x00", b"\x01\x02\x03\x04", b"\x01"),
        (b"\x00" * 9, b"\x01\x02\x03\x04", b"\x01\x02\x03\x04" * 2 + b"\x01"),
        (b"\xff" * 4, b"\x00\xff\x0f\xf0", b"\xff\x00\xf0\x0f"),
        (b"abcdEFGH", b"\x00\x00\x00\x00", b"abcdEFGH"),
        (b"\x00\xff\x00\xff", b"\xaa\xaa\x55\x55", b"\xaa\x55\x55\xaa"),
    ],
)
def test_apply_mask_known_vectors(mask_twin, data, mask, expected):
    assert mask_twin.apply_mask(data, mask) == expected


def test_apply_mask_is_an_involution(mask_twin):
    data, mask = os.urandom(1000), os.urandom(4)
    assert mask_twin.apply_mask(mask_twin.apply_mask(data, mask), mask) == data


def test_apply_mask_returns_new_bytes(mask_twin):
    data = b"\x00" * 100
    result = mask_twin.apply_mask(data, b"\x00\x00\x00\x00")
    assert type(result) is bytes
    assert result == data


# Accepted input types


class BytesSubclass(bytes):
    pass


class BytearraySubclass(bytearray):
    pass


DATA = bytes(range(64))
MASK = b"\x1f\x2e\x3d\x4c"


@pytest.mark.parametrize(
    "data, raw",
    [
        (DATA, DATA),
        (bytearray(DATA), DATA),
        (memoryview(DATA), DATA),
        (memoryview(bytearray(DATA)), DATA),
        (memoryview(DATA)[5:50], DATA[5:50]),
        (memoryview(DATA)[::2], DATA[::2]),
        (memoryview(DATA)[::-1], DATA[::-1]),
        (memoryview(DATA)[1::3], DATA[1::3]),
        (memoryview(DATA).cast("B", (8, 8)), DATA),
        (
            memoryview(DATA).cast("B", (8, 8))[::2],
            memoryview(DATA).cast("B", (8, 8))[::2].tobytes(),
        ),
        (memoryview(DATA).cast("H"), DATA),
        (memoryview(DATA).cast("I")[::2], memoryview(DATA).cast("I")[::2].tobytes()),
        (memoryview(DATA[:4]).cast("i", ()), DATA[:4]),
        (
            memoryview(array.array("i", [1, 2, 3])),
            array.array("i", [1, 2, 3]).tobytes(),
        ),
        (BytesSubclass(DATA), DATA),
        (BytearraySubclass(DATA), DATA),
    ],
    ids=[
        "bytes",
        "bytearray",
        "memoryview",
        "memoryview-bytearray",
        "memoryview-slice",
        "memoryview-step-2",
        "memoryview-reversed",
        "memoryview-step-3",
        "memoryview-2d",
        "memoryview-2d-non-contiguous",
        "memoryview-cast-H",
        "memoryview-cast-I-non-contiguous",
        "memoryview-0d",
        "memoryview-array",
        "bytes-subclass",
        "bytearray-subclass",
    ],
)
def test_apply_mask_accepts_data_type(mask_twin, data, raw):
    # Views of any shape, format or stride pattern are masked as their
    # bytes in C order, like websockets.speedups.apply_mask.
    assert mask_twin.apply_mask(data, MASK) == reference_mask(raw, MASK)


@pytest.mark.parametrize(
    "mask",
    [
        MASK,
        bytearray(MASK),
        memoryview(MASK),
        memoryview(MASK * 2)[::2],
        memoryview(MASK).cast("H"),
        memoryview(MASK).cast("B", (2, 2)),
        BytesSubclass(MASK),
        BytearraySubclass(MASK),
    ],
    ids=[
        "bytes",
        "bytearray",
        "memoryview",
        "memoryview-non-contiguous",
        "memoryview-cast-H",
        "memoryview-2d",
        "bytes-subclass",
        "bytearray-subclass",
    ],
)
def test_apply_mask_accepts_mask_type(mask_twin, mask):
    expected = reference_mask(DATA, memoryview(mask).tobytes())
    assert mask_twin.apply_mask(DATA, mask) == expected


def test_apply_mask_accepts_keyword_arguments(mask_twin):
    assert mask_twin.apply_mask(data=DATA, mask=MASK) == reference_mask(DATA, MASK)


def test_apply_mask_does_not_modify_its_arguments(mask_twin):
    data, mask = bytearray(DATA), bytearray(MASK)
    mask_twin.apply_mask(data, mask)
    assert data == DATA
    assert mask == MASK


# Rejected inputs


class Unrelated:
    pass


def released_memoryview(value):
    view = memoryview(value)
    view.release()
    return view


BAD_APPLY_MASK = [
    ("abcd", MASK, TypeError, "expected a bytes-like object, str found"),
    (42, MASK, TypeError, "expected a bytes-like object, int found"),
    (None, MASK, TypeError, "expected a bytes-like object, NoneType found"),
    (1.5, MASK, TypeError, "expected a bytes-like object, float found"),
    ([1, 2, 3], MASK, TypeError, "expected a bytes-like object, list found"),
    ({}, MASK, TypeError, "expected a bytes-like object, dict found"),
    (Unrelated(), MASK, TypeError, "expected a bytes-like object, Unrelated found"),
    # Buffer exporters other than bytes, bytearray and memoryview are
    # rejected, as by websockets; memoryview() converts them explicitly.
    (
        array.array("b", [1]),
        MASK,
        TypeError,
        "expected a bytes-like object, array.array found",
    ),
    (DATA, "abcd", TypeError, "expected a bytes-like object, str found"),
    (DATA, 1234, TypeError, "expected a bytes-like object, int found"),
    (DATA, None, TypeError, "expected a bytes-like object, NoneType found"),
    (
        DATA,
        array.array("b", [1, 2, 3, 4]),
        TypeError,
        "expected a bytes-like object, array.array found",
    ),
    (DATA, b"", ValueError, "mask must contain 4 bytes"),
    (DATA, b"abc", ValueError, "mask must contain 4 bytes"),
    (DATA, b"abcde", ValueError, "mask must contain 4 bytes"),
    (DATA, bytearray(b"abc"), ValueError, "mask must contain 4 bytes"),
    (DATA, memoryview(b"abcdefgh"), ValueError, "mask must contain 4 bytes"),
    (DATA, memoryview(b"abcdefgh")[::3], ValueError, "mask must contain 4 bytes"),
    (b"", b"abc", ValueError, "mask must contain 4 bytes"),
    # The data is checked before the mask.
    ("abcd", b"abc", TypeError, "expected a bytes-like object, str found"),
    ("abcd", "abcd", TypeError, "expected a bytes-like object, str found"),
    (
        released_memoryview(DATA),
        MASK,
        ValueError,
        "operation forbidden on released memoryview object",
    ),
    (
        DATA,
        released_memoryview(MASK),
        ValueError,
        "operation forbidden on released memoryview object",
    ),
]


@pytest.mark.parametrize(
    "data, mask, exc_type, message",
    BAD_APPLY_MASK,
    ids=[f"{i}-{exc.__name__}" for i, (_, _, exc, _) in enumerate(BAD_APPLY_MASK)],
)
def test_apply_mask_rejects_bad_input(mask_twin, data, mask, exc_type, message):
    with pytest.raises(exc_type) as raised:
        mask_twin.apply_mask(data, mask)
    assert type(raised.value) is exc_type
    assert str(raised.value) == message


# In-place masking


def test_apply_mask_inplace_rfc6455_hello_example(mask_twin):
    buffer = bytearray(b"\x7f\x9f\x4d\x51\x58")
    assert mask_twin.apply_mask_inplace(buffer, b"\x37\xfa\x21\x3d") is None
    assert buffer == b"Hello"


@pytest.mark.parametrize("offset", list(range(-9, 10)) + [2**31, 2**62 + 1, -(2**63)])
def test_apply_mask_inplace_applies_offset_modulo_4(mask_twin, offset):
    data = os.urandom(77)
    buffer = bytearray(data)
    mask_twin.apply_mask_inplace(buffer, MASK, offset)
    assert buffer == reference_mask(data, MASK, offset % 4)


def test_apply_mask_inplace_accepts_offset_as_keyword(mask_twin):
    buffer = bytearray(DATA)
    mask_twin.apply_mask_inplace(buffer=buffer, mask=MASK, offset=3)
    assert buffer == reference_mask(DATA, MASK, 3)


@pytest.mark.parametrize("size", [0, 1, 5, 33, 200, 4099])
def test_apply_mask_inplace_in_pieces_matches_apply_mask(mask_twin, size):
    # A parser may unmask a payload as it arrives; each piece starts at its
    # position in the payload.
    data = os.urandom(size)
    buffer = bytearray(data)
    cuts = sorted(random.Random(size).sample(range(size + 1), min(size + 1, 6)))
    for start, end in zip([0] + cuts, cuts + [size], strict=True):
        mask_twin.apply_mask_inplace(memoryview(buffer)[start:end], MASK, start)
    assert buffer == mask_twin.apply_mask(data, MASK)


def test_apply_mask_inplace_touches_only_its_view(mask_twin):
    buffer = bytearray(b"\x00" * 64)
    mask_twin.apply_mask_inplace(memoryview(buffer)[3:61], b"\xff\xff\xff\xff")
    assert buffer == b"\x00" * 3 + b"\xff" * 58 + b"\x00" * 3


@pytest.mark.parametrize(
    "make_buffer",
    [
        bytearray,
        BytearraySubclass,
        lambda data: memoryview(bytearray(data)),
        lambda data: memoryview(bytearray(data)).cast("H"),
        lambda data: memoryview(bytearray(data)).cast("B", (8, 8)),
        lambda data: memoryview(array.array("b", data)),
    ],
    ids=[
        "bytearray",
        "bytearray-subclass",
        "memoryview",
        "memoryview-cast-H",
        "memoryview-2d",
        "memoryview-array",
    ],
)
def test_apply_mask_inplace_accepts_buffer_type(mask_twin, make_buffer):
    buffer = make_buffer(DATA)
    mask_twin.apply_mask_inplace(buffer, MASK, 1)
    assert memoryview(buffer).tobytes() == reference_mask(DATA, MASK, 1)


@pytest.mark.parametrize(
    "mask",
    [
        bytearray(MASK),
        memoryview(MASK),
        memoryview(bytes(b for b in MASK for _ in "xx"))[::2],
        BytesSubclass(MASK),
    ],
    ids=["bytearray", "memoryview", "memoryview-non-contiguous", "bytes-subclass"],
)
def test_apply_mask_inplace_accepts_mask_type(mask_twin, mask):
    buffer = bytearray(DATA)
    mask_twin.apply_mask_inplace(buffer, mask, 2)
    assert buffer == reference_mask(DATA, MASK, 2)


NOT_WRITABLE = "expected a bytearray or a writable memoryview"

BAD_APPLY_MASK_INPLACE = [
    (DATA, MASK, 0, TypeError, f"{NOT_WRITABLE}, bytes found"),
    ("abcd", MASK, 0, TypeError, f"{NOT_WRITABLE}, str found"),
    (None, MASK, 0, TypeError, f"{NOT_WRITABLE}, NoneType found"),
    (array.array("b", [1]), MASK, 0, TypeError, f"{NOT_WRITABLE}, array.array found"),
    (Unrelated(), MASK, 0, TypeError, f"{NOT_WRITABLE}, Unrelated found"),
    (
        memoryview(DATA),
        MASK,
        0,
        TypeError,
        f"{NOT_WRITABLE}, read-only memoryview found",
    ),
    (
        memoryview(bytearray(DATA)).toreadonly(),
        MASK,
        0,
        TypeError,
        f"{NOT_WRITABLE}, read-only memoryview found",
    ),
    (
        memoryview(bytearray(DATA))[::2],
        MASK,
        0,
        ValueError,
        "memoryview must be C-contiguous",
    ),
    (
        released_memoryview(bytearray(DATA)),
        MASK,
        0,
        ValueError,
        "operation forbidden on released memoryview object",
    ),
    (bytearray(DATA), "abcd", 0, TypeError, "expected a bytes-like object, str found"),
    (
        bytearray(DATA),
        None,
        0,
        TypeError,
        "expected a bytes-like object, NoneType found",
    ),
    (bytearray(DATA), b"abc", 0, ValueError, "mask must contain 4 bytes"),
    (bytearray(DATA), bytearray(b"abcde"), 0, ValueError, "mask must contain 4 bytes"),
    (bytearray(), b"", 0, ValueError, "mask must contain 4 bytes"),
    (
        bytearray(DATA),
        released_memoryview(MASK),
        0,
        ValueError,
        "operation forbidden on released memoryview object",
    ),
    # The buffer is checked before the mask.
    (DATA, b"abc", 0, TypeError, f"{NOT_WRITABLE}, bytes found"),
    (
        bytearray(DATA),
        MASK,
        1.5,
        TypeError,
        "'float' object cannot be interpreted as an integer",
    ),
    (
        bytearray(DATA),
        MASK,
        "1",
        TypeError,
        "'str' object cannot be interpreted as an integer",
    ),
    (
        bytearray(DATA),
        MASK,
        None,
        TypeError,
        "'NoneType' object cannot be interpreted as an integer",
    ),
    (
        bytearray(DATA),
        MASK,
        2**63,
        OverflowError,
        "Python int too large to convert to C ssize_t",
    ),
    (
        bytearray(DATA),
        MASK,
        -(2**63) - 1,
        OverflowError,
        "Python int too large to convert to C ssize_t",
    ),
    # The offset is checked first, as the compiled twin converts it to a C
    # integer while parsing its arguments.
    (
        DATA,
        b"abc",
        1.5,
        TypeError,
        "'float' object cannot be interpreted as an integer",
    ),
]


@pytest.mark.parametrize(
    "buffer, mask, offset, exc_type, message",
    BAD_APPLY_MASK_INPLACE,
    ids=[
        f"{i}-{exc.__name__}"
        for i, (_, _, _, exc, _) in enumerate(BAD_APPLY_MASK_INPLACE)
    ],
)
def test_apply_mask_inplace_rejects_bad_input(
    mask_twin, buffer, mask, offset, exc_type, message
):
    before = bytes(buffer) if isinstance(buffer, bytearray) else None
    with pytest.raises(exc_type) as raised:
        mask_twin.apply_mask_inplace(buffer, mask, offset)
    assert type(raised.value) is exc_type
    assert str(raised.value) == message
    if before is not None:
        assert buffer == before


# Twin parity on arbitrary bad input


BAD_OBJECTS = [
    "x",
    b"",
    b"abc",
    b"abcd",
    bytearray(b"abcd"),
    memoryview(b"abcd"),
    memoryview(bytearray(b"abcd")),
    0,
    1.0,
    None,
    [],
    (),
    {},
    set(),
    object(),
    Unrelated(),
    array.array("B", b"abcd"),
    range(4),
    type,
    Ellipsis,
]


def outcome(func, *args):
    try:
        result = func(*args)
    except Exception as exc:
        return "raised", type(exc), str(exc)
    return "returned", result, None


def test_twins_fail_identically(mask_compiled):
    # Every combination of odd arguments gives the same outcome, including
    # the exception type and message, as the pure-Python reference. Most
    # combinations are wrong in two or three ways at once: the twins must
    # check them in the same order.
    for data in BAD_OBJECTS:
        for mask in BAD_OBJECTS:
            assert outcome(mask_compiled.apply_mask, data, mask) == outcome(
                PURE.apply_mask, data, mask
            )
            for buffer in (data, bytearray(b"xyz")):
                for offset in (5, 1.5, 2**63):
                    got = outcome(
                        mask_compiled.apply_mask_inplace, buffer, mask, offset
                    )
                    expected = outcome(PURE.apply_mask_inplace, buffer, mask, offset)
                    assert got == expected


# Differential tests: every size and alignment, every loop


SIZES = sorted(
    set(range(0, 80))
    | {
        size + delta
        for size in (128, 256, 512, 1024, 4096, 65536)
        for delta in (-1, 0, 1, 3)
    }
    | {100_003, (1 << 20) + 5, 2 << 20}
)


def test_apply_mask_matches_reference_at_every_size_and_alignment(mask_twin):
    rng = random.Random(6455)
    # The padding lets memoryview slices start at every offset 0-7 of the
    # allocation, so the SIMD loops see unaligned heads and tails.
    backing = bytearray(rng.randbytes(max(SIZES) + 8))
    for size in SIZES:
        mask = rng.randbytes(4)
        for start in range(8):
            view = memoryview(backing)[start : start + size]
            expected = reference_mask(view, mask)
            assert mask_twin.apply_mask(view, mask) == expected, (size, start)
            if start == 0:
                assert mask_twin.apply_mask(bytes(view), mask) == expected, size


def test_apply_mask_inplace_matches_reference_at_every_size_alignment_and_phase(
    mask_twin,
):
    rng = random.Random(5_3)
    backing = bytearray(rng.randbytes(max(SIZES) + 8))
    for size in SIZES:
        mask = rng.randbytes(4)
        for start in range(8):
            phase = rng.randrange(4) if size > 4096 else start % 4
            window = memoryview(backing)[start : start + size]
            original = window.tobytes()
            expected = reference_mask(original, mask, phase)
            mask_twin.apply_mask_inplace(window, mask, phase)
            assert window.tobytes() == expected, (size, start, phase)
            # Unmasking restores the data, and bytes outside the window
            # are untouched, as the next round checks.
            mask_twin.apply_mask_inplace(window, mask, phase)
            assert window.tobytes() == original, (size, start, phase)
        if size <= 4096:
            buffer = bytearray(original)
            mask_twin.apply_mask_inplace(buffer, mask, size)
            assert buffer == reference_mask(original, mask, size % 4), size


def test_twins_agree_on_random_sizes(mask_compiled):
    rng = random.Random(f"twins-{mask_compiled.IMPLEMENTATION}")
    source = rng.randbytes((2 << 20) + 8)
    for _ in range(80):
        size = rng.choice(
            [rng.randrange(64), rng.randrange(4096), rng.randrange(2 << 20)]
        )
        start = rng.randrange(8)
        phase = rng.randrange(-8, 8)
        mask = rng.randbytes(4)
        backing = bytearray(source[: size + 8])
        view = memoryview(backing)[start : start + size]
        assert mask_compiled.apply_mask(view, mask) == PURE.apply_mask(view, mask)
        expected = bytearray(view)
        PURE.apply_mask_inplace(expected, mask, phase)
        mask_compiled.apply_mask_inplace(view, mask, phase)
        assert view == expected


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    data=st.binary(max_size=600),
    mask=st.binary(min_size=4, max_size=4),
    start=st.integers(min_value=0, max_value=7),
    offset=st.integers(min_value=-(2**63), max_value=2**63 - 1),
)
def test_property_matches_reference(mask_twin, data, mask, start, offset):
    # The fixture keeps the same twin and loop for every example.
    backing = bytearray(8) + bytearray(data)
    view = memoryview(backing)[start : start + len(data)]
    assert mask_twin.apply_mask(view, mask) == reference_mask(view, mask)
    buffer = bytearray(view)
    mask_twin.apply_mask_inplace(buffer, mask, offset)
    assert buffer == reference_mask(view, mask, offset % 4)


# Choosing the masking loop


def test_pure_implementation_name():
    assert PURE.IMPLEMENTATION == "python"


@pytest.mark.parametrize("module", compiled_modules("mask"))
def test_compiled_implementation_is_the_fastest_supported_loop(module):
    variants = module._supported_implementations()
    assert set(variants) <= {"word", "sse2", "avx2"}
    assert variants[0] == "word"
    forced = os.environ.get("WEBSOCKETS_MASK_IMPL")
    assert module.IMPLEMENTATION == (forced or variants[-1])


@pytest.mark.parametrize("module", compiled_modules("mask"))
def test_set_implementation_switches_loop(module):
    previous = module.IMPLEMENTATION
    try:
        for variant in module._supported_implementations():
            module._set_implementation(variant)
            assert module.IMPLEMENTATION == variant
            assert module.apply_mask(DATA, MASK) == reference_mask(DATA, MASK)
    finally:
        module._set_implementation(previous)


def test_pure_twin_has_one_loop():
    assert not hasattr(PURE, "_set_implementation")
    assert not hasattr(PURE, "_supported_implementations")


@pytest.mark.parametrize("name", ["", "AVX2", "avx512", "neon", "python", None, 2])
def test_set_implementation_rejects_unknown_loop(mask_compiled, name):
    before = mask_compiled.IMPLEMENTATION
    with pytest.raises(ValueError) as raised:
        mask_compiled._set_implementation(name)
    assert str(raised.value) == (
        f"unknown mask implementation {name!r}: expected 'word', 'sse2' or 'avx2'"
    )
    assert mask_compiled.IMPLEMENTATION == before


def run_with_mask_impl(value):
    env = {**os.environ, "WEBSOCKETS_MASK_IMPL": value, "PYTHONPATH": str(ROOT)}
    env.pop("WEBSOCKETS_NO_SPEEDUPS", None)
    code = (
        "import websockets._speedups.mask as m;"
        "print(m.IMPLEMENTATION, m.apply_mask(bytes(100), b'\\x01\\x02\\x03\\x04').hex())"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("module", compiled_modules("mask"))
def test_environment_variable_forces_each_loop(module):
    # One subprocess per variant, since the variable is read at import time.
    expected = bytes.fromhex("01020304") * 25
    for variant in module._supported_implementations():
        process = run_with_mask_impl(variant)
        assert process.returncode == 0, process.stderr
        assert process.stdout.split() == [variant, expected.hex()]


@pytest.mark.parametrize("module", compiled_modules("mask"))
def test_environment_variable_rejects_unknown_loop(module):
    process = run_with_mask_impl("avx1024")
    assert process.returncode == 1
    assert process.stderr.strip().splitlines()[-1] == (
        "ValueError: WEBSOCKETS_MASK_IMPL: unknown mask implementation "
        "'avx1024': expected 'word', 'sse2' or 'avx2'"
    )
