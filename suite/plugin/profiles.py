"""Hypothesis profiles, and which one a run uses.

dev       the default: fast, a fresh seed per run (printed in the header)
ci        chosen automatically when CI=true: derandomized, so a CI failure reruns identically
thorough  many examples, for nightly runs

No profile has a deadline: torch's first call of an op can take a second (kernel
selection, lazy init), and a deadline would turn that into flaky failures.
"""

import os
import random

# hypothesis is imported inside the functions: the main job reads PROFILES before it starts
# pytest, and a hypothesis imported that early could not have its asserts rewritten.

PROFILES = {
    "dev": dict(max_examples=25, deadline=None, print_blob=True),
    "ci": dict(max_examples=40, deadline=None, print_blob=True, derandomize=True, database=None),
    "thorough": dict(max_examples=1000, deadline=None, print_blob=True),
}


def register() -> None:
    from hypothesis import settings

    for name, options in PROFILES.items():
        settings.register_profile(name, **options)
    settings.register_profile(BREAK_PROFILE, **break_options())


# `--break` runs tests on a deliberately broken torch and needs the same verdict every time:
# derandomized, more examples, no shrinking (the first failure is the verdict), no example
# database to pollute. Chosen in pytest_configure, before any test module is imported, so the
# settings that @given binds at decoration time are these.
BREAK_PROFILE = "break"


def break_options():
    from hypothesis import Phase

    return dict(
        max_examples=100, deadline=None, derandomize=True, database=None,
        phases=(Phase.explicit, Phase.generate), report_multiple_bugs=False,
    )


def running_in_ci(environ=os.environ) -> bool:
    return environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def default_profile(environ=os.environ) -> str:
    return "ci" if running_in_ci(environ) else "dev"


def new_seed() -> int:
    return random.SystemRandom().randrange(2**32)


def describe(name: str, seed) -> str:
    """The header line: profile, examples per test and how to rerun with the same data."""
    options = PROFILES.get(name) or break_options()
    examples = options["max_examples"]
    if options.get("derandomize"):
        data = "derandomized (each test's data is fixed by its name)"
    elif seed is not None:
        data = f"seed {seed} (rerun with --hypothesis-seed={seed})"
    else:
        data = "random seed per test"
    return f"hypothesis profile {name}: {examples} examples per test, {data}"
