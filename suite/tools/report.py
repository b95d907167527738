"""The run report: one self-contained HTML file from any set of the suite's result files.

    python -m suite.tools.report FILES_OR_DIRS... [--output PATH] [--gate] [--max-slowdown 5%]

Each argument is a result file (suite/tools/schema.json) or a directory searched recursively
for *.json files, all of which must be result files. A section appears only when its files
are given: conformance (counts, what did not run, failures with the command that reruns them,
known upstream bugs, a pass table per area), convergence (test accuracy per epoch per seed and
model against the target, time to target, the catalog's claims), benchmarks (throughput per
benchmark; with two or more files, each one's ratios to the first as bars, and with --gate the
gate's verdicts), versions (two or more torch releases among the conformance files: the
behaviour x release matrix coloured by outcome, the version gates and their sides), and always
the environment record of every run with the fields that differ highlighted.

The figures are matplotlib PNGs embedded as data: URIs; the page needs no network and no
JavaScript. The file is written through a temporary file and a rename: a bad input or a
failure leaves no report behind. Default output: results/report_<UTC time>.html.

Exit status: 0 written; 2 a missing, malformed, off-schema or unknown file, no file at all,
or an output that cannot be written.
"""

import argparse
import base64
import html
import io
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from suite.plugin import reporting
from suite.tools import benchfiles, compare, countgate, gate, matrix, results
from suite.tools.benchfiles import BenchFileError
from suite.tools.cli import fail

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
NOT_PASSING = ("failed", "error", "xpassed")  # what fails a run (xpassed: a strict xfail fixed)
DPI = 80  # keeps a page of several figures at a few hundred KB

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 78em; color: #222;
       line-height: 1.35; padding: 0 1em; }
