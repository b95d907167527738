"""The cross-version report: per-test outcomes of several releases side by side.

    python -m suite.tools.matrix [PATH ...] [--output FILE]

Each PATH is a result file written by `pytest --results-dir DIR` (kind conformance; the tox
environments write them to results/versions/<env>/) or a directory of them, searched
recursively; per torch version the newest file counts. Default PATH: results/versions.
Writes a markdown matrix, behaviour (test function) x release, the behaviours whose
outcome differs between releases first, and prints where it went.
"""

import argparse
import os
import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from suite.tools.cli import fail
from suite.tools import results

DEFAULT_DIR = Path("results") / "versions"  # of the working directory


def release_key(document: dict) -> tuple:
    """Sort key of a release: the numeric parts of its torch version."""
    return tuple(int(part) for part in re.findall(r"\d+", document["environment"]["torch"].split("+")[0]))


def label(document: dict) -> str:
    env = document["environment"]
    vision = env["torchvision"]
    return f"torch {env['torch']}<br>torchvision {vision}"


def find_files(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.rglob("*.json"))
        elif path.exists():
            found.append(path)
        else:
            raise results.ResultError(f"{path}: no such file or directory")
    return found


def load_releases(paths: list[Path]) -> list[dict]:
    """The newest conformance result per torch version, newest release first."""
    newest = newest_per_release(results.read(path) for path in find_files(paths))
    if not newest:
        raise results.ResultError(
            "no conformance result files found in " + ", ".join(str(p) for p in paths)
            + " (run `tox`, or `pytest --results-dir DIR` under each release)")
    return newest


def newest_per_release(documents) -> list[dict]:
    """Of result files already read: the newest completed conformance run per torch version,
    newest release first (none: an empty list)."""
    newest = {}
    for document in documents:
        if document["kind"] != "conformance" or document["run"]["exit_code"] not in (0, 1):
            continue  # another kind, or a run that did not complete
        torch_version = document["environment"]["torch"]
        if torch_version not in newest or document["created_utc"] > newest[torch_version]["created_utc"]:
            newest[torch_version] = document
    return sorted(newest.values(), key=release_key, reverse=True)


def behaviour(test_id: str) -> str:
    """A test function: the node id without its parameters."""
    return test_id.split("[", 1)[0]


def cell(entries: list[dict]) -> str:
    """One behaviour's outcome under one release, e.g. 'passed 12', 'skipped 3: reason'."""
    if not entries:
        return "absent"
    counts = Counter(entry["outcome"] for entry in entries if entry["device"] != "cuda")
    parts = [f"{outcome} {count}" for outcome, count in sorted(counts.items())]
    reasons = sorted({entry["reason"] for entry in entries
                      if entry["outcome"] != "passed" and entry["device"] != "cuda" and entry["reason"]})
    text = ", ".join(parts) or "CUDA only"
    return text + (": " + "; ".join(reasons) if reasons else "")


def matrix(releases: list[dict]) -> dict:
    """{behaviour: [cell per release]} over the union of the releases' tests."""
    grouped = [defaultdict(list) for _ in releases]
    for index, document in enumerate(releases):
        for entry in document["tests"]:
            grouped[index][behaviour(entry["id"])].append(entry)
    names = sorted(set().union(*grouped))
    return {name: [cell(per_release.get(name, [])) for per_release in grouped] for name in names}


def gate_sides(document: dict) -> dict:
    """{gate name: (since, what, applies, computed)} as the run recorded them; for a file written
    before runs recorded them, what today's suite/testing/versions.py says (computed=True)."""
    from suite.testing import versions

    recorded = document["run"].get("version_gates")
    if recorded is not None:
        return {g["name"]: (g["since"], g["what"], g["applies"], False) for g in recorded}
    installed = versions.release(document["environment"]["torch"])
    return {name: (change.since, change.what, change.applies(installed), True)
            for name, change in versions.changes().items()}


def gate_rows(releases: list[dict]) -> list[str]:
    """The behaviour changes the suite gates on (suite/testing/versions.py): which side each release was
    on, i.e. which branch of the gated tests ran there."""
    from suite.testing import versions

    sides = [gate_sides(document) for document in releases]
    described = {}  # name -> (since, what), the newest release's description first
    for per_release in reversed(sides):
        described.update({name: entry[:2] for name, entry in per_release.items()})
    lines = ["| change | since | " + " | ".join(label(r) for r in releases) + " |",
             "|---|---" + "|---" * len(releases) + "|"]
    for name, (since, what) in sorted(described.items(), key=lambda item: versions.Version(item[1][0])):
        cells = []
        for per_release in sides:
            if name not in per_release:
                cells.append("not recorded")
                continue
            _, _, applies, computed = per_release[name]
            cells.append(("new" if applies else "**old**") + (" (computed)" if computed else ""))
        lines.append(f"| `{name}`: {escape(what)} | {since} | " + " | ".join(cells) + " |")
    return lines


