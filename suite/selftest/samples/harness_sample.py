"""Run by test_harness.py in a fresh pytest (its name keeps it out of normal collection)."""

import socket

import pytest

from hypothesis import given
from hypothesis import strategies as st


def test_device_generic(device):
    assert device in ("cpu", "cuda")


@pytest.mark.parametrize("size", [1, 2])
def test_device_generic_with_another_parameter(device, size):
    assert device in ("cpu", "cuda") and size in (1, 2)


def test_device_generic_left_out_by_k(device):
    """Deselected by test_harness's -k: its CUDA variant must not count as left out by --device."""
    assert device in ("cpu", "cuda")


@pytest.fixture
def downloads_quietly():
    try:
        socket.create_connection(("192.0.2.2", 80), timeout=0.01)
    except Exception:
        pass


def test_fixture_that_connects(downloads_quietly):
    pass


def test_connects_and_swallows_the_error():
    try:
        socket.create_connection(("192.0.2.1", 80), timeout=0.01)
    except Exception:
        pass


@given(st.integers(0, 10))
def test_property_that_fails(n):
    assert n < 3
