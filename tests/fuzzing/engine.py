"""
A small mutation-based fuzzing engine, for when atheris isn't available.

It isn't coverage-guided: it mutates the seed corpus and the inputs it
generated, at random, with a seeded generator so that a run can be
replayed. The pytest smoke test uses it to run a fixed number of inputs
through every target; ``python -m tests.fuzzing.run --engine random`` runs
longer campaigns.

"""

from __future__ import annotations

import hashlib
import pathlib
import random
import time
import traceback
from collections.abc import Callable


__all__ = ["CORPUS", "load_corpus", "mutate", "Failure", "fuzz_random"]


CORPUS = pathlib.Path(__file__).parent / "corpus"
"""Seed corpora, one directory per target."""

# Values that sit on boundaries of the formats under test: payload length
# markers (RFC 6455 §5.2), opcodes, UTF-8 lead bytes, CR and LF.
INTERESTING = [
    0x00, 0x01, 0x7D, 0x7E, 0x7F, 0x80, 0x81, 0x82, 0x88, 0x89, 0x8A, 0xC1,
    0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x0D, 0x0A,
    0x20, 0x3A,
]  # fmt: skip

MAX_LENGTH = 1 << 16


def load_corpus(target: str) -> list[bytes]:
    """Read the seed files of ``target``, sorted by name."""
    directory = CORPUS / target
    return [path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file()]


def mutate(data: bytes, pool: list[bytes], rng: random.Random) -> bytes:
    """Apply one to four random mutations to ``data``."""
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.randrange(9)
        position = rng.randint(0, len(buffer))
        if choice == 0 and buffer:  # flip a bit
            index = rng.randrange(len(buffer))
            buffer[index] ^= 1 << rng.randrange(8)
        elif choice == 1 and buffer:  # set a byte
            buffer[rng.randrange(len(buffer))] = rng.randrange(256)
        elif choice == 2 and buffer:  # set an interesting byte
            buffer[rng.randrange(len(buffer))] = rng.choice(INTERESTING)
        elif choice == 3:  # insert random bytes
            buffer[position:position] = rng.randbytes(rng.randint(1, 8))
        elif choice == 4 and buffer:  # delete a range
            del buffer[position : position + rng.randint(1, 16)]
        elif choice == 5 and buffer:  # duplicate a range
            start = rng.randrange(len(buffer))
            buffer[position:position] = buffer[start : start + rng.randint(1, 64)]
        elif choice == 6 and pool:  # splice another input
            other = rng.choice(pool)
            start = rng.randint(0, len(other))
            buffer[position:] = other[start:]
        elif choice == 7 and buffer:  # truncate
            del buffer[position:]
        elif choice == 8 and buffer:  # change the parameters at the end
            index = len(buffer) - 1 - rng.randrange(min(len(buffer), 8))
            buffer[index] = rng.randrange(256)
    return bytes(buffer[:MAX_LENGTH])


class Failure(Exception):
    """An input made a target raise; ``data`` reproduces it."""

    def __init__(self, target: str, data: bytes, details: str) -> None:
        super().__init__(
            f"{target} failed on {data[:64]!r}... ({len(data)} bytes):\n{details}"
        )
        self.target = target
        self.data = data


def fuzz_random(
    target: str,
    function: Callable[[bytes], None],
    *,
    runs: int | None = None,
    duration: float | None = None,
    seed: int = 0,
    artifacts: pathlib.Path | None = None,
) -> int:
    """
    Run ``function`` on the corpus, then on mutated inputs.

    Stops after ``runs`` mutated inputs or ``duration`` seconds, whichever
    comes first. Returns the number of inputs that ran.

    Raises:
        Failure: On the first input that makes ``function`` raise; when
            ``artifacts`` is set, the input is saved there first.

    """
    rng = random.Random(f"{target}:{seed}")
    corpus = load_corpus(target)
    pool = list(corpus)
    deadline = None if duration is None else time.monotonic() + duration
    count = 0

    def attempt(data: bytes) -> None:
        try:
            function(data)
        except Exception:
            if artifacts is not None:
                artifacts.mkdir(parents=True, exist_ok=True)
                name = f"crash-{target}-{hashlib.sha1(data).hexdigest()}"
                (artifacts / name).write_bytes(data)
            raise Failure(target, data, traceback.format_exc()) from None

    for data in corpus:
        attempt(data)
        count += 1
    while (runs is None or count - len(corpus) < runs) and (
        deadline is None or time.monotonic() < deadline
    ):
        data = mutate(rng.choice(pool), pool, rng)
        attempt(data)
        count += 1
        # Keep some mutants as parents, to reach further from the seeds.
        if rng.random() < 0.1:
            pool.append(data)
            if len(pool) > 512:
                del pool[len(corpus) + rng.randrange(len(pool) - len(corpus))]
    return count
