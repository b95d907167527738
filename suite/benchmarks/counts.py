"""Instruction counts of framework overhead, under callgrind (Note [counts]).

Note [counts]
Wall-clock times of separate processes on a shared machine move by more than any threshold a
user cares about; the number of instructions a workload executes does not. PyTorch gates its
own CPU overhead this way (benchmarks/instruction_counts, on torch.utils.benchmark's
collect_callgrind). Two costs shape the design here:

- `import torch` under valgrind takes about a minute, so the whole tier runs in ONE valgrind
  process (`python -m suite.benchmarks.counts --worker ...` under `valgrind --tool=callgrind
  --instr-atstart=no`): uninstrumented until the first workload is ready, then each repeat is
  bracketed by callgrind client requests (zero the counters, run, dump them under the
  workload's name). torch's own toggles (torch._C._valgrind_toggle) only toggle collection
  and cannot start instrumentation, which makes the whole import instrumented (twice as slow,
  measured); the requests come from a ten-line C helper compiled with gcc at run time and
  called through ctypes (CLIENT_REQUESTS below).
- Counts are exact only for what valgrind runs as natively. MKL and oneDNN pick their code
  path by CPU feature, and valgrind presents a different CPU, so their instructions are not
  what runs natively: each count is split into `kernel` (functions of those libraries, by
  name: KERNEL_MARKS, and code without a symbol, which is their JIT-generated kernels) and
  `overhead` (everything else: dispatch, autograd, Python, the
  allocator, torch's own loops). The gate judges `overhead`. Big BLAS/conv workloads stay on
  wall-clock benchmarks.

What a count depends on is recorded beside it (`dependencies`: torch build, numpy, python,
valgrind, CPU model); the gate refuses to compare counts whose dependencies differ. The
worker pins what would otherwise move counts between identical runs: one thread, a fixed
PYTHONHASHSEED, glibc's malloc thresholds (no adaptive mmap threshold), the garbage collector
frozen and paused, and warm-up calls (lazy initialisation) before the first repeat.
"""

import argparse
import ctypes
import gc
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

CLIENT_REQUESTS = r"""
#include <valgrind/callgrind.h>
void suite_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void suite_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
void suite_zero(void) { CALLGRIND_ZERO_STATS; }
void suite_dump(const char *name) { CALLGRIND_DUMP_STATS_AT(name); }
"""
HEADER = Path("/usr/include/valgrind/callgrind.h")

# glibc: fixed thresholds, so the allocator's adaptive mmap threshold cannot differ between runs
ENVIRONMENT = {
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MALLOC_MMAP_THRESHOLD_": str(1 << 30),
    "MALLOC_TRIM_THRESHOLD_": str(1 << 30),
    "MALLOC_TOP_PAD_": str(1 << 26),
}
# Functions whose code path depends on the CPU valgrind presents (see the Note).
KERNEL_MARKS = ("mkl_", "MKL", "dnnl", "zendnn")  # anywhere in the name: templates, lambdas
# A workload's name: the worker adds one clone() of a batch-sized tensor to each of its calls.
# Only for measuring the gate's power (suite/tools/count_power.py), never set otherwise.
PLANT = "SUITE_COUNTS_PLANT"
WARMUP_CALLS = 12  # natively (uninstrumented): past CPython 3.11's quickening and specialization
DEFAULT_REPEATS = 5
TOP_FUNCTIONS = 200
MIN_REPEATS = 5
DUMP_NAME = re.compile(r"^(?P<workload>[\w.-]+)#(?P<repeat>\d+)$")


class CountsUnavailable(Exception):
    """valgrind, gcc or callgrind.h is missing: the tier cannot run here (the reason says why)."""


# --- the workloads ------------------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    name: str
    what: str  # what is counted, and where the tutorials show it
    build: Callable[[], Callable[[], object]]  # returns the call that is counted
    calls: int = 1  # calls per repeat (the count is reported per call)
    needs_torch: bool = True


def python_loop():
    """Not torch: counts the machinery itself (the test command's one count benchmark)."""
    return lambda: sum(i * i for i in range(1000))


def tensor_from_nested_lists():
    import torch

    data = [[float(i * 16 + j) for j in range(16)] for i in range(16)]
    return lambda: torch.tensor(data)


def from_numpy():
    import numpy as np
    import torch

    array = np.ones((4, 4))
    return lambda: torch.from_numpy(array)


def default_collate_batch():
    import torch
    from torch.utils.data import default_collate

    generator = torch.Generator().manual_seed(0)
    batch = [(torch.rand(1, 28, 28, generator=generator), i % 10) for i in range(64)]
    return lambda: default_collate(batch)


def dataloader_epoch():
    import torch

    generator = torch.Generator().manual_seed(0)
    dataset = torch.utils.data.TensorDataset(torch.rand(256, 1, 28, 28, generator=generator),
                                             torch.randint(0, 10, (256,), generator=generator))
    loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True, num_workers=0,
                                         generator=torch.Generator().manual_seed(0))
    return lambda: sum(len(labels) for _, labels in loader)