def bug_rows(releases: list[dict]) -> list[str]:
    """Known upstream bugs (reference/bugs.py) x release: the tests each bug xfailed there, as
    the run recorded them (run.known_bugs); files older than that record say so."""
    seen = {}  # id -> (issue, title, package, affected), the newest release's first
    for document in reversed(releases):
        for bug in document["run"].get("known_bugs", []):
            seen.setdefault(bug["id"], (bug["issue"], bug["title"], bug["package"], bug["affected"]))
    if not seen:
        return ["No release recorded a known upstream bug."]
    lines = ["| bug | affected | " + " | ".join(label(r) for r in releases) + " |",
             "|---|---" + "|---" * len(releases) + "|"]
    for bug_id, (issue, title, package, affected) in sorted(seen.items()):
        cells = []
        for document in releases:
            recorded = document["run"].get("known_bugs")
            found = next((b for b in recorded or [] if b["id"] == bug_id), None)
            cells.append("not recorded" if recorded is None else "not affected" if found is None
                         else f"**affected**: {len(found['tests'])} test(s) xfailed")
        name = f"[{escape(bug_id)}]({issue})" if issue else f"{escape(bug_id)} (not yet reported upstream)"
        lines.append(f"| {name}: {escape(title)} | {package} {escape(affected)} | "
                     + " | ".join(cells) + " |")
    return lines


def escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: dict, releases: list[dict], highlight: bool) -> list[str]:
    lines = ["| behaviour | " + " | ".join(label(r) for r in releases) + " |",
             "|---" * (len(releases) + 1) + "|"]
    for name, cells in rows.items():
        shown = [f"**{escape(c)}**" if highlight and c != cells[0] else escape(c) for c in cells]
        lines.append(f"| `{name}` | " + " | ".join(shown) + " |")
    return lines


def render(releases: list[dict]) -> str:
    rows = matrix(releases)
    changed = {name: cells for name, cells in rows.items() if len(set(cells)) > 1}
    lines = ["# Cross-version conformance report", "",
             "Generated by `python -m suite.tools.matrix` from the result files of `tox` "
             "(one per release); CUDA variants are left out of the counts.", "",
             "| release | python | passed | failed | skipped | xfailed | errors | run on | result created |",
             "|---|---|---|---|---|---|---|---|---|"]
    for document in releases:
        summary, env = document["summary"], document["environment"]
        lines.append(
            f"| {label(document)} | {env['python']} | {summary['passed']} | {summary['failed']} | "
            f"{summary['skipped']} | {summary['xfailed']} | {summary['error']} | {escape(env['cpu_model'])} | "
            f"{document['created_utc'][:19]}Z |")
    lines += ["", "## Behaviour changes the suite gates on", "",
              "Tests of these behaviours check the new behaviour on releases marked new and the old "
              "one on releases marked old (suite/testing/versions.py); both pass where the release behaves "
              "as documented for its side. Sides are those each run recorded; \"computed\" marks a "
              "file too old to record them, whose side today's suite/testing/versions.py gives.", ""]
    lines += gate_rows(releases)
    lines += ["", "## Known upstream bugs per release", "",
              "The bugs of reference/bugs.py each release's run found itself affected by; their "
              "tests were strict xfails naming the issue.", ""]
    lines += bug_rows(releases)
    lines += ["", f"## What differs between releases ({len(changed)} of {len(rows)} behaviours)", "",
              "Cells that differ from the newest release are in bold.", ""]
    lines += table(changed, releases, highlight=True) if changed else ["Nothing: every behaviour has the same outcome."]
    lines += ["", "## Every behaviour", "", "<details><summary>all rows</summary>", ""]
    lines += table(rows, releases, highlight=False)
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as handle:
        temporary = Path(handle.name)
    try:
        temporary.write_text(text)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suite.tools.matrix", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[DEFAULT_DIR],
                        help="result files or directories (default: results/versions)")
    parser.add_argument("--output", type=Path, default=DEFAULT_DIR / "matrix.md",
                        help="the markdown file to write (default: results/versions/matrix.md)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        releases = load_releases(args.paths)
    except (results.ResultError, OSError) as error:
        return fail(str(error))
    try:
        write_atomically(args.output, render(releases))
    except OSError as error:
        return fail(f"{args.output}: cannot be written ({error.strerror or error})")
    print(f"{len(releases)} release(s): " + ", ".join(r["environment"]["torch"] for r in releases))
    print(f"matrix written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
