"""
Micro-benchmark of UTF-8 validation: compiled vs pure Python vs decode().

Run from the repository root, after building the extensions in place::

    .venv/bin/python -m benchmarks.micro.utf8

It times, at 4 KiB, 64 KiB and 1 MiB, on ASCII text and on multibyte text
(Cyrillic, Greek, CJK and emoji words between spaces and punctuation, so
2-, 3- and 4-byte characters mixed with ASCII):

* one-shot: ``validate_utf8(data)`` of the compiled kernel, for every
  pre-pass this CPU supports, and of the pure-Python twin, against
  ``data.decode("utf-8")``, which is what websockets does;
* incremental: the message in 16 fragments, cut without regard for
  character boundaries, fed to ``Utf8Validator.feed()`` of both twins,
  against ``codecs.getincrementaldecoder("utf-8")().decode()``.

Results go to ``benchmarks/results/`` as JSON and to stdout as a table.

"""

from __future__ import annotations

import argparse
import codecs
import functools
import importlib
import random
import sys
from collections.abc import Callable
from types import ModuleType

from websockets._pure import utf8 as pure_utf8

from .common import Case, print_table, run, write_json


compiled_utf8: ModuleType | None
try:
    compiled_utf8 = importlib.import_module("websockets._speedups.utf8")
except ImportError:  # pragma: no cover
    compiled_utf8 = None


SIZES = [4 << 10, 64 << 10, 1 << 20]

FRAGMENTS = 16

WORDS = {
    "ascii": [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "lazy",
        "dog",
        "WebSocket",
        "RFC 6455",
        '{"key": 42}',
    ],
    "multibyte": [
        "привет",
        "мир",
        "съешь",
        "же",
        "ещё",
        "κόσμε",
        "Ελληνικά",
        "日本語",
        "中文字符",
        "한국어",
        "😀",
        "🎉🚀",
        "𝄞",
        "naïve",
        "—",
    ],
}


def make_text(kind: str, size: int) -> bytes:
    """Return ``size`` bytes of valid UTF-8 text of the given kind."""
    rng = random.Random(size)
    words = WORDS[kind]
    parts: list[bytes] = []
    length = 0
    while length < size:
        word = (rng.choice(words) + rng.choice([" ", " ", " ", ", ", ". "])).encode()
        parts.append(word)
        length += len(word)
    # Drop the character cut in the middle at the end; pad with spaces.
    text = b"".join(parts)[:size].decode("utf-8", "ignore").encode()
    text += b" " * (size - len(text))
    assert len(text) == size
    return text


def fragments(data: bytes) -> list[bytes]:
    """Cut ``data`` in :data:`FRAGMENTS` pieces of about the same size."""
    step = -(-len(data) // FRAGMENTS)
    return [data[index : index + step] for index in range(0, len(data), step)]


def feed_all(module: ModuleType, chunks: list[bytes]) -> Callable[[], None]:
    """Return a function that feeds all chunks to a fresh validator."""
    validator_class = module.Utf8Validator
    last = chunks[-1]
    body = chunks[:-1]

    def feed() -> None:
        validator = validator_class()
        for chunk in body:
            validator.feed(chunk)
        validator.feed(last, True)

    return feed


def decode_all(chunks: list[bytes]) -> Callable[[], None]:
    """Return a function that feeds all chunks to a fresh decoder."""
    decoder_class = codecs.getincrementaldecoder("utf-8")
    last = chunks[-1]
    body = chunks[:-1]

    def decode() -> None:
        decoder = decoder_class()
        for chunk in body:
            decoder.decode(chunk)
        decoder.decode(last, True)

    return decode


def compiled_cases(kind: str, variant: str) -> list[Case]:
    """Build the cases for the compiled twin; the caller selects the pre-pass."""
    assert compiled_utf8 is not None
    validate = compiled_utf8.validate_utf8
    result = []
    for size in SIZES:
        data = make_text(kind, size)
        result.append(
            Case(
                f"{kind} one-shot compiled[{variant}]",
                size,
                functools.partial(validate, data),
            )
        )
    for size in SIZES:
        chunks = fragments(make_text(kind, size))
        result.append(
            Case(
                f"{kind} incremental compiled[{variant}]",
                size,
                feed_all(compiled_utf8, chunks),
            )
        )
    return result


def reference_cases(kind: str) -> list[Case]:
    """Build the cases for the pure-Python twin and CPython's decoder."""
    validate = pure_utf8.validate_utf8
    result = []
    for size in SIZES:
        data = make_text(kind, size)
        result.append(
            Case(f"{kind} one-shot pure", size, functools.partial(validate, data))
        )
        result.append(
            Case(
                f"{kind} one-shot bytes.decode",
                size,
                functools.partial(data.decode, "utf-8"),
            )
        )
    for size in SIZES:
        chunks = fragments(make_text(kind, size))
        result.append(
            Case(f"{kind} incremental pure", size, feed_all(pure_utf8, chunks))
        )
        result.append(Case(f"{kind} incremental decoder", size, decode_all(chunks)))
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--variants",
        default="all",
        help="comma-separated pre-passes to measure, or 'all' (default) or 'default'",
    )
    parser.add_argument(
        "--min-time", type=float, default=0.05, help="seconds per timed loop"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="timed loops per case; the best one counts",
    )
    parser.add_argument(
        "--no-json", action="store_true", help="don't write a JSON file"
    )
    args = parser.parse_args(argv)

    if compiled_utf8 is None:
        print(
            "websockets._speedups.utf8 isn't built: measuring pure Python only",
            file=sys.stderr,
        )
        variants: list[str] = []
        default = "python"
    else:
        default = compiled_utf8.IMPLEMENTATION
        if args.variants == "all":
            variants = list(compiled_utf8._supported_implementations())[::-1]
        elif args.variants == "default":
            variants = [default]
        else:
            variants = args.variants.split(",")

    results = []
    try:
        for kind in WORDS:
            for variant in variants:
                assert compiled_utf8 is not None
                # Switch outside the timed loops.
                compiled_utf8._set_implementation(variant)
                results += run(
                    "utf8",
                    compiled_cases(kind, variant),
                    min_time=args.min_time,
                    repeat=args.repeat,
                )
            results += run(
                "utf8",
                reference_cases(kind),
                min_time=args.min_time,
                repeat=args.repeat,
            )
    finally:
        if compiled_utf8 is not None:
            compiled_utf8._set_implementation(default)

    print_table(
        results,
        title=(
            f"UTF-8 validation, GB/s (higher is better); default pre-pass: {default};"
            f" incremental = {FRAGMENTS} fragments"
        ),
    )
    print()
    print_table(results, value="ns")
    if not args.no_json:
        extra: dict[str, object] = {
            "default_variant": default,
            "variants": variants,
            "fragments": FRAGMENTS,
        }
        path = write_json("utf8", results, extra=extra)
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
