"""What torch.compile costs and buys: the cold compile (a fresh inductor cache directory), the
warm one (dynamo reset, the cache kept: what a second process with the same cache pays), and
the compiled throughput beside eager's, for seed 002's MLP and CNN training steps (as
test_bench_training.py times them) and torchvision's resnet18 inference (as
test_bench_inference.py).

The timed call is the compiled one, through the harness; `extra_info` adds `backend`,
`compile_cold_s`, `compile_warm_s` (the first call's wall time, compiling included),
`eager_throughput` (the same call uncompiled, timed the harness's way) and `speedup`
(compiled throughput / eager's). The compile times are one-shot wall times of this process,
recorded in smoke runs too; throughput, eager's and the speedup only when timed
(--benchmark-enable). inductor's first compile in a process also pays its own start-up
(tens of seconds on a CPU): the first case of a run carries it.

`--compile quick` (plain pytest) smoke-tests the MLP with aot_eager; the rest runs with
`--compile full` (the main job).
"""

import statistics
import time

import pytest
import torch

from suite.benchmarks import harness
from suite.benchmarks.workloads import TRAINING_CASES, training_step_call
from suite.plugin.options import bench_threads
from suite.testing import compiling
from suite.testing.compiling import subnormals_kept  # noqa: F401 (autouse fixture)

CASES = ("mlp_sgd-batch64", "cnn_adam-batch64", "resnet18-batch1")
QUICK = ("mlp_sgd-batch64", "aot_eager")


def resnet18_inference_call(device, wrap=None):
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).to(device).eval()
    forward = wrap(model) if wrap else model
    images = torch.rand(1, 3, 224, 224, device=device)

    def infer():
        with torch.inference_mode():
            return forward(images)

    return infer


def workload(case, device, wrap=None):
    """(fn, unit, work per call, extra fields) of a case, its model passed through `wrap`."""
    if case.startswith("resnet18"):
        return resnet18_inference_call(device, wrap), "images/s", 1, dict(model="resnet18", batch=1)
    model_name, optimizer_name, lr, batch = TRAINING_CASES[case]
    fn = training_step_call(device, model_name, optimizer_name, lr, batch, wrap)
    return fn, "samples/s", batch, dict(model=model_name, optimizer=optimizer_name, batch=batch)


def first_call_s(fn, device) -> float:
    start = time.perf_counter()
    harness.timed_call(fn, device)()
    return time.perf_counter() - start


def eager_seconds_per_call(fn, device) -> float:
    """Median seconds per call of `fn`, planned as the harness plans a benchmark."""
    timed = harness.timed_call(fn, device)
    with harness.torch_threads(bench_threads()):
        _, per_call_s = harness.warm_up(timed)
        iterations, rounds = harness.plan_rounds(per_call_s)
        times = []
        with harness.gc_paused():
            for _ in range(rounds):
                start = time.perf_counter()
                for _ in range(iterations):
                    timed()
                times.append((time.perf_counter() - start) / iterations)
    return statistics.median(times)


@pytest.mark.parametrize("backend", compiling.BACKENDS)
@pytest.mark.parametrize("case", CASES)
def test_compiled(benchmark, request, device, case, backend):
    """Cold and warm compile times, then the compiled call timed, with eager's throughput and
    the speedup."""
    device = torch.device(device)
    compiling.require(backend, str(device), request.config, quick=(case, backend) == QUICK)
    if case.startswith("resnet18"):
        request.getfixturevalue("torchvision")  # skips with the reason without torchvision

    def compiled(model):
        return compiling.compile_with(model, backend)

    with compiling.fresh_dynamo(), compiling.fresh_inductor_cache():
        fn, unit, work, fields = workload(case, device, compiled)
        cold_s = first_call_s(fn, device)
        torch._dynamo.reset()
        fn, unit, work, fields = workload(case, device, compiled)
        warm_s = first_call_s(fn, device)
        info = harness.measure(benchmark, fn, device=device, unit=unit, work_per_call=work,
                               dtype=torch.float32, backend=backend, compile_cold_s=cold_s,
                               compile_warm_s=warm_s, **fields)
    eager_throughput = speedup = None
    if info["throughput"] is not None:
        eager_fn = workload(case, device)[0]
        eager_throughput = work / eager_seconds_per_call(eager_fn, device)
        speedup = info["throughput"] / eager_throughput
    benchmark.extra_info.update(eager_throughput=eager_throughput, speedup=speedup)
