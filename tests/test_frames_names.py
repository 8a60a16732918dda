"""Names of websockets.frames that 17.4 defines: is_utf8_fragment, logs of frames."""

from __future__ import annotations

import pytest

from tests.compat.twin_run import run_twins
from websockets import frames
from websockets.frames import Frame, Opcode, is_utf8_fragment


@pytest.mark.parametrize(
    "data, start_clean, end_clean, expected",
    [
        (b"", True, True, True),
        ("café".encode(), True, True, True),
        # A character cut at the end continues in the next fragment.
        ("é".encode()[:1], False, False, True),
        ("é".encode()[:1], False, True, False),
        # A character cut at the start began in the previous fragment.
        ("€".encode()[1:], False, True, True),
        ("€".encode()[1:], True, True, False),
        # At most three continuation bytes start a fragment.
        (b"\x80\x80\x80\x80", False, True, False),
        # Invalid sequences aren't fragments of text.
        (b"\xff", False, False, False),
        (b"\xed\xa0\x80", False, False, False),
        (b"a\x80", False, False, False),
    ],
)
def test_is_utf8_fragment(data, start_clean, end_clean, expected):
    assert is_utf8_fragment(data, start_clean, end_clean) is expected


def test_default_is_text_is_a_class_attribute_not_a_field():
    assert Frame.DEFAULT_IS_TEXT == {
        Opcode.TEXT: True,
        Opcode.BINARY: False,
        Opcode.CLOSE: True,
    }
    assert "DEFAULT_IS_TEXT" not in {
        field.name for field in frames.dataclasses.fields(Frame)
    }


def test_apply_mask_is_listed_and_importable():
    assert "apply_mask" in dir(frames)
    assert (
        frames.apply_mask(b"\x00\x00\x00\x00\x00", b"\x01\x02\x03\x04")
        == b"\x01\x02\x03\x04\x01"
    )


@pytest.mark.parametrize(
    "frame, text",
    [
        (Frame(Opcode.BINARY, b"abc"), "BINARY 'abc' [text, 3 bytes]"),
        (Frame(Opcode.TEXT, b"\x00\x01"), "TEXT 00 01 [binary, 2 bytes]"),
        (
            Frame(Opcode.CONT, b"\xc3", fin=False),
            "CONT '\ufffd' [text, 1 byte, continued]",
        ),
        (Frame(Opcode.PING, "é".encode()), "PING c3 a9 [binary, 2 bytes]"),
        (Frame(Opcode.BINARY, b""), "BINARY '' [0 bytes]"),
        (Frame(Opcode.CLOSE, b"\x03"), "CLOSE 03 [binary, 1 byte]"),
    ],
)
def test_str_guesses_text_like_17_4(frame, text):
    assert str(frame) == text


UTF8_FRAGMENT_PROGRAM = r"""
import itertools
from websockets.frames import is_utf8_fragment

alphabet = [0x61, 0x80, 0xA0, 0xBF, 0xC0, 0xC3, 0xE0, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xF8, 0xFF]
for n in range(4):
    for combo in itertools.product(alphabet, repeat=n):
        data = bytes(combo)
        flags = "".join(
            "1" if is_utf8_fragment(data, start, end) else "0"
            for start in (False, True)
            for end in (False, True)
        )
        print(data.hex(), flags)
"""


def test_is_utf8_fragment_guesses_as_17_4(upstream, tmp_path):
    ours, released = run_twins(upstream, tmp_path, UTF8_FRAGMENT_PROGRAM)
    assert len(released.splitlines()) == 1 + 14 + 14**2 + 14**3
    assert ours == released


FRAME_STR_PROGRAM = r"""
from websockets.frames import Frame, Opcode

payloads = [
    b"", b"abc", b"a\nb", b"a\tb", b"a\r\n", "é\n".encode(), b"\x7f", b"\x00\x01",
    "\u200b".encode(), "\u00a0".encode(), "\u00ad".encode(), "é".encode()[:1],
    "é".encode()[1:], "é".encode() + b"\xc3", b"\xa9" + "é".encode(), b"\x80\x80\x80\x80",
    "😀".encode()[:2], b"\xff\x00", "é".encode() * 50, bytes(100), b"x" * 100,
    b"\x03\xe8ok", b"\x03", b"\x03\xe7", b"\x03\xe8\xff",
]
for opcode in Opcode:
    for payload in payloads:
        for fin in (True, False):
            print(opcode.name, payload[:8], fin, str(Frame(opcode, payload, fin)))
for character in range(0x100):
    print(hex(character), str(Frame(Opcode.TEXT, ("a" + chr(character)).encode())))
"""


def test_str_of_frames_matches_17_4(upstream, tmp_path):
    ours, released = run_twins(upstream, tmp_path, FRAME_STR_PROGRAM)
    assert "BINARY 'abc' [text, 3 bytes]" in released
    assert ours == released
