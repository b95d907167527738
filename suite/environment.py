"""The environment record: one description of the machine and software, shared by the
report header and every result file (conformance, convergence, benchmarks)."""

import os
import platform
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy
import torch

import suite

NOT_INSTALLED = "not installed"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return NOT_INSTALLED


def torchvision_missing() -> str | None:
    """Why torchvision cannot be used here (the skip reason of tests that need it), or None."""
    if package_version("torchvision") == NOT_INSTALLED:
        return "torchvision not installed"
    try:
        import torchvision  # noqa: F401
    except Exception as error:  # e.g. a build for another torch: "operator torchvision::nms does not exist"
        return f"torchvision not importable: {type(error).__name__}: {error}"
    return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def blas_backend() -> str:
    match = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return match.group(1) if match else "unknown"


def git_commit() -> str | None:
    if not (suite.ROOT / ".git").exists():  # an installed suite: its version says what it is
        return None
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=suite.ROOT, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def cuda_devices() -> list[dict]:
    if not torch.cuda.is_available():
        return []
    devices = []
    for index in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(index)
        devices.append(
            {"name": f"cuda:{index}", "model": props.name, "memory_bytes": props.total_memory}
        )
    return devices


def cudnn_version() -> int | None:
    return torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None


def collect() -> dict:
    """Everything a reader needs to know which machine and software produced a result."""
    return {
        "hostname": platform.node(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": sys.implementation.name,
        "torch": torch.__version__,
        "torchvision": package_version("torchvision"),
        "numpy": numpy.__version__,
        "cuda_build": torch.version.cuda,
        "cuda_available": torch.cuda.is_available(),
        "cudnn": cudnn_version(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_bytes": memory_bytes(),
        "torch_threads": torch.get_num_threads(),
        "blas": blas_backend(),
        "devices": [{"name": "cpu", "model": cpu_model(), "memory_bytes": memory_bytes()}]
        + cuda_devices(),
        "git_commit": git_commit(),
    }


def header_lines(env: dict) -> list[str]:
    """The environment as the report header prints it."""
    cuda = "not available" if not env["cuda_available"] else "available"
    devices = ", ".join(f"{d['name']} ({d['model']})" for d in env["devices"])
    return [
        f"python {env['python']} | torch {env['torch']} | torchvision {env['torchvision']}"
        f" | numpy {env['numpy']}",
        f"CUDA build {env['cuda_build']} (runtime {cuda}) | cuDNN {env['cudnn']}"
        f" | BLAS {env['blas']}",
        f"devices: {devices}",
        f"torch threads {env['torch_threads']} of {env['cpu_count']} cores",
    ]
