"""Compare benchmark runs: CPU vs GPU, machine vs machine, torch version vs torch version.

    python -m suite.tools.compare A.json B.json [C.json ...] [--png PATH] [--force] [--no-png]

Prints the environment fields that differ between the runs (torch, device models, CPU,
threads, host, ...), then one row per benchmark with each run's throughput (work_per_call /
median time, in the benchmark's unit) and its ratio to the first column (above 1: faster than
the first), and writes the ratios as a bar chart (PNG).

Columns are (file, device) pairs: a file that holds CPU and CUDA variants of the benchmarks
gives one column per device, and rows match benchmarks by fullname without the device
parameter (test_mm[cpu-float32-256] and test_mm[cuda-float32-256] share a row), so one GPU
machine's file, or a CPU machine's file beside a GPU machine's, compares CPU with GPU. A
benchmark missing from a column shows "—"; a ratio between different units shows "—" too.

The chart goes to --png PATH, by default results/compare_<UTC time>.png. An existing file is
never replaced unless --force; the chart is written to a temporary file and renamed, so an
interrupted run leaves no half-written PNG. Nothing is written when an input is bad.

Exit status: 0 done; 2 usage error, unreadable or unusable file, a run with no benchmark in
common with the first, or a PNG that exists (without --force); 1 the PNG could not be written.
"""

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from suite.tools.cli import fail
from suite.tools import benchfiles, results
from suite.tools.benchfiles import BenchFileError

MISSING = "—"


@dataclass(frozen=True)
class Column:
    run: benchfiles.Run
    device: str

    @property
    def label(self) -> str:
        return f"{self.run.label} [{self.device}]"


def columns_of(runs) -> list:
    return [Column(run, device) for run in runs for device in run.devices]


def cells_of(column: Column) -> dict:
    """{device-free key: benchmark} of one column."""
    return {bench.key: bench for bench in column.run.benchmarks.values()
            if bench.device == column.device}


def row_keys(columns, cells) -> list:
    keys = []
    for column in columns:
        keys += [key for key in cells[column] if key not in keys]
    return keys


def ratio(reference, bench) -> float | None:
    if (reference is None or bench is None or reference.unit != bench.unit
            or not reference.throughput or bench.throughput is None):
        return None
    return bench.throughput / reference.throughput


def build_rows(columns) -> tuple:
    """(keys, {key: [(benchmark or None, ratio or None) per column]})."""
    cells = {column: cells_of(column) for column in columns}
    keys = row_keys(columns, cells)
    rows = {}
    for key in keys:
        reference = cells[columns[0]].get(key)
        rows[key] = [(cells[c].get(key), ratio(reference, cells[c].get(key))) for c in columns]
    return keys, rows


def check_overlap(runs) -> None:
    """Every run must share a benchmark with the first, or its ratios would all be missing."""
    first = {bench.key for bench in runs[0].benchmarks.values()}
    for run in runs[1:]:
        if not first & {bench.key for bench in run.benchmarks.values()}:
            raise BenchFileError(
                f"{run.label} has no benchmarks in common with {runs[0].label} (benchmarks are "
                "matched by fullname, without the device parameter)")


def format_cell(bench, value) -> tuple:
    if bench is None:
        return MISSING, MISSING
    throughput = ("not timed" if bench.throughput is None
                  else f"{benchfiles.format_throughput(bench.throughput)} {bench.unit}")
    return throughput, MISSING if value is None else f"×{value:.2f}"


def table_lines(columns, keys, rows) -> list:
    header = ["benchmark"]
    for index, column in enumerate(columns, 1):
        header += [f"({index}) throughput", f"({index}) ratio"]
    body = []
    for key in keys:
        line = [short_name(key)]
        for bench, value in rows[key]:
            line += list(format_cell(bench, value))
        body.append(line)
    legend = [f"({index}) {column.label}" for index, column in enumerate(columns, 1)]
    return legend + [""] + benchfiles.table(header, body)


def short_name(key: str) -> str:
    return key.removeprefix("suite/benchmarks/")


def environment_lines(runs) -> list:
    differences = benchfiles.environment_differences(runs)
    if not differences:
        env = runs[0].environment
        return [f"environment: no differences (torch {env['torch']} on {env['cpu_model']})"]
    labels = [run.label for run in runs]
    body = [[d.field, *d.values] for d in differences]
    return ["environment differences:"] + [
        f"  {line}" for line in benchfiles.table(["field", *labels], body)]


# --- the chart ---------------------------------------------------------------------------------

