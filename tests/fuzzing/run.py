"""
Run fuzzing campaigns.

Usage::

    python -m tests.fuzzing.run --target frames --time 3600
    python -m tests.fuzzing.run --target all --time 60
    python -m tests.fuzzing.run --target utf8 --engine random --runs 100000
    python -m tests.fuzzing.run --target frames --reproduce crash-1234abcd
    python -m tests.fuzzing.run --write-seeds

With atheris installed (``pip install atheris``), the default engine is
libFuzzer through atheris, coverage-guided on the pure-Python code of
:mod:`websockets`, which is instrumented on import. The compiled kernels
aren't instrumented: they are checked by comparison with their pure twins.
New interesting inputs go to ``--work-dir`` (the seeds in
``tests/fuzzing/corpus/<target>/`` are only read), crashes and divergences
to ``--artifacts``. Arguments after ``--`` go to libFuzzer, e.g. ``--
-jobs=2``.

Without atheris, or with ``--engine random``, a simple mutation engine runs
instead.

"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import traceback
from types import ModuleType

# Don't import websockets here: atheris must instrument it on first import.
from .engine import CORPUS, Failure, fuzz_random
from .targets import TARGETS


DEFAULT_WORK_DIR = pathlib.Path(tempfile.gettempdir()) / "websockets-fuzz"


def have_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


def load_target(name: str, instrument: bool) -> ModuleType:
    from .targets import load

    if not instrument:
        return load(name)
    import atheris

    with atheris.instrument_imports(include=["websockets"]):
        return load(name)


def write_seeds() -> None:
    """Regenerate the seed corpora from the ``seeds()`` of each target."""
    from .targets import load

    for name in TARGETS:
        directory = CORPUS / name
        directory.mkdir(parents=True, exist_ok=True)
        for path in directory.iterdir():
            path.unlink()
        for seed_name, data in load(name).seeds().items():
            (directory / seed_name).write_bytes(data)
        print(f"{name}: wrote {len(list(directory.iterdir()))} seeds to {directory}")


def reproduce(name: str, paths: list[str]) -> int:
    target = load_target(name, instrument=False)
    status = 0
    for path in paths:
        data = pathlib.Path(path).read_bytes()
        try:
            target.fuzz(data)
        except Exception:
            print(f"{path}: FAILED", file=sys.stderr)
            traceback.print_exc()
            status = 1
        else:
            print(f"{path}: ok")
    return status


def run_atheris(name: str, args: argparse.Namespace, extra: list[str]) -> int:
    import atheris

    target = load_target(name, instrument=True)
    work_dir = args.work_dir / name
    work_dir.mkdir(parents=True, exist_ok=True)
    args.artifacts.mkdir(parents=True, exist_ok=True)
    argv = [sys.argv[0], f"-artifact_prefix={args.artifacts}/crash-{name}-"]
    if args.time is not None:
        argv.append(f"-max_total_time={int(args.time)}")
    if args.runs is not None:
        argv.append(f"-runs={args.runs}")
    if args.seed:
        argv.append(f"-seed={args.seed}")
    argv += [
        "-max_len=65536",
        "-rss_limit_mb=2048",
        *extra,
        str(work_dir),
        str(CORPUS / name),
    ]
    atheris.Setup(argv, target.fuzz)
    atheris.Fuzz()  # exits the process
    return 0  # pragma: no cover


def run_random(name: str, args: argparse.Namespace) -> int:
    target = load_target(name, instrument=False)
    runs = args.runs if args.runs is not None or args.time is not None else 10_000
    try:
        count = fuzz_random(
            name,
            target.fuzz,
            runs=runs,
            duration=args.time,
            seed=args.seed,
            artifacts=args.artifacts,
        )
    except Failure as failure:
        print(failure, file=sys.stderr)
        return 1
    print(f"{name}: {count} inputs, no failure")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in argv:
        index = argv.index("--")
        argv, extra = argv[:index], argv[index + 1 :]
    parser = argparse.ArgumentParser(
        prog="python -m tests.fuzzing.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    parser.add_argument("--time", type=float, help="seconds per target")
    parser.add_argument("--runs", type=int, help="inputs per target, besides the seeds")
    parser.add_argument(
        "--engine",
        choices=["atheris", "random"],
        default="atheris" if have_atheris() else "random",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument(
        "--work-dir", type=pathlib.Path, default=DEFAULT_WORK_DIR / "corpus"
    )
    parser.add_argument(
        "--artifacts", type=pathlib.Path, default=DEFAULT_WORK_DIR / "artifacts"
    )
    parser.add_argument(
        "--reproduce", nargs="+", metavar="FILE", help="run these inputs once"
    )
    parser.add_argument(
        "--write-seeds", action="store_true", help="regenerate the seed corpora"
    )
    args = parser.parse_args(argv)

    if args.write_seeds:
        write_seeds()
        return 0
    if args.reproduce:
        if args.target == "all":
            parser.error("--reproduce needs a --target")
        return reproduce(args.target, args.reproduce)

    names = TARGETS if args.target == "all" else (args.target,)
    if args.engine == "random":
        return max(run_random(name, args) for name in names)
    if len(names) == 1:
        return run_atheris(names[0], args, extra)
    # libFuzzer exits the process when it's done: one subprocess per target.
    status = 0
    for name in names:
        command = [
            sys.executable,
            "-m",
            "tests.fuzzing.run",
            "--target",
            name,
            "--engine",
            "atheris",
        ]
        for option in ("time", "runs", "seed"):
            value = getattr(args, option)
            if value is not None:
                command += [f"--{option}", str(value)]
        command += [
            "--work-dir",
            str(args.work_dir),
            "--artifacts",
            str(args.artifacts),
        ]
        if extra:
            command += ["--", *extra]
        print(f"=== {name}", flush=True)
        status = max(status, subprocess.call(command, env=os.environ.copy()))
    return status


if __name__ == "__main__":
    sys.exit(main())