def state_dict_round_trip():
    import io

    import torch
    from suite.testing import models

    torch.manual_seed(0)
    state = models.Net().state_dict()

    def round_trip():
        buffer = io.BytesIO()
        torch.save(state, buffer)
        buffer.seek(0)
        return torch.load(buffer, weights_only=True)

    return round_trip


def forward_batch1(model_name, shape):
    def build():
        import torch
        from suite.testing import models

        torch.manual_seed(0)
        model = getattr(models, model_name)().eval()
        x = torch.rand(*shape)

        def forward():
            with torch.no_grad():
                return model(x)

        return forward

    return build


def training_step(case):
    def build():
        from suite.benchmarks import workloads

        import torch
        return workloads.training_step_call(torch.device("cpu"), *workloads.TRAINING_CASES[case])

    return build


def small_layer(kind):
    def build():
        import torch

        torch.manual_seed(0)
        if kind == "conv2d":  # seed 002's Conv2d(1, 6, 3, padding=1) on one 28x28 digit
            layer, x = torch.nn.Conv2d(1, 6, 3, padding=1), torch.rand(1, 1, 28, 28)
        else:  # seed 002's MaxPool2d(2, 2) on conv1's 6x28x28 output
            layer, x = torch.nn.MaxPool2d(2, 2), torch.rand(1, 6, 28, 28)

        def forward():
            with torch.no_grad():
                return layer(x)

        return forward

    return build


WORKLOADS = {w.name: w for w in (
    Workload("python-loop", "a Python generator sum: the counting machinery, without torch",
             python_loop, needs_torch=False),
    Workload("tensor-from-nested-lists", "seed 000 torch.tensor(data), a 16x16 nested list",
             tensor_from_nested_lists, calls=10),
    Workload("from_numpy", "seed 000 torch.from_numpy of a 4x4 ndarray", from_numpy, calls=100),
    Workload("default_collate-batch64", "seed 004 default_collate of 64 (1x28x28, label) samples",
             default_collate_batch),
    Workload("dataloader-epoch-workers0", "seed 004 DataLoader, 256 in-memory samples, batch 64, "
             "shuffle, num_workers=0: one epoch", dataloader_epoch),
    Workload("state_dict-save-load", "seed 002 torch.save/torch.load of Net's state_dict "
             "through BytesIO", state_dict_round_trip),
    Workload("forward-NeuralNetwork-batch1", "seed 002 NeuralNetwork (MLP) forward, batch 1",
             forward_batch1("NeuralNetwork", (1, 28, 28))),
    Workload("forward-Net-batch1", "seed 002 Net (CNN) forward, batch 1",
             forward_batch1("Net", (1, 1, 28, 28))),
    Workload("train-step-mlp_sgd-batch64", "seed 002 MLP, one SGD step at batch 64",
             training_step("mlp_sgd-batch64")),
    Workload("train-step-cnn_adam-batch1", "seed 002 CNN, one Adam step at batch 1",
             training_step("cnn_adam-batch1")),
    Workload("conv2d-1to6-28px-batch1", "seed 002 Conv2d(1, 6, 3, padding=1) forward, batch 1",
             small_layer("conv2d")),
    Workload("max_pool2d-6x28px-batch1", "seed 002 MaxPool2d(2, 2) forward, batch 1",
             small_layer("max_pool2d")),
)}


def select(substrings: str | None) -> list[str]:
    """The workload names containing any of the comma-separated `substrings`, in order."""
    if not substrings:
        return list(WORKLOADS)
    wanted = [part.strip() for part in substrings.split(",") if part.strip()]
    return [name for name in WORKLOADS if any(part in name for part in wanted)]


# --- inside valgrind ------------------------------------------------------------------------

def client_requests(directory: Path):
    """The callgrind client requests as a ctypes library, built with gcc in `directory`."""
    source, library = directory / "requests.c", directory / "librequests.so"
    source.write_text(CLIENT_REQUESTS)
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)],
                   check=True, capture_output=True)
    requests = ctypes.CDLL(str(library))
    requests.suite_dump.argtypes = [ctypes.c_char_p]
    return requests


def with_extra_clone(call):
    import torch

    extra = torch.rand(64, 1, 28, 28)

    def planted():
        extra.clone()
        return call()

    return planted


def worker(names: list[str], repeats: int, library: Path) -> None:
    """Runs under valgrind: each workload, warmed up, then `repeats` dumps of its counts."""
    if any(WORKLOADS[name].needs_torch for name in names):
        import torch

        torch.set_num_threads(1)
    requests = ctypes.CDLL(str(library))
    requests.suite_dump.argtypes = [ctypes.c_char_p]
    for name in names:
        workload = WORKLOADS[name]
        call = workload.build()
        if os.environ.get(PLANT) == name:
            call = with_extra_clone(call)
        for _ in range(WARMUP_CALLS):
            call()
        gc.collect()
        gc.freeze()
        gc.disable()
        requests.suite_start()
        # discarded repeats pay for retranslating the code with instrumentation
        for repeat in ["warm-up", "warm-up", *range(repeats)]:
            requests.suite_zero()
            for _ in range(workload.calls):
                call()
            requests.suite_dump(f"{name}#{repeat}".encode())
        requests.suite_stop()
        gc.enable()
        gc.unfreeze()


