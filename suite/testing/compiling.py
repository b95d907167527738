"""torch.compile for the compile tests and benchmarks: the backends, whether a backend can run
here (and why not), a counting backend, and inductor's caches in directories of the run's own.

Note [compile backends]
`aot_eager` traces the function with dynamo and AOTAutograd and runs the traced ATen graph
eagerly: it needs nothing but torch, so it runs everywhere, and a disagreement with eager there
is dynamo's or AOTAutograd's. `inductor` (torch.compile's default) generates code: C++ on the
CPU, which it compiles with the C++ compiler it finds at run time (`$CXX`, else `g++`), and
Triton kernels on CUDA. Where that compiler (or Triton) is missing, inductor's tests skip with
that reason, never silently.

Every call goes through `compile_with`, which looks `torch.compile` up when it is called, so a
breakage's monkeypatch (suite/breakages/compile.py) is the torch.compile under test.

`--compile quick` (the default) runs every test with aot_eager on a few of its cases, and inductor
on one seed op at one shape (suite/conformance/test_compile.py: QUICK_CASES, QUICK_INDUCTOR);
`--compile full` (the main job) runs every case on every backend.

What an inductor compile costs on a CPU (measured on the 2-core VM, README "torch.compile"): one
g++ run (-O3) per generated C++ kernel (fused loops; convolutions and matmuls call ATen's
kernels and compile nothing: MyModel's forward and backward at two shapes ran g++ 8 times),
2 to 5 s each at a load average of 3 to 4, more under heavier load; and, once per process, the
vector-ISA probe (g++ on ATen's vectorized headers, cached in TORCHINDUCTOR_CACHE_DIR, so once
per session and xdist worker here) and inductor's start-up, which make the first compile of a
process 15 to 30 s. The precompiled header inductor builds for its kernels lives in its
default cache dir on purpose (fresh_cache leaves it) and is shared by every run of the
machine. So inductor's variants compile few shapes (test_compile.shapes).
"""

import contextlib
import importlib.util
import os
import shutil
import sys

import pytest
import torch

BACKENDS = ("aot_eager", "inductor")
MODES = ("quick", "full")
CACHE_ENV = "TORCHINDUCTOR_CACHE_DIR"


def cxx_compiler() -> str:
    """The C++ compiler inductor's CPU code generation will call (torch._inductor.config.cpp.cxx's
    default: $CXX, else g++; clang++ on macOS)."""
    return os.environ.get("CXX") or ("clang++" if sys.platform == "darwin" else "g++")


def backend_missing(backend: str, device: str) -> str | None:
    """Why `backend` cannot compile for `device` here (a skip reason), or None."""
    if backend != "inductor":
        return None
    if torch.device(device).type == "cpu":
        compiler = cxx_compiler()
        if shutil.which(compiler) is None:
            return (f"inductor on the CPU needs a C++ compiler at run time: {compiler!r} is not "
                    "on PATH (set CXX, or install g++)")
    elif importlib.util.find_spec("triton") is None:
        return f"inductor on {device} needs Triton, which is not installed"
    return None


def require(backend: str, device: str, config=None, *, quick: bool = True) -> None:
    """Skip (with the reason) when `backend` cannot run on `device`, or when this variant runs
    with `--compile full` only (`quick=False`) and the run is quick."""
    reason = backend_missing(backend, device)
    if reason:
        pytest.skip(reason)
    if config is not None and not quick and config.getoption("compile", "quick") != "full":
        pytest.skip(f"this case's {backend} variant runs with --compile full (compiling is slow on a CPU)")


@pytest.fixture(autouse=True)
def subnormals_kept():
    """Autouse in the modules that import it: after each test, flush-to-zero is off again. On
    torch < 2.9, loading an inductor CPU kernel turns it on for the thread
    (test_inductor_leaves_subnormals_alone); every later test of the worker would inherit it
    (hypothesis refuses to draw floats then)."""
    yield
    if 5e-324 * 1.0 == 0.0:
        torch.set_flush_denormal(False)


def compile_with(fn, backend, **options):
    """torch.compile(fn, backend=backend, **options), torch.compile looked up now."""
    return torch.compile(fn, backend=backend, **options)


def counter(backend: str):
    """A backend that counts the graphs dynamo hands it (frame_count) and compiles each with
    `backend`: torch._dynamo.testing's CompileCounterWithBackend."""
    from torch._dynamo.testing import CompileCounterWithBackend

    return CompileCounterWithBackend(backend)


@contextlib.contextmanager
def fresh_dynamo():
    """dynamo's caches cleared before and after: no compiled code or recompile count leaks from
    one test into the next."""
    torch._dynamo.reset()
    try:
        yield
    finally:
        torch._dynamo.reset()


@contextlib.contextmanager
def fresh_inductor_cache():
    """A new, empty inductor cache for the block (a cold compile): inductor's own context
    (fresh_cache since 2.7, fresh_inductor_cache before) points TORCHINDUCTOR_CACHE_DIR at a new
    temporary directory and clears the code caches held in memory; dynamo is reset on entry so
    that nothing compiled before is reused."""
    from torch._inductor import utils

    fresh = getattr(utils, "fresh_cache", None) or getattr(utils, "fresh_inductor_cache")
    torch._dynamo.reset()
    with fresh():
        yield
