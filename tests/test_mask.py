"""
Tests for the masking kernel, both twins and every SIMD loop.

Every test that takes the ``impl`` fixture runs once against the pure-Python
twin and once per masking loop of the compiled twin that this CPU supports
(``compiled-avx2``, ``compiled-sse2``, ``compiled-word``). The expected
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
from hypothesis import given, settings, strategies as st

from websockets._accel import REGISTRY


ROOT = pathlib.Path(__file__).resolve().parent.parent

PURE, COMPILED = REGISTRY["mask"]

VARIANTS = list(COMPILED._supported_implementations()) if COMPILED else []
DEFAULT_VARIANT = COMPILED.IMPLEMENTATION if COMPILED else None

IMPLS = [("pure", PURE, None)] + [
    (f"compiled-{variant}", COMPILED, variant) for variant in VARIANTS
]


@pytest.fixture(params=IMPLS, ids=[name for name, _, _ in IMPLS])
def impl(request):
    """Module under test, with the requested masking loop selected."""
    _, module, variant = request.param
    if variant is None:
        yield module
        return
    module._set_implementation(variant)
    try:
        yield module
    finally:
        module._set_implementation(DEFAULT_VARIANT)


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


def test_rfc6455_hello_example(impl):
    # RFC 6455, section 5.7: "A single-frame masked text message" contains
    # "Hello" masked with 0x37 0xfa 0x21 0x3d.
    masked = b"\x7f\x9f\x4d\x51\x58"
    assert impl.apply_mask(masked, b"\x37\xfa\x21\x3d") == b"Hello"


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
def test_apply_mask_known_vectors(impl, data, mask, expected):
    assert impl.apply_mask(data, mask) == expected


def test_apply_mask_is_an_involution(impl):
    data, mask = os.urandom(1000), os.urandom(4)
    assert impl.apply_mask(impl.apply_mask(data, mask), mask) == data


def test_apply_mask_returns_new_bytes(impl):
    data = b"\x00" * 100
    result = impl.apply_mask(data, b"\x00\x00\x00\x00")
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
def test_apply_mask_accepts_data_type(impl, data, raw):
    # Views of any shape, format or stride pattern are masked as their
    # bytes in C order, like websockets.speedups.apply_mask.
    assert impl.apply_mask(data, MASK) == reference_mask(raw, MASK)


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
def test_apply_mask_accepts_mask_type(impl, mask):
    expected = reference_mask(DATA, memoryview(mask).tobytes())
    assert impl.apply_mask(DATA, mask) == expected


def test_apply_mask_accepts_keyword_arguments(impl):
    assert impl.apply_mask(data=DATA, mask=MASK) == reference_mask(DATA, MASK)


def test_apply_mask_does_not_modify_its_arguments(impl):
    data, mask = bytearray(DATA), bytearray(MASK)
    impl.apply_mask(data, mask)
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
def test_apply_mask_rejects_bad_input(impl, data, mask, exc_type, message):
    with pytest.raises(exc_type) as raised:
        impl.apply_mask(data, mask)
    assert type(raised.value) is exc_type
    assert str(raised.value) == message


# In-place masking


def test_apply_mask_inplace_rfc6455_hello_example(impl):
    buffer = bytearray(b"\x7f\x9f\x4d\x51\x58")
    assert impl.apply_mask_inplace(buffer, b"\x37\xfa\x21\x3d") is None
    assert buffer == b"Hello"


@pytest.mark.parametrize("offset", list(range(-9, 10)) + [2**31, 2**62 + 1, -(2**63)])
def test_apply_mask_inplace_applies_offset_modulo_4(impl, offset):
    data = os.urandom(77)
    buffer = bytearray(data)
    impl.apply_mask_inplace(buffer, MASK, offset)
    assert buffer == reference_mask(data, MASK, offset % 4)


def test_apply_mask_inplace_accepts_offset_as_keyword(impl):
    buffer = bytearray(DATA)
    impl.apply_mask_inplace(buffer=buffer, mask=MASK, offset=3)
    assert buffer == reference_mask(DATA, MASK, 3)


@pytest.mark.parametrize("size", [0, 1, 5, 33, 200, 4099])
def test_apply_mask_inplace_in_pieces_matches_apply_mask(impl, size):
    # A parser may unmask a payload as it arrives; each piece starts at its
    # position in the payload.
    data = os.urandom(size)
    buffer = bytearray(data)
    cuts = sorted(random.Random(size).sample(range(size + 1), min(size + 1, 6)))
    for start, end in zip([0] + cuts, cuts + [size], strict=True):
        impl.apply_mask_inplace(memoryview(buffer)[start:end], MASK, start)
    assert buffer == impl.apply_mask(data, MASK)


def test_apply_mask_inplace_touches_only_its_view(impl):
    buffer = bytearray(b"\x00" * 64)
    impl.apply_mask_inplace(memoryview(buffer)[3:61], b"\xff\xff\xff\xff")
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
def test_apply_mask_inplace_accepts_buffer_type(impl, make_buffer):
    buffer = make_buffer(DATA)
    impl.apply_mask_inplace(buffer, MASK, 1)
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
def test_apply_mask_inplace_accepts_mask_type(impl, mask):
    buffer = bytearray(DATA)
    impl.apply_mask_inplace(buffer, mask, 2)
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
    impl, buffer, mask, offset, exc_type, message
):
    before = bytes(buffer) if isinstance(buffer, bytearray) else None
    with pytest.raises(exc_type) as raised:
        impl.apply_mask_inplace(buffer, mask, offset)
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


@pytest.mark.parametrize(
    "name, module, variant", IMPLS, ids=[name for name, _, _ in IMPLS]
)
def test_twins_fail_identically(name, module, variant):
    # Every combination of odd arguments gives the same outcome, including
    # the exception type and message, as the pure-Python reference.
    for data in BAD_OBJECTS:
        for mask in BAD_OBJECTS:
            assert outcome(module.apply_mask, data, mask) == outcome(
                PURE.apply_mask, data, mask
            )
            for buffer in (data, bytearray(b"xyz")):
                got = outcome(module.apply_mask_inplace, buffer, mask, 5)
                expected = outcome(PURE.apply_mask_inplace, buffer, mask, 5)
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


def test_apply_mask_matches_reference_at_every_size_and_alignment(impl):
    rng = random.Random(6455)
    # The padding lets memoryview slices start at every offset 0-7 of the
    # allocation, so the SIMD loops see unaligned heads and tails.
    backing = bytearray(rng.randbytes(max(SIZES) + 8))
    for size in SIZES:
        mask = rng.randbytes(4)
        for start in range(8):
            view = memoryview(backing)[start : start + size]
            expected = reference_mask(view, mask)
            assert impl.apply_mask(view, mask) == expected, (size, start)
            if start == 0:
                assert impl.apply_mask(bytes(view), mask) == expected, size


def test_apply_mask_inplace_matches_reference_at_every_size_alignment_and_phase(impl):
    rng = random.Random(5_3)
    backing = bytearray(rng.randbytes(max(SIZES) + 8))
    for size in SIZES:
        mask = rng.randbytes(4)
        for start in range(8):
            phase = rng.randrange(4) if size > 4096 else start % 4
            window = memoryview(backing)[start : start + size]
            original = window.tobytes()
            expected = reference_mask(original, mask, phase)
            impl.apply_mask_inplace(window, mask, phase)
            assert window.tobytes() == expected, (size, start, phase)
            # Unmasking restores the data, and bytes outside the window
            # are untouched, as the next round checks.
            impl.apply_mask_inplace(window, mask, phase)
            assert window.tobytes() == original, (size, start, phase)
        if size <= 4096:
            buffer = bytearray(original)
            impl.apply_mask_inplace(buffer, mask, size)
            assert buffer == reference_mask(original, mask, size % 4), size


@pytest.mark.parametrize(
    "name, module, variant", IMPLS, ids=[name for name, _, _ in IMPLS]
)
def test_twins_agree_on_random_sizes(name, module, variant):
    if variant is not None:
        module._set_implementation(variant)
    try:
        rng = random.Random(f"twins-{name}")
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
            if variant is None:
                # Comparing the pure twin with itself would prove nothing.
                expected = bytearray(reference_mask(view, mask, phase))
                assert module.apply_mask(view, mask) == reference_mask(view, mask)
            else:
                expected = bytearray(view)
                PURE.apply_mask_inplace(expected, mask, phase)
                assert module.apply_mask(view, mask) == PURE.apply_mask(view, mask)
            module.apply_mask_inplace(view, mask, phase)
            assert view == expected
    finally:
        if variant is not None:
            module._set_implementation(DEFAULT_VARIANT)


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=600),
    mask=st.binary(min_size=4, max_size=4),
    start=st.integers(min_value=0, max_value=7),
    offset=st.integers(min_value=-(2**63), max_value=2**63 - 1),
)
def test_property_all_implementations_agree(data, mask, start, offset):
    # Hypothesis doesn't mix with function-scoped fixtures, so this test
    # walks through the implementations itself.
    backing = bytearray(8) + bytearray(data)
    view = memoryview(backing)[start : start + len(data)]
    expected = reference_mask(view, mask)
    expected_inplace = reference_mask(view, mask, offset % 4)
    for _, module, variant in IMPLS:
        if variant is not None:
            module._set_implementation(variant)
        try:
            assert module.apply_mask(view, mask) == expected
            buffer = bytearray(view)
            module.apply_mask_inplace(buffer, mask, offset)
            assert buffer == expected_inplace
        finally:
            if variant is not None:
                module._set_implementation(DEFAULT_VARIANT)


# Choosing the masking loop


def test_pure_implementation_name():
    assert PURE.IMPLEMENTATION == "python"


def test_compiled_implementation_is_the_fastest_supported_loop():
    # Also sanity-checks the variant list in pure mode: it must be empty.
    if COMPILED is None:
        assert VARIANTS == []
        return
    assert set(VARIANTS) <= {"word", "sse2", "avx2"}
    assert VARIANTS[0] == "word"
    forced = os.environ.get("WEBSOCKETS_MASK_IMPL")
    assert COMPILED.IMPLEMENTATION == (forced or VARIANTS[-1])


def test_set_implementation_switches_loop(impl):
    if impl is PURE:
        assert not hasattr(PURE, "_set_implementation")
        return
    for variant in VARIANTS:
        impl._set_implementation(variant)
        assert impl.IMPLEMENTATION == variant
        assert impl.apply_mask(DATA, MASK) == reference_mask(DATA, MASK)


@pytest.mark.parametrize("name", ["", "AVX2", "avx512", "neon", "python", None, 2])
def test_set_implementation_rejects_unknown_loop(impl, name):
    if impl is PURE:
        return
    before = impl.IMPLEMENTATION
    with pytest.raises(ValueError) as raised:
        impl._set_implementation(name)
    assert str(raised.value) == (
        f"unknown mask implementation {name!r}: expected 'word', 'sse2' or 'avx2'"
    )
    assert impl.IMPLEMENTATION == before


def run_with_mask_impl(value):
    env = {**os.environ, "WEBSOCKETS_MASK_IMPL": value, "PYTHONPATH": str(ROOT)}
    env.pop("WEBSOCKETS_NO_SPEEDUPS", None)
    code = (
        "import websockets._speedups.mask as m;"
        "print(m.IMPLEMENTATION, m.apply_mask(bytes(100), b'\\x01\\x02\\x03\\x04').hex())"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_environment_variable_forces_each_loop():
    # One subprocess per variant, since the variable is read at import time.
    # Without the compiled twin there's nothing to force: the pure twin
    # ignores the variable.
    if COMPILED is None:
        assert PURE.IMPLEMENTATION == "python"
        return
    expected = bytes.fromhex("01020304") * 25
    for variant in VARIANTS:
        process = run_with_mask_impl(variant)
        assert process.returncode == 0, process.stderr
        assert process.stdout.split() == [variant, expected.hex()]


def test_environment_variable_rejects_unknown_loop():
    if COMPILED is None:
        assert PURE.IMPLEMENTATION == "python"
        return
    process = run_with_mask_impl("avx1024")
    assert process.returncode == 1
    assert process.stderr.strip().splitlines()[-1] == (
        "ValueError: WEBSOCKETS_MASK_IMPL: unknown mask implementation "
        "'avx1024': expected 'word', 'sse2' or 'avx2'"
    )
