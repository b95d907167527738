"""The suite's settings outside pytest's command line, checked up front by the plugin and by
`python -m suite`: a bad value is a usage error, never a traceback per benchmark. Kept free of
torch, so checking them costs nothing."""

import os

# One intra-op thread unless SUITE_BENCH_THREADS says otherwise: torch.utils.benchmark.Timer's
# default too. One thread gives figures that compare across machines of any core count, and
# that survive a neighbour: on the 2-core VM this suite was written on, with 2 threads a
# training step of the seed MLP went from 4 ms to 160 ms while another process held one core
# (each parallel region waits for the descheduled thread), with 1 thread it at most doubles.
# For multi-core throughput set SUITE_BENCH_THREADS to the core count, and compare runs only at
# equal torch_threads.
THREADS_ENV = "SUITE_BENCH_THREADS"
DEFAULT_THREADS = 1


def bench_threads() -> int:
    """The intra-op thread count every benchmark runs with (recorded as torch_threads)."""
    value = os.environ.get(THREADS_ENV)
    if value is None:
        return DEFAULT_THREADS
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{THREADS_ENV} must be a positive integer, got {value!r}")
    return int(value)
