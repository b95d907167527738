"""The measuring process of the interleaved A/B comparison (python -m suite.tools.ab).

    python suite/tools/ab_worker.py --checkout DIR --out FILE [--probe] [--bench GLOB ...]
                                    [--threads N] [--budget-s S] [--device cpu] [--plant F]

`ab` starts one fresh process of this script per side and pair, run by that side's
interpreter with that side's checkout first on sys.path, so that `torch` and the workloads
(suite/benchmarks/workloads.py of the checkout) are the side's own. The timing loop is this
file, taken from the checkout `ab` runs from, on both sides: only what is measured differs
between A and B, never how. It imports nothing of the suite but the checkout's workloads
and environment record, and writes its answer as JSON to --out (stdout may carry anything
torch prints).

The answer: the side's environment record, the benchmark names it offers, those the --bench
globs select (`*` and `?` are wildcards, brackets are literal: the names contain them), and,
unless --probe, each selected benchmark timed once, in the side's catalog order: warm-up,
then rounds of calls (a round lasts at least MIN_ROUND_S) until --budget-s, with the garbage
collector paused, as seconds per call of every round.

--plant F (for measuring the comparison's power only; `ab --plant-slowdown-b` passes it to
side B): every timed call busy-waits after the workload until it has lasted (1 + F) times
its own duration, i.e. F more work on every call, whatever the machine's load. Side A runs
the same wrapper with F = 0.

Exit status: 0 done; 3 this side cannot run (torch or the workloads cannot be imported, an
a selection that matches nothing, an unavailable device), with one line on stderr.
"""

import argparse
import fnmatch
import gc
import json
import math
import sys
import time
from functools import partial
from pathlib import Path

WARMUP_MIN_CALLS = 2
WARMUP_MIN_S = 0.1
MIN_ROUND_S = 0.002
MIN_ROUNDS = 5
MATMUL_SIZES = (256, 1024, 2048)  # those of suite/benchmarks/test_bench_matmul.py
DATALOADER_WORKERS = (0, 2)  # those of suite/benchmarks/test_bench_data.py
CANNOT_RUN = 3


class CannotRun(Exception):
    pass


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="ab_worker")
    parser.add_argument("--checkout", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--probe", action="store_true")
    parser.add_argument("--bench", action="append", default=[])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--budget-s", type=float, default=0.3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--plant", type=float, default=0.0)
    return parser.parse_args(argv)


def import_side(checkout: Path):
    """(torch, workloads module, environment module) of this side."""
    sys.path[0] = str(checkout)  # instead of this script's folder: the side's checkout first
    try:
        import torch
    except Exception as error:
        raise CannotRun(f"cannot import torch: {type(error).__name__}: {error}") from None
    try:
        import suite
        from suite import environment
        from suite.benchmarks import workloads
    except Exception as error:
        raise CannotRun(f"cannot import the benchmarks' workloads from {checkout}: "
                        f"{type(error).__name__}: {error}") from None
    where = Path(suite.__file__).resolve().parent.parent
    if where != checkout.resolve():
        raise CannotRun(f"imported the suite from {where}, not from the checkout {checkout}")
    return torch, workloads, environment


def catalog(torch, workloads, device) -> dict:
    """{name: builder of the timed callable}, named as the benchmarks' pytest ids."""
    d = device.type
    builders = {}
    for size in MATMUL_SIZES:
        builders[f"test_matmul[{d}-float32-{size}]"] = (
            lambda size=size: workloads.matmul_call(device, torch.float32, size)[0])
    for case in workloads.CONV_CASES:
        for pass_ in workloads.PASSES:
            builders[f"test_conv2d[{d}-{pass_}-{case.name}]"] = partial(
                workloads.conv_call, device, case, pass_)
    for case, (model, optimizer, lr, batch) in workloads.TRAINING_CASES.items():
        builders[f"test_training_step[{d}-{case}]"] = partial(
            workloads.training_step_call, device, model, optimizer, lr, batch)
    for workers in DATALOADER_WORKERS:
        builders[f"test_dataloader[{d}-workers{workers}]"] = partial(
            workloads.dataloader_epoch_call, device, workers)
    return builders


def glob_of(pattern: str) -> str:
    """fnmatch's pattern for a --bench glob: brackets stand for themselves."""
    return "".join({"[": "[[]", "]": "[]]"}.get(char, char) for char in pattern)


def resolve(patterns, names) -> list:
    """The names (in their order) that any pattern matches; CannotRun for a pattern that
    matches none."""
    for pattern in patterns:
        if not fnmatch.filter(names, glob_of(pattern)):
            raise CannotRun(f"--bench {pattern!r} matches none of the {len(names)} benchmarks "
                            "of this side (python -m suite.tools.ab --list shows them)")
    return [name for name in names
            if any(fnmatch.fnmatchcase(name, glob_of(pattern)) for pattern in patterns)]


def planted_call(fn, synchronize, plant: float):
    """The timed call: fn, a device synchronization, then (plant > 0) a busy wait to stretch
    the call to (1 + plant) times its own duration."""
    clock = time.perf_counter

    def call():
        start = clock()
        fn()
        synchronize()
        until = start + (clock() - start) * (1.0 + plant)
        while clock() < until:
            pass

    return call


def time_rounds(call, budget_s: float) -> list:
    """Seconds per call of each round, after the warm-up (the first call is left out of the
    warm-up's estimate: it carries the one-time costs)."""
    start = time.perf_counter()
    call()
    first_done = now = time.perf_counter()
    calls = 1
    while calls < WARMUP_MIN_CALLS or now - start < WARMUP_MIN_S:
        call()
        calls += 1
        now = time.perf_counter()
    per_call = (now - first_done) / (calls - 1)
    iterations = max(1, math.ceil(MIN_ROUND_S / max(per_call, 1e-9)))
    rounds = []
    gc.collect()
    gc.disable()
    try:
        begin = time.perf_counter()
        while len(rounds) < MIN_ROUNDS or time.perf_counter() - begin < budget_s:
            round_start = time.perf_counter()
            for _ in range(iterations):
                call()
            rounds.append((time.perf_counter() - round_start) / iterations)
    finally:
        gc.enable()
    return rounds


def measure(args) -> dict:
    torch, workloads, environment = import_side(args.checkout)
    try:
        device = torch.device(args.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise CannotRun("CUDA is not available on this side")
    except RuntimeError as error:
        raise CannotRun(f"device {args.device!r}: {error}") from None
    torch.set_num_threads(args.threads)
    builders = catalog(torch, workloads, device)
    selected = resolve(args.bench, list(builders))
    answer = {"environment": environment.collect(), "benchmarks": list(builders),
              "selected": selected, "rounds": {}}
    if args.probe:
        return answer
    synchronize = ((lambda: torch.cuda.synchronize(device)) if device.type == "cuda"
                   else (lambda: None))
    for name in selected:
        fn = builders[name]()
        answer["rounds"][name] = time_rounds(planted_call(fn, synchronize, args.plant),
                                             args.budget_s)
        del fn  # a DataLoader's workers stop with it
    return answer


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        answer = measure(args)
    except CannotRun as error:
        print(error, file=sys.stderr)
        return CANNOT_RUN
    args.out.write_text(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