def draw_chart(columns, keys, rows):
    """Per benchmark, a bar per column after the first: its throughput relative to the first
    column, drawn from 1 (right: faster, left: slower) and labelled with the ratio."""
    from matplotlib.figure import Figure

    compared = list(enumerate(columns))[1:]
    figure = Figure(figsize=(10, 1.5 + 0.3 * len(keys) * len(compared)))
    axes = figure.add_subplot()
    height = 0.8 / len(compared)
    values = []
    for slot, (index, column) in enumerate(compared):
        bars = [(row - 0.4 + height * (slot + 0.5), rows[key][index][1])
                for row, key in enumerate(keys) if rows[key][index][1] is not None]
        drawn = axes.barh([position for position, _ in bars], [value - 1 for _, value in bars],
                          left=1.0, height=height, label=column.label)
        axes.bar_label(drawn, labels=[f"×{value:.2f}" for _, value in bars], fontsize=7,
                       padding=2)
        values += [value for _, value in bars]
    axes.set_yticks(range(len(keys)), [short_name(key) for key in keys], fontsize=7)
    axes.invert_yaxis()
    axes.axvline(1.0, color="black", linewidth=0.8)
    if values and max(values + [1.0]) / min(values + [1.0]) > 20:
        axes.set_xscale("log")
    axes.margins(x=0.15)
    axes.set_xlabel("throughput relative to the baseline (right of 1: faster)")
    axes.set_title(f"baseline: {columns[0].label}", fontsize=8)
    axes.legend(fontsize=7, loc="best")
    figure.tight_layout()
    return figure


def save_png(figure, path: Path, force: bool) -> None:
    """Write via a temporary file in the same folder; without `force`, never replace a file
    (os.link fails when the name exists, so a file created meanwhile is not lost either)."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".compare-", suffix=".png",
                                     delete=False) as handle:
        temporary = Path(handle.name)
    try:
        figure.savefig(temporary, format="png", dpi=100, bbox_inches="tight")
        if force:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def default_png() -> Path:
    stamp = results.utc_now().strftime("%Y%m%dT%H%M%SZ")
    return results.results_dir() / f"compare_{stamp}.png"


# --- the command -------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m suite.tools.compare",
        description="Compare benchmark result files: the environment differences, each "
        "benchmark's throughput per run with its ratio to the first run, and a PNG chart.",
        epilog="Rows match benchmarks by fullname without the device parameter, and a file "
        "with several devices gives one column per device, so CPU and GPU runs compare. "
        "Exit status: 0 done, 1 the PNG could not be written, 2 bad input or an existing PNG.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="benchmark result files; the first is the reference")
    parser.add_argument("--png", type=Path, metavar="PATH",
                        help="where the chart goes (default: results/compare_<UTC time>.png)")
    parser.add_argument("--force", action="store_true", help="replace an existing PNG")
    parser.add_argument("--no-png", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    if len(args.files) < 2:
        parser.error("give at least two benchmark result files to compare")
    if args.png and args.no_png:
        parser.error("--png and --no-png exclude each other")
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        runs = benchfiles.load_all(args.files)
        check_overlap(runs)
    except BenchFileError as error:
        return fail(str(error))
    png = None
    if not args.no_png:
        png = args.png or default_png()
        problem = png_problem(png, args.force, explicit=args.png is not None)
        if problem:
            return fail(problem)
    columns = columns_of(runs)
    keys, rows = build_rows(columns)
    for line in environment_lines(runs) + [""] + table_lines(columns, keys, rows):
        print(line)
    if png is None:
        return 0
    try:
        save_png(draw_chart(columns, keys, rows), png, args.force)
    except ImportError as error:
        print(f"error: cannot draw the chart ({error}); install matplotlib or pass --no-png",
              file=sys.stderr)
        return 1
    except FileExistsError:
        return fail(f"{png} appeared while the chart was drawn; not replaced (--force replaces)")
    except OSError as error:
        print(f"error: could not write the chart {png}: {error}", file=sys.stderr)
        return 1
    print(f"\nchart: {png}")
    return 0


def png_problem(png: Path, force: bool, explicit: bool) -> str | None:
    if png.suffix.lower() != ".png":
        return f"--png {png}: the chart is a PNG; give a path ending in .png"
    if png.is_dir():
        return f"--png {png}: is a directory"
    if png.exists() and not force:
        return f"{png} exists; not replaced (--force replaces it, --png chooses another name)"
    if not png.parent.is_dir():
        if explicit:
            return f"--png {png}: the folder {png.parent} does not exist"
        png.parent.mkdir(parents=True, exist_ok=True)
    return None




if __name__ == "__main__":
    sys.exit(main())
