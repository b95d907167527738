"""Benchmarks of the tutorials' workloads (pytest-benchmark); the harness is harness.py, what they time workloads.py."""