# --- outside: run valgrind, read its dumps ----------------------------------------------------

def check_available() -> None:
    missing = [tool for tool in ("valgrind", "gcc") if shutil.which(tool) is None]
    if missing:
        raise CountsUnavailable(f"{' and '.join(missing)} not found on PATH")
    if not HEADER.exists():
        raise CountsUnavailable(f"{HEADER} not found (valgrind's headers)")


def valgrind_version() -> str:
    check_available()
    return subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()


def read_dump(path: Path) -> tuple[str, int, dict]:
    """(trigger name, total Ir, {function: self Ir}) of one callgrind dump, written with
    --compress-strings=no --compress-pos=no. A cost line right after `calls=` is the callee's
    inclusive cost and is not the caller's own."""
    trigger, total, own = "", None, {}
    function, after_call = None, False
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("desc: Trigger:"):
            trigger = line.rpartition("Client Request: ")[2].strip()
        elif line.startswith(("totals:", "summary:")):
            total = int(line.split()[1])
        elif line.startswith("fn="):
            function, after_call = line[3:], False
        elif line.startswith("calls="):
            after_call = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            if after_call:
                after_call = False
            elif function is not None:
                fields = line.split()
                if len(fields) > 1:
                    own[function] = own.get(function, 0) + int(fields[1])
    if total is None:
        raise ValueError(f"{path}: no totals line (not a callgrind dump?)")
    return trigger, total, own


def is_kernel(function: str) -> bool:
    return function.startswith("0x") or any(mark in function for mark in KERNEL_MARKS)


def summarize(name: str, dumps: list[tuple[int, dict]]) -> dict:
    """One workload's entry of the result file from its repeats' (total, functions)."""
    workload = WORKLOADS[name]
    per_call = [total / workload.calls for total, _ in dumps]
    kernel = [sum(ir for fn, ir in own.items() if is_kernel(fn)) / workload.calls
              for _, own in dumps]
    overhead = [total - k for total, k in zip(per_call, kernel)]
    middle = sorted(range(len(dumps)), key=lambda i: overhead[i])[len(dumps) // 2]
    own = dumps[middle][1]
    top = sorted(((fn, ir) for fn, ir in own.items() if not is_kernel(fn)),
                 key=lambda item: -item[1])[:TOP_FUNCTIONS]
    median = statistics.median(overhead)
    return {
        "name": name,
        "what": workload.what,
        "calls_per_repeat": workload.calls,
        "instructions": [round(x) for x in per_call],
        "kernel_instructions": [round(x) for x in kernel],
        "overhead_instructions": [round(x) for x in overhead],
        "overhead_median": round(median),
        "overhead_spread": (max(overhead) - min(overhead)) / median if median else 0.0,
        "top_functions": [{"function": fn, "instructions": round(ir / workload.calls)}
                          for fn, ir in top],
    }


def count(names: list[str], repeats: int = DEFAULT_REPEATS, python: str = sys.executable,
          timeout_s: float = 1800) -> list[dict]:
    """Run the workloads `names` in one valgrind process; their result-file entries."""
    check_available()
    with tempfile.TemporaryDirectory(prefix="suite-counts-") as scratch:
        directory = Path(scratch)
        client_requests(directory)
        out = directory / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   "--compress-strings=no", "--compress-pos=no",
                   f"--callgrind-out-file={out}", python, "-m", "suite.benchmarks.counts",
                   "--worker", "--repeats", str(repeats),
                   "--library", str(directory / "librequests.so"), *names]
        environ = {**os.environ, **ENVIRONMENT}
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=environ,
                                  timeout=timeout_s, cwd=Path(__file__).resolve().parents[2])
        except subprocess.TimeoutExpired:
            raise CountsUnavailable(f"valgrind did not finish in {timeout_s:.0f} s") from None
        if done.returncode != 0:
            own = [line for line in done.stderr.strip().splitlines()
                   if not re.match(r"==\d+==", line)]  # valgrind's summary is not the cause
            tail = (own or ["(no output)"])[-1]
            raise CountsUnavailable(f"the counting process exited with {done.returncode}: {tail}")
        dumps = {}
        for path in directory.glob("callgrind.out.*"):
            trigger, total, own = read_dump(path)
            match = DUMP_NAME.match(trigger)
            if match:
                dumps.setdefault(match["workload"], {})[int(match["repeat"])] = (total, own)
    missing = [name for name in names if len(dumps.get(name, {})) != repeats]
    if missing:
        raise CountsUnavailable(f"no complete counts for {', '.join(missing)}")
    return [summarize(name, [dumps[name][r] for r in range(repeats)]) for name in names]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suite.benchmarks.counts")
    parser.add_argument("--worker", action="store_true", required=True,
                        help="internal: run under valgrind by suite.tools.counts")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS)
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("names", nargs="+", choices=list(WORKLOADS))
    args = parser.parse_args(argv)
    worker(args.names, args.repeats, args.library)
    return 0


if __name__ == "__main__":
    sys.exit(main())
