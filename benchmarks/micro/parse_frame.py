"""
Micro-benchmark of WebSocket frame parsing and building: compiled vs pure
Python vs peers.

Run from the repository root, after building the extensions in place::

    .venv/bin/python -m benchmarks.micro.parse_frame            # ours only
    .venv/bin/python -m benchmarks.micro.parse_frame --peers    # + websockets 17.4

Parsing: a stream of about 1 MiB of masked BINARY frames (payloads of 16 B,
1 KiB or 64 KiB, i.e. what a server receives) is fed in 64 KiB chunks, like
socket reads, and every chunk is parsed into :class:`~websockets.frames.Frame`
objects. One call parses the whole stream; the table shows frames per second.

Building: one masked frame serialized per call with ``build_frame``.

With ``--peers``, the same streams go through the Sans-I/O ``Protocol`` of
websockets 17.4 (``receive_data`` then ``events_received``) and the same
frames through its ``Frame.serialize``, in ``benchmarks/.venv-peers``, a
virtualenv created on first use. This file runs there too, as a subprocess
with ``--peer-worker``; in that mode it imports only upstream ``websockets``
and :mod:`common`.

Results go to ``benchmarks/results/`` as JSON and to stdout as a table.

"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
from collections.abc import Callable
from typing import Any


HERE = pathlib.Path(__file__).resolve().parent
PEERS_VENV = HERE.parent / ".venv-peers"
PEERS_REQUIREMENTS = ["websockets==17.4", "aiohttp"]

if __package__:
    from .common import Case, Result, run, write_json
else:  # --peer-worker, run as a script in the peers' virtualenv
    sys.path.insert(0, str(HERE))
    from common import Case, Result, run, write_json  # type: ignore[no-redef]


SIZES = [16, 1 << 10, 64 << 10]
STREAM_SIZE = 1 << 20
CHUNK_SIZE = 64 << 10
MASK_KEY = b"\x37\xfa\x21\x3d"


def make_stream(size: int, build: Callable[..., bytes]) -> tuple[bytes, int]:
    """Return a stream of masked BINARY frames with ``size``-byte payloads."""
    frame = build(2, os.urandom(size), True, 0, MASK_KEY)
    count = max(STREAM_SIZE // len(frame), 16)
    return frame * count, count


def chunks_of(stream: bytes) -> list[bytes]:
    return [stream[i : i + CHUNK_SIZE] for i in range(0, len(stream), CHUNK_SIZE)]


def parser_case(label: str, module: Any, size: int) -> tuple[Case, int]:
    """Time parsing one stream with a fresh ``FrameParser`` of ``module``."""
    stream, count = make_stream(size, module.build_frame)
    chunks = chunks_of(stream)
    FrameParser = module.FrameParser

    def parse() -> None:
        parser = FrameParser(mask=True, max_size=None)
        feed = parser.feed
        frames = parser.frames
        received = 0
        for chunk in chunks:
            feed(chunk)
            received += len(frames())
        assert received == count

    return Case(label, size, parse), count


def build_case(label: str, build: Callable[..., bytes], size: int) -> Case:
    data = os.urandom(size)
    return Case(label, size, lambda: build(2, data, True, 0, MASK_KEY))


# Peers, measured in benchmarks/.venv-peers.


def peer_worker(min_time: float, repeat: int) -> None:
    """Measure websockets 17.4; print results as JSON on stdout."""
    import importlib.metadata
    import secrets
    from unittest import mock

    from websockets.frames import Frame, Opcode
    from websockets.protocol import Protocol, Side, State

    version = importlib.metadata.version("websockets")

    def upstream_build(
        opcode: int, data: bytes, fin: bool, rsv: int, mask_key: bytes
    ) -> bytes:
        with mock.patch.object(secrets, "token_bytes", return_value=mask_key):
            return Frame(Opcode(opcode), data, fin).serialize(mask=True)

    cases, counts = [], {}
    for size in SIZES:
        stream, count = make_stream(size, upstream_build)
        chunks = chunks_of(stream)

        def parse(chunks: list[bytes] = chunks, count: int = count) -> None:
            protocol = Protocol(Side.SERVER, state=State.OPEN, max_size=None)
            received = 0
            for chunk in chunks:
                protocol.receive_data(chunk)
                received += len(protocol.events_received())
            assert received == count

        label = f"websockets {version} Protocol.receive_data"
        cases.append(Case(label, size, parse))
        counts[label, size] = count
    for size in SIZES:
        frame = Frame(Opcode.BINARY, os.urandom(size))
        # Frame.serialize draws a mask with secrets.token_bytes(4), which
        # costs about 0.3 µs: that's part of what websockets does per frame.
        cases.append(
            Case(
                f"websockets {version} Frame.serialize",
                size,
                lambda f=frame: f.serialize(mask=True),
            )
        )
    results = run("parse_frame peers", cases, min_time=min_time, repeat=repeat)
    json.dump(
        {
            "versions": {"websockets": version},
            "results": [result.as_dict() for result in results],
            "counts": [[label, size, count] for (label, size), count in counts.items()],
        },
        sys.stdout,
    )


def ensure_peers_venv() -> pathlib.Path:
    """Create ``benchmarks/.venv-peers`` if needed; return its interpreter."""
    python = PEERS_VENV / ("Scripts" if os.name == "nt" else "bin") / "python"
    if not python.exists():
        base = getattr(sys, "_base_executable", sys.executable)
        print(f"creating {PEERS_VENV} with {base}", file=sys.stderr)
        subprocess.run([base, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *PEERS_REQUIREMENTS],
            check=True,
        )
    return python


def run_peers(
    min_time: float, repeat: int
) -> tuple[list[Result], dict[tuple[str, int], int], dict[str, str]]:
    python = ensure_peers_venv()
    # -I keeps the repository, and thus our websockets package, off sys.path.
    output = subprocess.run(
        [
            str(python),
            "-I",
            str(pathlib.Path(__file__).resolve()),
            "--peer-worker",
            "--min-time",
            str(min_time),
            "--repeat",
            str(repeat),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=PEERS_VENV,
    )
    document = json.loads(output.stdout)
    results = [Result.from_dict(value) for value in document["results"]]
    counts = {(label, size): count for label, size, count in document["counts"]}
    return results, counts, document["versions"]


def print_frames_table(
    results: list[Result], counts: dict[tuple[str, int], int], title: str
) -> None:
    """Print frames per second: one row per label, one column per payload size."""
    labels = list(dict.fromkeys(result.label for result in results))
    cells = {(result.label, result.size): result for result in results}
    header = ["frames/s"] + [
        f"{size // 1024} KiB" if size >= 1024 else f"{size} B" for size in SIZES
    ]
    rows = [header]
    for label in labels:
        row = [label]
        for size in SIZES:
            result = cells.get((label, size))
            if result is None:
                row.append("")
                continue
            rate = counts.get((label, size), 1) / result.seconds
            row.append(f"{rate / 1e6:.3f} M" if rate >= 1e6 else f"{rate / 1e3:,.1f} k")
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print(title)
    for index, row in enumerate(rows):
        print(
            "  ".join(
                [row[0].ljust(widths[0])]
                + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            )
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also measure websockets 17.4 in benchmarks/.venv-peers",
    )
    parser.add_argument(
        "--min-time", type=float, default=0.1, help="seconds per timed loop"
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
    parser.add_argument("--peer-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.peer_worker:
        peer_worker(args.min_time, args.repeat)
        return

    from websockets._pure import framing as pure

    try:
        from websockets._speedups import framing as compiled
    except ImportError:  # pragma: no cover
        print(
            "websockets._speedups.framing isn't built: measuring pure Python only",
            file=sys.stderr,
        )
        compiled = None

    twins = (
        [("compiled", compiled), ("pure", pure)]
        if compiled is not None
        else [("pure", pure)]
    )
    cases, counts = [], {}
    for name, module in twins:
        for size in SIZES:
            case, count = parser_case(f"{name} FrameParser", module, size)
            cases.append(case)
            counts[case.label, size] = count
    for name, module in twins:
        for size in SIZES:
            cases.append(build_case(f"{name} build_frame", module.build_frame, size))
    results = run("parse_frame", cases, min_time=args.min_time, repeat=args.repeat)

    extra: dict[str, Any] = {
        "stream_size": STREAM_SIZE,
        "chunk_size": CHUNK_SIZE,
        "counts": [[label, size, count] for (label, size), count in counts.items()],
    }
    if args.peers:
        peer_results, peer_counts, versions = run_peers(args.min_time, args.repeat)
        results += peer_results
        counts.update(peer_counts)
        extra["peers"] = versions
        extra["counts"] = [
            [label, size, count] for (label, size), count in counts.items()
        ]

    parse_results = [
        result for result in results if (result.label, result.size) in counts
    ]
    build_results = [
        result for result in results if (result.label, result.size) not in counts
    ]
    print_frames_table(
        parse_results,
        counts,
        "Parsing masked frames from ~1 MiB streams fed in 64 KiB chunks (higher is better)",
    )
    print()
    print_frames_table(
        build_results, {}, "Building one masked frame per call (higher is better)"
    )
    if not args.no_json:
        path = write_json("parse_frame", results, extra=extra)
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
