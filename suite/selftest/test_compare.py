"""The comparison command (python -m suite.tools.compare): the environment differences, the table of
throughputs and ratios, CPU against GPU, the PNG chart, and bad input."""

import subprocess
import sys

import pytest

from suite.tools import compare
from suite import ROOT
from suite.selftest.test_gate import (
    BAD_INPUTS,
    CONV,
    ENVIRONMENT,
    GPU,
    MATMUL,
    bench_entry,
    benchmark_document,
    quiet_times,
    write,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CUDA_MATMUL = MATMUL.replace("[cpu-", "[cuda-")


def constant(seconds, rounds=20):
    return [seconds] * rounds


def run_compare(capsys, *argv):
    code = compare.main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def row(out: str, fullname: str) -> str:
    """The table row of a benchmark: its fullname without suite/benchmarks/ and the device."""
    key = compare.short_name(fullname).replace("[cpu-", "[").replace("[cuda-", "[")
    [line] = [line for line in out.splitlines() if line.startswith(key + " ")]
    return line


@pytest.fixture
def versions(tmp_path):
    """The same machine under torch 2.9 and 2.14; the newer one is 25 % faster at matmul and
    lacks the conv benchmark."""
    old = write(tmp_path / "torch29.json", benchmark_document(
        [bench_entry(MATMUL, constant(1e-3)),
         bench_entry(CONV, constant(2e-3), unit="images/s", work_per_call=64.0)],
        torch="2.9.1"))
    new = write(tmp_path / "torch214.json", benchmark_document(
        [bench_entry(MATMUL, constant(0.8e-3))], torch="2.14.1"))
    return old, new


def test_table_shows_versions_throughputs_ratios_and_gaps(tmp_path, capsys, versions):
    png = tmp_path / "chart.png"
    code, out, _ = run_compare(capsys, *versions, "--png", png)
    assert code == 0
    assert "environment differences:" in out
    [torch_line] = [line for line in out.splitlines() if line.strip().startswith("torch ")]
    assert "2.9.1" in torch_line and "2.14.1" in torch_line
    assert "(1) torch29.json [cpu]" in out and "(2) torch214.json [cpu]" in out
    # 0.5 GFLOP per call: 500 GFLOP/s at 1 ms, 625 at 0.8 ms
    assert row(out, MATMUL).split()[1:] == ["500", "GFLOP/s", "×1.00", "625", "GFLOP/s", "×1.25"]
    assert row(out, CONV).split()[-2:] == ["—", "—"]
    assert f"chart: {png}" in out


def test_chart_is_a_png(tmp_path, capsys, versions):
    png = tmp_path / "chart.png"
    code, _, _ = run_compare(capsys, *versions, "--png", png)
    assert code == 0 and png.read_bytes().startswith(PNG_MAGIC) and png.stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.png", "torch214.json",
                                                         "torch29.json"], "a temporary file"


def test_cpu_and_gpu_variants_share_a_row(tmp_path, capsys):
    """One GPU machine's file holds both variants: one column per device, one row per
    benchmark; the CPU-only machine's file gives a third column."""
    gpu_machine = write(tmp_path / "gpu.json", benchmark_document(
        [bench_entry(MATMUL, constant(1e-3)),
         bench_entry(CUDA_MATMUL, constant(1e-5), device="cuda:0")],
        cuda_available=True, cuda_build="13.0", devices=[ENVIRONMENT["devices"][0], GPU]))
    cpu_machine = write(tmp_path / "cpu.json", benchmark_document(
        [bench_entry(MATMUL, constant(2e-3))], hostname="laptop", cpu_model="Small CPU 2",
        devices=[{"name": "cpu", "model": "Small CPU 2", "memory_bytes": None}]))
    code, out, _ = run_compare(capsys, gpu_machine, cpu_machine, "--no-png")
    assert code == 0
    assert "(1) gpu.json [cpu]" in out and "(2) gpu.json [cuda:0]" in out
    assert "(3) cpu.json [cpu]" in out
    cells = row(out, MATMUL).split()
    assert cells[0] == "test_bench_matmul.py::test_matmul[float32-256]"
    assert cells[3:] == ["×1.00", "50,000", "GFLOP/s", "×100.00", "250", "GFLOP/s", "×0.50"]
    for field in ("cpu_model", "hostname", "cuda_available", "devices"):
        assert any(line.strip().startswith(field) for line in out.splitlines()), field
    assert "NVIDIA H100 80GB HBM3" in out


def test_existing_chart_is_kept_unless_forced(tmp_path, capsys, versions):
    png = write(tmp_path / "chart.png", "precious")
    code, out, err = run_compare(capsys, *versions, "--png", png)
    assert code == 2 and "exists; not replaced" in err and out == ""
    assert png.read_text() == "precious"
    code, _, _ = run_compare(capsys, *versions, "--png", png, "--force")
    assert code == 0 and png.read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize("content, message", BAD_INPUTS.values(), ids=BAD_INPUTS)
def test_bad_input_is_a_clear_error_and_writes_nothing(tmp_path, capsys, versions, content,
                                                       message):
    bad = tmp_path / "bad.json"
    if content is not None:
        write(bad, content)
    png = tmp_path / "chart.png"
    code, out, err = run_compare(capsys, versions[0], bad, "--png", png)
    assert code == 2 and message in err and "bad.json" in err and out == ""
    assert not png.exists()


def test_no_benchmarks_in_common_is_an_error(tmp_path, capsys):
    first = write(tmp_path / "a.json", benchmark_document([bench_entry(MATMUL, quiet_times(1))]))
    other = write(tmp_path / "b.json", benchmark_document([bench_entry(CONV, quiet_times(2))]))
    code, _, err = run_compare(capsys, first, other, "--png", tmp_path / "chart.png")
    assert code == 2 and "b.json has no benchmarks in common with a.json" in err
    assert not (tmp_path / "chart.png").exists()


@pytest.mark.parametrize(
    "argv, message",
    [(["a.json"], "at least two benchmark result files"),
     (["a.json", "b.json", "--png", "c.png", "--no-png"], "exclude each other"),
     ([], "the following arguments are required")],
    ids=["one-file", "png-and-no-png", "no-files"],
)
def test_bad_options_are_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        compare.parse_args(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_chart_path_must_be_a_png_in_an_existing_folder(tmp_path, capsys, versions):
    for png, message in [(tmp_path / "chart.txt", "ending in .png"),
                         (tmp_path / "absent" / "chart.png", "does not exist")]:
        code, _, err = run_compare(capsys, *versions, "--png", png)
        assert code == 2 and message in err


@pytest.mark.subprocess
def test_module_runs_from_the_command_line(tmp_path, versions):
    png = tmp_path / "chart.png"
    completed = subprocess.run(
        [sys.executable, "-m", "suite.tools.compare", *map(str, versions), "--png", str(png)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "×1.25" in completed.stdout and png.read_bytes().startswith(PNG_MAGIC)