h1 { margin-bottom: 0.1em; } h2 { border-bottom: 2px solid #ccc; margin-top: 2em; }
h3 { margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 0.9em; background: #f5f5f5; padding: 0 0.2em; word-break: break-all; }
.good { background: #d8f0d8; } .bad { background: #f7c9c9; font-weight: bold; }
.warn { background: #fbe3b0; } .bug { background: #e6dcf5; } .skip { background: #ececec; }
.absent { background: #fff; color: #888; }
tr.differs td, tr.differs th { background: #fff3a8; font-weight: bold; }
figure { margin: 0.8em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption, .note { font-size: 0.85em; color: #555; }
nav a { margin-right: 1em; }
details summary { cursor: pointer; margin: 0.5em 0; }
table.matrix { table-layout: fixed; width: 100%; } table.matrix td { overflow-wrap: anywhere; }
table.matrix th:first-child { width: 28%; }
.reason { font-size: 0.85em; color: #555; } .old { background: #dbe8f7; }
.legend span { padding: 0.1em 0.5em; margin-right: 0.3em; border: 1px solid #ccc; }
"""


@dataclass(frozen=True)
class Input:
    """One result file given to the report, numbered in the order given."""

    number: int
    path: Path
    label: str  # the file's name, or its path where two names are alike
    document: dict

    @property
    def kind(self) -> str:
        return self.document["kind"]

    @property
    def tag(self) -> str:
        return f"#{self.number}"

    @property
    def short(self) -> str:
        """e.g. '#2 torch 2.14.1+cu130'"""
        return f"{self.tag} torch {self.document['environment']['torch']}"


class ReportError(Exception):
    """A file the report cannot use; the message names it and says why."""


# --- reading -------------------------------------------------------------------------------------

def load(paths) -> list[Input]:
    try:
        files = matrix.find_files([Path(p) for p in paths])
    except results.ResultError as error:
        raise ReportError(str(error)) from None
    if not files:
        raise ReportError("no result files (*.json) in " + ", ".join(str(p) for p in paths))
    labels = benchfiles.unique_labels(files)
    inputs = []
    for number, (path, label) in enumerate(zip(files, labels), 1):
        try:
            inputs.append(Input(number, path, label, results.read(path)))
        except results.ResultError as error:
            raise ReportError(str(error)) from None
    return inputs


def benchmark_runs(inputs) -> list:
    try:
        return [benchfiles.run_of(i.document, i.path, i.short) for i in inputs if i.kind == "benchmark"]
    except BenchFileError as error:
        raise ReportError(str(error)) from None


# --- HTML pieces ---------------------------------------------------------------------------------

def esc(value) -> str:
    return html.escape(str(value), quote=True)


def td(text, cls: str = "", markup: bool = False) -> str:
    """A cell: `text` escaped unless it is already `markup`."""
    attribute = f' class="{cls}"' if cls else ""
    return f"<td{attribute}>{text if markup else esc(text)}</td>"


def num(value) -> str:
    return td(value, "num")


def table(header: list, rows: list, row_classes=None, cls: str = "") -> str:
    """`rows` are lists of <td> strings (td(), num())."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for index, cells in enumerate(rows):
        cls = (row_classes or {}).get(index)
        body.append((f'<tr class="{cls}">' if cls else "<tr>") + "".join(cells) + "</tr>")
    start = f'<table class="{cls}">' if cls else "<table>"
    return f"{start}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def section(anchor: str, title: str, body: list) -> str:
    return f'<section id="{anchor}"><h2>{esc(title)}</h2>' + "".join(body) + "</section>"


def para(text: str, cls: str = "") -> str:
    return (f'<p class="{cls}">' if cls else "<p>") + esc(text) + "</p>"


def code(text: str) -> str:
    return f"<code>{esc(text)}</code>"


def link(url: str, text: str) -> str:
    return f'<a href="{esc(url)}">{esc(text)}</a>' if url else esc(text)


def figure(fig, caption: str) -> str:
    """A matplotlib figure as an embedded PNG."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{esc(caption)}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def percent(fraction) -> str:
    return "—" if fraction is None else f"{100 * fraction:.1f} %"


def seconds(value) -> str:
    return "—" if value is None else f"{value:.1f} s"


# --- conformance ---------------------------------------------------------------------------------

def counts_class(summary: dict) -> str:
    if summary["failed"] or summary["error"]:
        return "bad"
    return "warn" if summary["xpassed"] else "good"


def conformance_section(inputs) -> str:
    runs = [i for i in inputs if i.kind == "conformance"]
    if not runs:
        return ""
    body = [conformance_counts(runs), "<h3>Not run</h3>", not_run_lists(runs),
            "<h3>Failures</h3>", failures_of(runs),
            "<h3>Known upstream bugs</h3>", known_bugs(runs),
            "<h3>Per area</h3>",
            para("Per test module: passed of those that ran (skipped not counted), then what "
                 "else happened; CUDA variants included.", "note"),
            area_table(runs)]
    return section("conformance", "Conformance", body)


def conformance_counts(runs) -> str:
    rows = []
    for run in runs:
        summary, info = run.document["summary"], run.document["run"]
        seed = info.get("hypothesis_seed")
        profile = f"{info.get('hypothesis_profile')}" + (f", seed {seed}" if seed else "")
        rows.append([td(run.short), td(profile), num(seconds(info["duration_s"])),
                     td(info["exit_code"], "good" if info["exit_code"] == 0 else "bad")]
                    + [num(summary[o]) if summary[o] == 0 or o not in NOT_PASSING
                       else td(summary[o], "bad num") for o in OUTCOMES])
    return table(["run", "hypothesis profile", "duration", "exit code", *OUTCOMES], rows)


def not_run_lists(runs) -> str:
    items = []
    for run in runs:
        lines = reporting.format_not_run(run.document["summary"]["not_run"])
        items.append(f"<li>{esc(run.short)}: " + "; ".join(esc(line) for line in lines) + "</li>")
    return "<ul>" + "".join(items) + "</ul>"


def failures_of(runs) -> str:
    failing = [run for run in runs if failing_tests(run)]
    clean = [run.short for run in runs if run not in failing]
    return ("".join(failures(run) for run in failing)
            + (para(f"No failures, errors or unexpected passes: {', '.join(clean)}.") if clean else ""))


def failing_tests(run: Input) -> list:
    return [t for t in run.document["tests"] if t["outcome"] in NOT_PASSING]


def failures(run: Input) -> str:
    info = run.document["run"]
    failing = failing_tests(run)
    rows = [[td(t["id"], markup=False), td(t["outcome"], "bad"), td(t["reason"] or ""),
             td(code(reporting.reproduce_command(t["id"], info.get("hypothesis_profile"),
                                                 info.get("hypothesis_seed"))), markup=True)]
            for t in failing]
    return (para(f"{run.short}: {len(failing)} failed, errored or passed unexpectedly (an "
                 "XPASS(strict) is a known bug fixed: update reference/bugs.py)")
            + table(["test", "outcome", "first line", "rerun with the same data"], rows))


def registry() -> dict:
    """reference/bugs.py by id; empty where the registry is not importable."""
    try:
        from reference import bugs
    except ImportError:
        return {}
    return {bug.id: bug for bug in bugs.BUGS}


def known_bugs(runs) -> str:
    known = registry()
    recorded = {}
    for run in runs:
        for bug in run.document["run"].get("known_bugs", []):
            recorded.setdefault(bug["id"], bug)
    ids = sorted(recorded) + sorted(set(known) - set(recorded))
    if not ids:
        return para("No known upstream bug recorded, and no registry (reference/bugs.py) found.")
    rows = []
    for bug_id in ids:
        entry = recorded.get(bug_id)
        source = known.get(bug_id)
        issue = (entry or {}).get("issue", source.issue if source else "")
        title = (entry or {}).get("title", source.title if source else "")
        affected = (f"{(entry or {}).get('package', source.package if source else '')} "
                    f"{(entry or {}).get('affected', source.affected if source else '')}")
        name = link(issue, bug_id) + ("" if issue else " (not yet reported upstream)")
        cells = [td(f"{name}: {esc(title)}", markup=True), td(affected),
                 td(code(source.reproduce) if source else "not in this registry", markup=True)]
        for run in runs:
            listed = run.document["run"].get("known_bugs")
            found = next((b for b in listed or [] if b["id"] == bug_id), None)
            if listed is None:
                cells.append(td("not recorded", "absent"))
            elif found is None:
                cells.append(td("not affected", "good"))
            else:
                cells.append(td(f"affected: {len(found['tests'])} test(s) xfailed", "bug"))
        rows.append(cells)
    return (para("Each bug of reference/bugs.py, and each a run recorded (run.known_bugs): on an "
                 "affected release its tests are strict xfails naming the issue.", "note")
            + table(["bug", "affected", "reproduction", *[r.short for r in runs]], rows))


def area_of(test_id: str) -> str:
    return Path(test_id.split("::", 1)[0]).stem.removeprefix("test_")


def area_cell(counts: Counter) -> str:
    if not counts:
        return td("absent", "absent")
    ran = sum(counts.values()) - counts["skipped"]
    text = f"{counts['passed']} of {ran}" + "".join(
        f", {counts[o]} {o}" for o in ("failed", "error", "xpassed", "xfailed", "skipped") if counts[o])
    if counts["failed"] or counts["error"]:
        cls = "bad"
    elif counts["xpassed"]:
        cls = "warn"
    elif counts["xfailed"]:
        cls = "bug"
    else:
        cls = "good" if ran else "skip"
    return td(text, cls)


def area_table(runs) -> str:
    per_run = []
    for run in runs:
        counts = {}
        for test in run.document["tests"]:
            counts.setdefault(area_of(test["id"]), Counter())[test["outcome"]] += 1
        per_run.append(counts)
    areas = sorted(set().union(*per_run))
    rows = [[td(area)] + [area_cell(counts.get(area, Counter())) for counts in per_run]
            for area in areas]
    return table(["area", *[r.short for r in runs]], rows)


# --- convergence ---------------------------------------------------------------------------------

def convergence_section(inputs) -> str:
    files = [i for i in inputs if i.kind == "convergence"]
    if not files:
        return ""
    body = [para("Test accuracy after each epoch, one line per seed; the dashed line is the "
                 "documented target (reference/claims.py and suite/convergence/training.py).",
                 "note")]
    for file in files:
        body += convergence_file(file)
    return section("convergence", "Convergence", body)


def convergence_file(file: Input) -> list:
    document = file.document
    devices = ", ".join(document["run"]["devices"]) or "none"
    parts = [f"<h3>{esc(file.short)}: {esc(document['variant'])} variant on {esc(devices)}, "
             f"{esc(seconds(document['run']['duration_s']))}</h3>"]
    if not document["summary"]:
        return parts + [para("No training run recorded.")]
    parts.append(figure(accuracy_figure(document), f"{file.short}: test accuracy per epoch "
                        f"({document['variant']} variant; {file.label})"))
    parts.append(convergence_runs_table(document))
    parts.append(claims_table(document))
    return parts


def accuracy_figure(document: dict):
    from matplotlib.figure import Figure

    summaries = document["summary"]
    fig = Figure(figsize=(5.2 * len(summaries), 3.4))
    for index, summary in enumerate(summaries, 1):
        axes = fig.add_subplot(1, len(summaries), index)
        runs = [r for r in document["runs"]
                if r["model"] == summary["model"] and r["device"] == summary["device"]]
        target = 100 * summary["target_accuracy"]
        accuracies = [target]
        for run in runs:
            epochs = [h["epoch"] for h in run["history"]]
            accuracies += [100 * h["test_accuracy"] for h in run["history"]]
            axes.plot(epochs, [100 * h["test_accuracy"] for h in run["history"]], marker="o",
                      markersize=3, label=f"seed {run['seed']}")
        axes.axhline(target, color="black", linestyle="--", linewidth=1,
                     label=f"target {target:.0f} %")
        last = max((r["epochs"] for r in runs), default=1)
        axes.set_xlim(0.5, last + 0.5)
        axes.set_xticks(range(1, last + 1))
        axes.set_ylim(max(0, min(accuracies) - 5), min(100, max(accuracies) + 5))
        axes.set_title(f"{summary['model']} on {summary['device']}", fontsize=10)
        axes.set_xlabel("epoch")
        axes.set_ylabel("test accuracy (%)")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def convergence_runs_table(document: dict) -> str:
    rows = []
    for run in document["runs"]:
        reached = run["epochs_to_target"]
        rows.append([
            td(run["model"]), td(run["device"]), num(run["seed"]),
            td(f"{run['optimizer']}, batch {run['batch_size']}, {run['epochs']} × "
               f"{run['steps_per_epoch']} steps"),
            td(", ".join(f"{100 * h['test_accuracy']:.1f}" for h in run["history"])),
            num(percent(run["target_accuracy"])),
            td("not reached" if reached is None else f"epoch {reached}",
               "bad" if reached is None else "good"),
            num(seconds(run["time_to_target_s"])), num(percent(run["final_accuracy"])),
            num(f"{run['samples_per_s']:,.0f}"),
        ])
    return table(["model", "device", "seed", "training", "test accuracy per epoch (%)", "target",
                  "target reached", "time to target", "final", "samples/s"], rows)


def claims_table(document: dict) -> str:
    rows = []
    for summary in document["summary"]:
        for check in summary["checks"]:
            rows.append([td(f"{summary['model']} on {summary['device']}"), td(check["claim"]),
                         td("held" if check["passed"] else "NOT held",
                            "good" if check["passed"] else "bad"), td(check["detail"])])
    summary_rows = [[
        td(f"{s['model']} on {s['device']}"), num(s["seeds"]),
        num(f"{s['reached_target']} of {s['seeds']}"),
        num(f"{percent(s['final_accuracy_mean'])} ± {100 * s['final_accuracy_std']:.1f}"),
        num(f"{percent(s['final_accuracy_min'])} – {percent(s['final_accuracy_max'])}"),
        num(seconds(s["time_to_target_s_median"]))] for s in document["summary"]]
    return (table(["runs", "seeds", "reached the target", "final accuracy (mean ± sd)",
                   "min – max", "median time to target"], summary_rows)
            + table(["runs", "catalog claim", "verdict", "per seed"], rows))


# --- benchmarks ----------------------------------------------------------------------------------

def benchmark_section(inputs, rule: gate.Rule | None) -> str:
    runs = benchmark_runs(inputs)
    if not runs:
        return ""
    per_file = []
    for run in runs:
        per_file += [f"<h3>{esc(run.label)}</h3>", para(caption(run, run.benchmarks.values()), "note"),
                     throughput_table(run)]
    if len(runs) == 1:
        return section("benchmarks", "Benchmarks", per_file)
    # Several files: the comparison first; each file's timings (spread, rounds) folded.
    body = comparison(runs) + (verdicts(runs, rule) if rule is not None else [])
    body += ["<details><summary>Each file: median time, spread, rounds, threads</summary>",
             *per_file, "</details>"]
    return section("benchmarks", "Benchmarks", body)


def caption(run, benchmarks) -> str:
    devices = sorted({b.device for b in benchmarks}, key=benchfiles.device_order)
    threads = sorted({b.torch_threads for b in benchmarks})
    where = ", ".join(f"{d} ({run.device_model(d)})" for d in devices)
    return (f"{run.label}: devices {where}; torch threads {', '.join(map(str, threads))}; "
            f"torch {run.environment['torch']} on {run.environment['hostname']}")


def throughput_table(run) -> str:
    rows = []
    for bench in run.benchmarks.values():
        timed = bench.throughput is not None
        rows.append([
            td(compare.short_name(bench.fullname)), td(bench.device),
            num(f"{benchfiles.format_throughput(bench.throughput)} {bench.unit}" if timed
                else "not timed"),
            num(benchfiles.format_seconds(bench.median) if timed else "—"),
            spread_cell(bench) if timed else num("—"),
            num(len(bench.times)), num(bench.torch_threads)])
    return table(["benchmark", "device", "throughput", "median per call", "IQR / median",
                  "rounds", "threads"], rows) + para(
        f"IQR / median above {100 * gate.Rule.max_noise:g} % (marked): too noisy for the gate's "
        "default threshold.", "note")


def spread_cell(bench) -> str:
    """IQR / median, marked where the gate would call the benchmark too noisy."""
    spread = float(gate.spread(bench.times))
    return td(f"{100 * spread:.1f} %", "warn num" if spread > gate.Rule.max_noise else "num")


def comparison(runs) -> list:
    columns = compare.columns_of(runs)
    keys, rows = compare.build_rows(columns)
    chart = compare.draw_chart(columns, keys, rows)
    captions = "; ".join(caption(run, run.benchmarks.values()) for run in runs)
    header = ["benchmark"] + [label for c in columns for label in (c.label, "ratio")]
    body = []
    for key in keys:
        cells = [td(compare.short_name(key))]
        for bench, value in rows[key]:
            throughput, ratio = compare.format_cell(bench, value)
            cells += [num(throughput), num(ratio)]
        body.append(cells)
    return ["<h3>Against the baseline</h3>",
            para(f"Baseline: {columns[0].label}, the first benchmark file given. Ratios are "
                 "throughput over the baseline's (above 1: faster); benchmarks are matched by "
                 "name without the device, so a CPU column compares with a CUDA one.", "note"),
            figure(chart, f"Throughput relative to {columns[0].label}. {captions}"),
            table(header, body)]


def verdicts(runs, rule: gate.Rule) -> list:
    baseline = runs[0]
    parts = ["<h3>Regression gate</h3>", para(
        f"python -m suite.tools.gate's rule: max slowdown {100 * rule.max_slowdown:g} %, alpha "
        f"{rule.alpha:g} (Holm), max noise {100 * rule.max_noise:g} %; baseline {baseline.label}.",
        "note")]
    for candidate in runs[1:]:
        common = [name for name in baseline.benchmarks if name in candidate.benchmarks]
        parts.append(f"<h3>{esc(candidate.label)} against {esc(baseline.label)}</h3>")
        refused = gate.refusals(baseline, candidate, common)
        if not common or refused:
            reason = "no benchmarks in common" if not common else "; ".join(refused)
            parts.append(para(f"Not judged: {reason} (the gate refuses these without "
                              "--allow-env-mismatch).", "note"))
            continue
        header, rows = gate.table_of(gate.judge(baseline, candidate, common, rule))
        parts.append(table(header, [[td(compare.short_name(r[0]))] + [num(c) for c in r[1:-1]]
                                    + [td(r[-1], verdict_class(r[-1]))] for r in rows]))
    return parts


def verdict_class(verdict: str) -> str:
    if verdict in gate.FAILING:
        return "bad"
    if verdict in (gate.OK, gate.FASTER):
        return "good"
    return "warn" if verdict in gate.JUDGED else "skip"


# --- instruction counts ----------------------------------------------------------------------------

def counts_section(inputs) -> str:
    files = [i for i in inputs if i.kind == "counts"]
    if not files:
        return ""
    body = []
    for file in files:
        deps = file.document["dependencies"]
        body += [f"<h3>{esc(file.short)}</h3>", para(
            f"{file.document['repeats']} repeats per workload; torch {deps['torch']}, "
            f"{deps['valgrind']}, {deps['cpu_model']}. Overhead: instructions per call outside "
            "MKL/oneDNN, which the count gate judges.", "note"),
            table(["workload", "overhead per call", "spread", "all instructions", "what"],
                  [[td(e["name"]), num(f"{e['overhead_median']:,}"),
                    td(f"{100 * e['overhead_spread']:.2f} %",
                       "warn num" if e["overhead_spread"] >= countgate.DEFAULT_THRESHOLD else "num"),
                    num(f"{sorted(e['instructions'])[len(e['instructions']) // 2]:,}"),
                    td(e["what"])] for e in file.document["counts"]])]
    baseline = files[0]
    for candidate in files[1:]:
        body.append(f"<h3>{esc(candidate.short)} against {esc(baseline.short)}</h3>")
        refused = countgate.refusals(baseline.document, candidate.document)
        if refused:
            body.append(para(f"Not judged: {'; '.join(refused)} (the gate refuses these "
                             "without --allow-env-mismatch).", "note"))
            continue
        judged = countgate.judge(baseline.document, candidate.document,
                                 countgate.DEFAULT_THRESHOLD)
        body.append(table(["workload", "baseline", "candidate", "ratio", "spread", "verdict",
                           "largest changes by function"],
                          [[td(v.name), num(f"{v.baseline:,}"), num(f"{v.candidate:,}"),
                            num(f"{v.ratio:.4f}"), num(f"{100 * v.spread:.2f} %"),
                            td(v.verdict, {"REGRESSION": "bad", "ok": "good", "fewer": "good"}
                               .get(v.verdict, "warn")),
                            td("; ".join(f"{d:+,} {f}" for f, d in v.deltas))] for v in judged]))
    return section("counts", "Instruction counts", body)


# --- versions ------------------------------------------------------------------------------------

def versions_section(inputs) -> str:
    releases = matrix.newest_per_release(i.document for i in inputs)
    if len(releases) < 2:
        return ""
    labels = [release_label(r) for r in releases]
    rows = matrix.matrix(releases)
    changed = {name: cells for name, cells in rows.items() if len(set(cells)) > 1}
    body = [para("The newest conformance file of each torch release given; per behaviour (test "
                 "function) the outcomes of its CPU variants, coloured by the worst:", "note"),
            legend(),
            "<h3>Version gates</h3>", gates_table(releases, labels),
            f"<h3>What differs between releases ({len(changed)} of {len(rows)} behaviours)</h3>",
            behaviour_table(changed, labels) if changed
            else para("Nothing: every behaviour has the same outcome."),
            "<details><summary>Every behaviour</summary>", behaviour_table(rows, labels),
            "</details>"]
    return section("versions", "Versions", body)


def release_label(document: dict) -> str:
    env = document["environment"]
    return f"torch {env['torch']}, torchvision {env['torchvision']}"


def legend() -> str:
    entries = [("good", "passed"), ("bug", "xfailed (a known bug)"), ("skip", "skipped"),
               ("warn", "xpassed"), ("bad", "failed or error"), ("absent", "absent")]
    return ('<p class="legend">'
            + "".join(f'<span class="{cls}">{esc(text)}</span>' for cls, text in entries) + "</p>")


def outcome_class(cell: str) -> str:
    """The class of a matrix.cell text: 'passed 3, skipped 2: reason' -> its worst outcome."""
    if cell in ("absent", "CUDA only"):
        return "absent"
    outcomes = {part.split()[0] for part in cell.split(": ", 1)[0].split(", ")}
    for outcomes_of, cls in ((("failed", "error"), "bad"), (("xpassed",), "warn"),
                             (("xfailed",), "bug"), (("passed",), "good")):
        if outcomes & set(outcomes_of):
            return cls
    return "skip"


def matrix_cell(cell: str) -> str:
    """The counts, then the reasons in small print."""
    counts, _, reasons = cell.partition(": ")
    text = esc(counts) + (f'<div class="reason">{esc(reasons)}</div>' if reasons else "")
    return td(text, outcome_class(cell), markup=True)


def behaviour_table(rows: dict, labels: list) -> str:
    return table(["behaviour", *labels], [
        [td(name.removeprefix("suite/"))] + [matrix_cell(cell) for cell in cells]
        for name, cells in rows.items()], cls="matrix")


def gates_table(releases, labels) -> str:
    sides = [matrix.gate_sides(document) for document in releases]
    described = {}
    for per_release in reversed(sides):
        described.update({name: entry[:2] for name, entry in per_release.items()})
    rows = []
    for name, (since, what) in sorted(described.items(), key=lambda item: Version(item[1][0])):
        cells = [td(code(name) + f": {esc(what)}", markup=True), td(since)]
        for per_release in sides:
            if name not in per_release:
                cells.append(td("not recorded", "absent"))
                continue
            applies, computed = per_release[name][2:]
            cells.append(td(("new" if applies else "old") + (" (computed)" if computed else ""),
                            "good" if applies else "old"))
        rows.append(cells)
    return (para("Which side of each documented change (suite/testing/versions.py) every release "
                 "was on, i.e. which behaviour its gated tests checked; \"computed\": a file too "
                 "old to record it.", "note")
            + table(["change", "since", *labels], rows))


# --- environment ---------------------------------------------------------------------------------

def environment_section(inputs) -> str:
    fields = [("kind", lambda i: i.kind), ("created (UTC)", lambda i: i.document["created_utc"][:19])]
    fields += [(name, lambda i, name=name: benchfiles.show(name, i.document["environment"]))
               for name in benchfiles.ENVIRONMENT_FIELDS]
    rows, classes, differing = [], {}, []
    for index, (name, value_of) in enumerate(fields):
        values = [value_of(i) for i in inputs]
        if name not in ("kind", "created (UTC)") and len(set(values)) > 1:
            classes[index] = "differs"
            differing.append(name)
        rows.append([td(name)] + [td(v) for v in values])
    note = (f"Fields that differ between the runs, highlighted: {', '.join(differing)}."
            if differing else "Every run has the same environment.")
    return section("environment", "Environment", [
        para(note, "note"), table(["field", *[i.short for i in inputs]], rows, classes)])


# --- the page ------------------------------------------------------------------------------------

def render(inputs, rule: gate.Rule | None = None) -> str:
    sections = [(anchor, title, build()) for anchor, title, build in (
        ("conformance", "Conformance", lambda: conformance_section(inputs)),
        ("convergence", "Convergence", lambda: convergence_section(inputs)),
        ("benchmarks", "Benchmarks", lambda: benchmark_section(inputs, rule)),
        ("counts", "Instruction counts", lambda: counts_section(inputs)),
        ("versions", "Versions", lambda: versions_section(inputs)),
        ("environment", "Environment", lambda: environment_section(inputs)))]
    present = [(anchor, title, text) for anchor, title, text in sections if text]
    files = [[td(i.tag), td(i.kind), td(i.document["environment"]["torch"]),
              td(i.document["created_utc"][:19]), td(str(i.path))] for i in inputs]
    stamp = results.utc_now().strftime("%Y-%m-%d %H:%M:%S UTC")
    return "".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>Suite report: {len(inputs)} result file(s)</title><style>{STYLE}</style></head><body>",
        "<h1>torch-conformance-suite report</h1>",
        para(f"Written {stamp} by python -m suite.tools.report from {len(inputs)} result file(s).",
             "note"),
        "<nav>" + "".join(f'<a href="#{a}">{esc(t)}</a>' for a, t, _ in present) + "</nav>",
        table(["", "kind", "torch", "created (UTC)", "file"], files),
        *[text for _, _, text in present],
        "</body></html>\n"])


def default_output(directory: Path | None = None) -> Path:
    stamp = results.utc_now().strftime("%Y%m%dT%H%M%SZ")
    return (directory or results.results_dir()) / f"report_{stamp}.html"


def write(text: str, path: Path, replace: bool = True) -> Path:
    """Through a temporary file in the same folder; `replace=False` never replaces another
    report (a -2, -3, ... suffix, as result files get)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".report-", suffix=".tmp",
                                     delete=False, encoding="utf-8") as handle:
        temporary = Path(handle.name)
        try:
            handle.write(text)
        except BaseException:
            handle.close()
            temporary.unlink(missing_ok=True)
            raise
    umask = os.umask(0)
    os.umask(umask)
    temporary.chmod(0o666 & ~umask)  # a report is for sharing; mkstemp made it private
    if not replace:
        return results.publish(temporary, path)
    try:
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def build(paths, output: Path | None = None, rule: gate.Rule | None = None,
          directory: Path | None = None) -> Path:
    """Read, render and write a report (to `output`, replaced, or to a new report_<UTC
    time>.html in `directory`); ReportError or OSError leave nothing behind."""
    text = render(load(paths), rule)
    if output:
        return write(text, output)
    return write(text, default_output(directory), replace=False)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m suite.tools.report", description=__doc__.split("\n\n")[0],
        epilog="Exit status: 0 written; 2 bad input or an output that cannot be written.")
    parser.add_argument("paths", nargs="+", metavar="FILE_OR_DIR",
                        help="result files, or directories searched for *.json result files")
    parser.add_argument("--output", type=Path, metavar="PATH",
                        help="the HTML file (default: results/report_<UTC time>.html); replaced "
                        "if it exists")
    parser.add_argument("--gate", action="store_true",
                        help="with two or more benchmark files: the gate's verdicts of each "
                        "against the first")
    parser.add_argument("--max-slowdown", type=gate.fraction, default=gate.Rule.max_slowdown,
                        metavar="PERCENT", help="the gate's threshold (default 5%%)")
    args = parser.parse_args(argv)
    if args.output and args.output.is_dir():
        parser.error(f"--output {args.output}: is a directory")
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    rule = gate.Rule(max_slowdown=args.max_slowdown) if args.gate else None
    try:
        path = build(args.paths, args.output, rule)
    except ReportError as error:
        return fail(str(error))
    except OSError as error:
        return fail(f"{args.output or 'the report'}: cannot be written ({error.strerror or error})")
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
