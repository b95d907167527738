"""What every command-line tool of the suite does with bad input: one line on stderr, exit 2,
nothing half-written (the writers publish a file only once it is complete)."""

import sys

USAGE_ERROR = 2


def fail(message: str) -> int:
    """Print `error: message` on stderr; the exit status for a tool to return."""
    print(f"error: {message}", file=sys.stderr)
    return USAGE_ERROR


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)
