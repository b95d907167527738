"""The HTML report (python -m suite.tools.report): a section per kind of result file given and
none without, a page that parses with its figures embedded, bad input refused with nothing
written, and the main job's JUnit XML for the convergence part."""

import copy
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from suite import ROOT
from suite.selftest.test_gate import (
    CONV,
    MATMUL,
    bench_entry,
    benchmark_document,
    conformance_document,
    quiet_times,
    write,
)
from suite.tools import junit, main, report

SAMPLES = Path(__file__).parent / "samples" / "report"
CONVERGENCE_SAMPLE = SAMPLES / "convergence_short.json"
VERSIONS = ROOT / "results" / "versions"
SECTIONS = ("conformance", "convergence", "benchmarks", "versions", "environment")
VOID = {"meta", "img", "br", "hr", "link", "input"}


class Page(HTMLParser):
    """The report's HTML, checked as it is read: every tag closed in order, nothing fetched."""

    def __init__(self, text: str):
        super().__init__()
        self.open, self.sections, self.images, self.problems = [], [], [], []
        self.feed(text)
        self.close()
        if self.open:
            self.problems.append(f"never closed: {self.open}")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs["id"])
        if tag == "img":
            self.images.append(attrs["src"])
        if tag in ("script", "link", "iframe") or (tag == "img" and not attrs["src"].startswith("data:image/png;base64,")):
            self.problems.append(f"<{tag}> needs more than the file itself: {attrs}")
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def parsed(path: Path) -> Page:
    page = Page(path.read_text(encoding="utf-8"))
    assert page.problems == []
    return page


