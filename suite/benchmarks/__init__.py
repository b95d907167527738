"""Benchmarks of the tutorials' workloads (pytest-benchmark); the harness is timing.py."""
