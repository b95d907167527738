"""The measuring process of the interleaved A/B comparison (python -m suite.tools.ab).

    python suite/tools/ab_worker.py --checkout DIR [--bench GLOB ...] [--threads N]
                                    [--device cpu] [--plant F] [--clock wall|cpu] [--cpu N]

`ab` starts one fresh process of this script per side and pair, run by that side's
interpreter with that side's checkout first on sys.path, so that `torch` and the workloads
(suite/benchmarks/workloads.py of the checkout) are the side's own. The timing loop is this
file, taken from the checkout `ab` runs from, on both sides: only what is measured differs
between A and B, never how. It imports nothing of the suite but the checkout's workloads and
environment record.

The process imports torch once, then answers on stdout, one line each after ANSWER (other
lines, e.g. what torch prints, are ignored):
  - at start: the side's environment record, the benchmark names it offers, and those the
    --bench globs select (`*` and `?` are wildcards, brackets are literal: the names contain
    them);
  - to each command read from stdin, {"bench": NAME, "budget_s": S}: that benchmark timed for
    S seconds: the first time a warm-up (WARMUP_MIN_CALLS calls and WARMUP_MIN_S) and a garbage
    collection, later a short re-warm-up (the other side ran meanwhile), then rounds of calls
    (a round lasts at least MIN_ROUND_S) with the garbage collector paused, as seconds per
    call of every round.
It exits at end of input. Between commands it waits, idle, while the other side measures:
this is what lets `ab` alternate the two sides every few milliseconds. With --cpu N the
process (and every thread it starts) runs on that CPU only, set before torch is imported:
`ab --pin-cpu` gives both sides the same one.

--plant F (for measuring the comparison's power only; `ab --plant-slowdown-b` passes it to
side B): every timed call busy-waits after the workload until it has lasted (1 + F) times
its own duration, i.e. F more work on every call, whatever the machine's load. Side A runs
the same wrapper with F = 0.

Exit status: 0 done; 3 this side cannot run (torch or the workloads cannot be imported, a
selection that matches nothing, an unavailable device), with one line on stderr.
"""

import argparse
import fnmatch
import gc
import json
import math
import os
import sys
import time
from functools import partial
from pathlib import Path

WARMUP_MIN_CALLS = 2
WARMUP_MIN_S = 0.1
MIN_ROUND_S = 0.002
MIN_ROUNDS = 5
ANSWER = "ANSWER "
# wall: elapsed time; cpu: this process's CPU time (all its threads, not a DataLoader's worker
# processes), which leaves out the time the process waited for a core
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
MATMUL_SIZES = (256, 1024, 2048)  # those of suite/benchmarks/test_bench_matmul.py
DATALOADER_WORKERS = (0, 2)  # those of suite/benchmarks/test_bench_data.py
CANNOT_RUN = 3


class CannotRun(Exception):
    pass


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="ab_worker")
    parser.add_argument("--checkout", required=True, type=Path)
    parser.add_argument("--bench", action="append", default=[])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--plant", type=float, default=0.0)
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="wall")
    parser.add_argument("--cpu", type=int)
    return parser.parse_args(argv)


def pin(cpu) -> None:
    if cpu is None:
        return
    try:
        os.sched_setaffinity(0, {cpu})
    except (AttributeError, OSError, ValueError) as error:
        raise CannotRun(f"cannot run on CPU {cpu}: {error}") from None


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


def planted_call(fn, synchronize, plant: float, clock=time.perf_counter):
    """The timed call: fn, a device synchronization, then (plant > 0) a busy wait to stretch
    the call to (1 + plant) times its own duration on `clock`."""

    def call():
        start = clock()
        fn()
        synchronize()
        until = start + (clock() - start) * (1.0 + plant)
        while clock() < until:
            pass

    return call


def warm_up(call, min_calls: int, min_s: float) -> float:  # in wall time, whatever the clock
    """Call until both minimums are met; seconds per call, the first call left out (it
    carries the one-time costs)."""
    start = time.perf_counter()
    call()
    first_done = now = time.perf_counter()
    calls = 1
    while calls < min_calls or now - start < min_s:
        call()
        calls += 1
        now = time.perf_counter()
    return (now - first_done) / (calls - 1)


def time_rounds(call, iterations: int, budget_s: float, clock=time.perf_counter) -> list:
    """Seconds per call (on `clock`) of each round of `iterations` calls, for `budget_s` of
    wall time (at least MIN_ROUNDS rounds)."""
    rounds = []
    gc.disable()
    try:
        begin = time.perf_counter()
        while len(rounds) < MIN_ROUNDS or time.perf_counter() - begin < budget_s:
            round_start = clock()
            for _ in range(iterations):
                call()
            rounds.append((clock() - round_start) / iterations)
    finally:
        gc.enable()
    return rounds


class Benchmarks:
    """The selected benchmarks of this process, each built and warmed up when first timed."""

    def __init__(self, builders, synchronize, plant, clock):
        self.builders, self.synchronize, self.plant, self.clock = builders, synchronize, plant, clock
        self.calls, self.iterations = {}, {}

    def measure(self, name: str, budget_s: float) -> list:
        if name not in self.calls:
            call = planted_call(self.builders[name](), self.synchronize, self.plant, self.clock)
            per_call = warm_up(call, WARMUP_MIN_CALLS, WARMUP_MIN_S)
            self.calls[name] = call
            self.iterations[name] = max(1, math.ceil(MIN_ROUND_S / max(per_call, 1e-9)))
            gc.collect()  # once: a collection costs tens of ms with torch loaded, a turn 10
        else:
            warm_up(self.calls[name], WARMUP_MIN_CALLS, 0.0)
        return time_rounds(self.calls[name], self.iterations[name], budget_s, self.clock)


def answer(document: dict) -> None:
    print(ANSWER + json.dumps(document), flush=True)


def serve(args) -> None:
    pin(args.cpu)
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
    answer({"environment": environment.collect(), "benchmarks": list(builders),
            "selected": selected})
    synchronize = ((lambda: torch.cuda.synchronize(device)) if device.type == "cuda"
                   else (lambda: None))
    benchmarks = Benchmarks({name: builders[name] for name in selected}, synchronize, args.plant,
                            CLOCKS[args.clock])
    for line in sys.stdin:
        command = json.loads(line)
        answer({"rounds": benchmarks.measure(command["bench"], command["budget_s"])})


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        serve(args)
    except CannotRun as error:
        print(error, file=sys.stderr)
        return CANNOT_RUN
    return 0


if __name__ == "__main__":
    sys.exit(main())