def build(capsys, tmp_path, *inputs, extra=()):
    output = tmp_path / "out" / "report.html"
    code = report.main([*map(str, inputs), "--output", str(output), *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == f"report: {output}\n"
    return output


def benchmark_file(path, slowdown=0.0, **environment):
    return write(path, benchmark_document([
        bench_entry(MATMUL, quiet_times(1, slowdown)),
        bench_entry(CONV, quiet_times(2), unit="images/s", work_per_call=64.0)], **environment))


def conformance_file(path, **changes):
    document = conformance_document()
    document.update(changes)
    return write(path, document)


@pytest.fixture(scope="module")
def versions_report(tmp_path_factory):
    """The committed cross-version results, read once (five 250 KB files take seconds)."""
    if not VERSIONS.is_dir():
        pytest.skip("no committed result files: the suite is installed, not a checkout")
    output = tmp_path_factory.mktemp("versions") / "report.html"
    report.build([VERSIONS], output)
    return output


def test_cross_version_results_give_conformance_versions_and_environment(versions_report):
    page = parsed(versions_report)
    assert page.sections == ["conformance", "versions", "environment"]
    text = versions_report.read_text()
    assert "torch 2.5.1+cu124, torchvision 0.20.1" in text and "BATCHNORM_REPR_BIAS" in text
    assert "from-dlpack-negative-strides-abort" in text  # a known bug of the older releases
    assert 'href="https://github.com/pytorch/pytorch/issues/188023"' in text
    assert '<tr class="differs"><td>torch</td>' in text  # five releases: torch differs


@pytest.mark.parametrize("kinds, sections", [
    (("conformance",), ["conformance", "environment"]),
    (("convergence",), ["convergence", "environment"]),
    (("benchmark",), ["benchmarks", "environment"]),
    (("conformance", "convergence", "benchmark", "benchmark"),
     ["conformance", "convergence", "benchmarks", "environment"]),
], ids=["conformance", "convergence", "benchmark", "all"])
def test_a_section_appears_exactly_when_its_files_are_given(tmp_path, capsys, kinds, sections):
    files = {"conformance": lambda i: conformance_file(tmp_path / f"c{i}.json"),
             "convergence": lambda i: CONVERGENCE_SAMPLE,
             "benchmark": lambda i: benchmark_file(tmp_path / f"b{i}.json", slowdown=0.2 * i)}
    inputs = [files[kind](index) for index, kind in enumerate(kinds)]
    page = parsed(build(capsys, tmp_path, *inputs))
    assert page.sections == sections
    figures = ("convergence" in kinds) + (kinds.count("benchmark") > 1)
    assert len(page.images) == figures


def test_a_directory_is_searched_for_result_files(tmp_path, capsys):
    (tmp_path / "in" / "deep").mkdir(parents=True)
    conformance_file(tmp_path / "in" / "deep" / "c.json")
    benchmark_file(tmp_path / "in" / "b.json")
    (tmp_path / "in" / "notes.md").write_text("not a result file, not *.json")
    assert parsed(build(capsys, tmp_path, tmp_path / "in")).sections == [
        "conformance", "benchmarks", "environment"]


def test_failures_show_their_reason_and_the_command_that_reruns_them(tmp_path, capsys):
    failed = {"id": "suite/conformance/test_x.py::test_z[cpu]", "outcome": "failed",
              "duration_s": 0.1, "reason": "AssertionError: 1 != 2", "device": "cpu"}
    document = conformance_document()
    document["tests"].append(failed)
    document["summary"]["failed"] = 1
    text = build(capsys, tmp_path, write(tmp_path / "c.json", document)).read_text()
    assert ("<code>pytest &#x27;suite/conformance/test_x.py::test_z[cpu]&#x27; -p no:xdist "
            "--hypothesis-profile=dev --hypothesis-seed=1</code>") in text
    assert "AssertionError: 1 != 2" in text
    assert '<td class="bad num">1</td>' in text  # the failed count, coloured


def test_two_releases_give_the_matrix_with_outcomes_coloured(tmp_path, capsys):
    old = conformance_document()
    old["environment"] = {**old["environment"], "torch": "2.5.1"}
    old["tests"][0] = {**old["tests"][0], "outcome": "xfailed", "reason": "known bug"}
    old["summary"] = {**old["summary"], "passed": 0, "xfailed": 1}
    text = build(capsys, tmp_path, conformance_file(tmp_path / "new.json"),
                 write(tmp_path / "old.json", old)).read_text()
    assert Page(text).sections == ["conformance", "versions", "environment"]
    differs = text.split("What differs between releases")[1].split("Every behaviour")[0]
    assert ('<td>conformance/test_x.py::test_y</td><td class="good">passed 1</td>'
            '<td class="bug">xfailed 1<div class="reason">known bug</div></td>') in differs
    assert "LOAD_WEIGHTS_ONLY_DEFAULT" in text  # sides computed for files that lack them


def test_benchmarks_compare_against_the_first_and_show_the_gate(tmp_path, capsys):
    baseline = benchmark_file(tmp_path / "base.json")
    slower = benchmark_file(tmp_path / "slow.json", slowdown=0.3, torch="2.15.0")
    other_cpu = benchmark_file(tmp_path / "other.json", cpu_model="Another CPU")
    text = build(capsys, tmp_path, baseline, slower, other_cpu, extra=["--gate"]).read_text()
    assert "Baseline: #1 torch 2.14.1" in text
    assert "×0.77" in text  # 1 / 1.3, the slower run's matmul ratio
    assert '<td class="bad">REGRESSION</td>' in text
    assert "Not judged: cpu_model: Example CPU 9000 | Another CPU" in text
    assert "devices cpu (Example CPU 9000); torch threads 8" in text
    assert '<tr class="differs"><td>torch</td>' in text and '<tr class="differs"><td>cpu_model</td>' in text
    assert '<td class="bad">REGRESSION</td>' not in build(capsys, tmp_path, baseline, slower).read_text()


def test_convergence_shows_the_claims_held_or_not_and_time_to_target():
    """The committed sample (a real short-variant run) with its first claim made to fail."""
    sample = not_held(json.loads(CONVERGENCE_SAMPLE.read_text()))
    text = report.render([report.Input(1, CONVERGENCE_SAMPLE, "sample", sample)])
    verdicts = [c["passed"] for s in sample["summary"] for c in s["checks"]]
    assert text.count('<td class="bad">NOT held</td>') == verdicts.count(False) == 1
    assert text.count('<td class="good">held</td>') == verdicts.count(True)
    for run in sample["runs"]:
        assert f'<td class="good">epoch {run["epochs_to_target"]}</td>' in text
        assert f'<td class="num">{run["time_to_target_s"]:.1f} s</td>' in text


def not_held(document: dict) -> dict:
    """The document with its first claim failed."""
    changed = copy.deepcopy(document)
    for number, check in enumerate(c for s in changed["summary"] for c in s["checks"]):
        check["passed"] = number != 0
    return changed


BAD_INPUTS = {
    "missing": (None, "no such file"),
    "malformed": ("{not json", "not valid JSON"),
    "unknown": (json.dumps({"benchmarks": [], "machine_info": {}}), "does not follow suite/tools/schema.json"),
    "markdown": ("# a matrix.md\n", "not valid JSON"),
    "benchmark-file-without-benchmarks": (json.dumps(benchmark_document([])), "contains no benchmarks"),
}


@pytest.mark.parametrize("content, message", BAD_INPUTS.values(), ids=BAD_INPUTS)
def test_bad_input_is_one_line_exit_2_and_no_report(tmp_path, capsys, content, message):
    good = conformance_file(tmp_path / "good.json")
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    output = tmp_path / "out" / "report.html"
    assert report.main([str(good), str(bad), "--output", str(output)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"error: {bad}") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not output.parent.exists() or list(output.parent.iterdir()) == []


def test_an_empty_directory_or_unwritable_output_is_refused(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert report.main([str(tmp_path / "empty"), "--output", str(tmp_path / "r.html")]) == 2
    assert "error: no result files (*.json) in" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    output = tmp_path / "file" / "r.html"
    assert report.main([str(conformance_file(tmp_path / "c.json")), "--output", str(output)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {output}: cannot be written")


def test_default_output_never_replaces_a_report(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    source = conformance_file(tmp_path / "c.json")
    first = report.build([source])
    second = report.build([source])
    assert first.parent == tmp_path / "results" and first.name.startswith("report_")
    assert first != second and {first, second} <= set((tmp_path / "results").iterdir())
    assert not list((tmp_path / "results").glob(".report-*"))


@pytest.mark.parametrize("cell, cls", [
    ("passed 3", "good"), ("passed 2, skipped 1: torchvision not installed", "good"),
    ("skipped 3: failed to import", "skip"), ("passed 1, xfailed 2: bug", "bug"),
    ("failed 1, passed 2: AssertionError", "bad"), ("error 1", "bad"), ("xpassed 1", "warn"),
    ("absent", "absent"), ("CUDA only", "absent")])
def test_matrix_cells_are_coloured_by_their_worst_outcome(cell, cls):
    assert report.outcome_class(cell) == cls


def test_junit_file_names_insert_the_part():
    assert junit.part_path(Path("ci/junit.xml"), "conformance") == Path("ci/junit-conformance.xml")
    assert junit.part_path(Path("ci/junit"), "benchmarks") == Path("ci/junit-benchmarks.xml")
    args = main.parse_args(["--junitxml", "ci/junit.xml", "--no-report", "--results-dir", "/tmp"])
    assert args.no_report and main.junit_args(args, "break") == [
        f"--junitxml={Path('ci/junit-break.xml').resolve()}"]


def test_convergence_claims_become_junit_test_cases(tmp_path):
    document = json.loads(CONVERGENCE_SAMPLE.read_text())
    path = junit.write_convergence(not_held(document), tmp_path / "junit-convergence.xml")
    root = ET.parse(path).getroot()
    [suite_element] = root.findall("testsuite")
    cases = suite_element.findall("testcase")
    claims = [c["claim"] for s in document["summary"] for c in s["checks"]]
    assert [case.get("name") for case in cases] == claims
    assert suite_element.get("failures") == "1" and cases[0].find("failure") is not None
    assert list(tmp_path.iterdir()) == [path]
