"""The instruction-count tier: count the workloads under callgrind, write a counts result file.

    python -m suite.tools.counts [--select SUBSTRINGS] [--repeats 5] [--results-dir DIR]
    python -m suite.tools.counts --list

The main job runs the same as its `counts` part. How the counts are taken: Note [counts] in
suite/benchmarks/counts.py; how two files are judged: suite/tools/countgate.py
(`python -m suite.tools.gate BASELINE.json CANDIDATE.json` on two counts files).
"""

import argparse
import platform
import sys
import time
from pathlib import Path

from suite.benchmarks import counts
from suite.tools import cli, countgate, results

KIND = countgate.KIND


def dependencies(environment: dict, valgrind: str) -> dict:
    """What a count depends on besides the code: two files differing here are not comparable."""
    import torch

    return {
        "torch": f"{torch.__version__} ({torch.version.git_version})",
        "numpy": environment["numpy"],
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "valgrind": valgrind,
        "cpu_model": environment["cpu_model"],
    }


def document(names: list[str], repeats: int, command: list[str]) -> dict:
    """Count `names` (raises counts.CountsUnavailable) and build the result document."""
    from suite import environment

    valgrind = counts.valgrind_version()
    created = results.utc_now()
    started = time.perf_counter()
    entries = counts.count(names, repeats)
    record = environment.collect()
    return {
        "schema_version": results.SCHEMA_VERSION,
        "kind": KIND,
        "created_utc": created.isoformat(),
        "environment": record,
        "run": {"command": command, "devices": ["cpu"],
                "duration_s": round(time.perf_counter() - started, 3), "exit_code": 0},
        "dependencies": dependencies(record, valgrind),
        "repeats": repeats,
        "counts": entries,
    }


def summary_lines(doc: dict) -> list[str]:
    lines = [f"{len(doc['counts'])} workloads, {doc['repeats']} repeats each, in "
             f"{doc['run']['duration_s']:.0f} s (one valgrind process)"]
    for entry in doc["counts"]:
        lines.append(f"{entry['name']:<30} {entry['overhead_median']:>14,} instructions/call "
                     f"(spread {100 * entry['overhead_spread']:.2f} %)")
    return lines


def repeats(value: str) -> int:
    if value.isdigit() and int(value) >= counts.MIN_REPEATS:
        return int(value)
    raise argparse.ArgumentTypeError(
        f"expected at least {counts.MIN_REPEATS} repeats (fewer cannot show a spread), got {value!r}")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m suite.tools.counts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--select", help="only the workloads whose names contain one of these "
                                         "comma-separated substrings")
    parser.add_argument("--repeats", type=repeats, default=counts.DEFAULT_REPEATS,
                        help=f"repeats per workload (default {counts.DEFAULT_REPEATS})")
    parser.add_argument("--results-dir", type=Path, default=None,
                        help="where the counts file goes (default ./results)")
    parser.add_argument("--list", action="store_true", help="list the workloads, count nothing")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.list:
        for workload in counts.WORKLOADS.values():
            print(f"{workload.name:<30} {workload.what}")
        return 0
    names = counts.select(args.select)
    if not names:
        return cli.fail(f"--select {args.select}: matches no workload (see --list)")
    try:
        doc = document(names, args.repeats, ["python", "-m", "suite.tools.counts", *argv])
        path = results.write(doc, args.results_dir or results.results_dir())
    except counts.CountsUnavailable as error:
        return cli.fail(f"counts: {error}")
    except (OSError, results.ResultError) as error:
        return cli.fail(f"counts: could not write the result file: {error}")
    print("\n".join(summary_lines(doc)))
    print(f"result file: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
