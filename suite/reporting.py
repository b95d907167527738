"""What the terminal summary and the result files say about tests that did not run.

Kept free of torch so the root conftest can import it before the options are checked.
"""

from collections import Counter

import pytest

CUDA_MISSING = "CUDA not available"

# Shared between the root conftest (which fills them) and the main job (which reads them).
DEVICES = pytest.StashKey[tuple]()
EXCLUDED_DEVICES = pytest.StashKey[Counter]()


def skip_reason(report) -> str:
    """The reason pytest recorded for a skipped test, without pytest's 'Skipped: ' prefix."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def not_run(skipped_reports, excluded_by_option: Counter) -> list[dict]:
    """Tests that did not run, grouped by reason, largest group first.

    `excluded_by_option` counts device variants that --device left out of collection.
    """
    groups = Counter()
    for report in skipped_reports:
        reason = skip_reason(report)
        what = "CUDA variants" if reason == CUDA_MISSING else "tests"
        groups[(what, reason)] += 1
    for device, count in excluded_by_option.items():
        groups[(f"{device.upper()} variants", f"not collected: --device excludes {device}")] += count
    return [
        {"count": count, "what": what, "reason": reason}
        for (what, reason), count in sorted(groups.items(), key=lambda item: -item[1])
    ]


def format_not_run(groups: list[dict]) -> list[str]:
    if not groups:
        return ["everything collected ran"]
    return [f"{g['count']} {g['what']} not run: {g['reason']}" for g in groups]
