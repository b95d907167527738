"""The rank launcher (suite/testing/distributed.py): a rank that hangs, dies or raises fails
the call with one line, within the timeout, and fresh ranks start after it; a breakage's name
reaches the ranks; the ranks need no Python network connection (the guard stays on)."""

import os
import socket
import time

import pytest
import torch.distributed as dist

from suite.testing import distributed
from suite.testing.distributed import RankFailed, Ranks

TIMEOUT_S = 3.0


@pytest.fixture(scope="module")
def two_ranks():
    ranks = Ranks(2, timeout_s=TIMEOUT_S)
    yield ranks
    ranks.stop()


@pytest.fixture
def running(two_ranks):
    return two_ranks.start()


def world(rank, world_size):
    return rank, world_size, dist.get_rank(), dist.get_world_size(), dist.get_backend()


def hang_on_rank_1(rank, world_size):
    if rank == 1:
        time.sleep(10 * TIMEOUT_S)
    return rank


def die_on_rank_0(rank, world_size):
    if rank == 0:
        os._exit(3)
    return rank


def raise_on_rank_1(rank, world_size):
    if rank == 1:
        raise ValueError("line one\nline two")
    return rank


def breakage_seen(rank, world_size):
    return distributed.BREAKAGE_IN_RANKS


def connect_outside(rank, world_size):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("192.0.2.1", 9))  # TEST-NET-1: never routed


def test_each_rank_joins_one_gloo_group(running):
    assert running.run(world) == [(0, 2, 0, 2, "gloo"), (1, 2, 1, 2, "gloo")]


@pytest.mark.parametrize("program, message", [
    (hang_on_rank_1, r"rank\(s\) \[1\] of 2 gave no answer to hang_on_rank_1 within 3 s"),
    (die_on_rank_0, r"rank 0 of 2 died \(exit code 3\) in die_on_rank_0"),
    (raise_on_rank_1, r"rank 1 of 2 failed in raise_on_rank_1: ValueError: line one \(at "),
], ids=("hangs", "dies", "raises"))
def test_a_failing_rank_fails_the_call_with_one_line_and_restarts(running, program, message):
    start = time.monotonic()
    with pytest.raises(RankFailed, match=message) as failure:
        running.run(program)
    assert "\n" not in str(failure.value)
    assert time.monotonic() - start < TIMEOUT_S + 2, "the failure was not reported in time"
    assert not running.running, "a failed group must not be reused"
    with pytest.raises(RankFailed, match="not running"):
        running.run(world)
    assert running.start().run(world)[1][:2] == (1, 2)


def test_the_breakage_id_reaches_the_ranks(running, monkeypatch):
    monkeypatch.setattr(distributed, "BREAKAGE_IN_RANKS", None)
    assert running.run(breakage_seen) == [None, None]
    with pytest.MonkeyPatch.context() as broken:
        from suite import breakages

        breakages.registry()["sampler-ignores-set_epoch"].patch(broken)
        assert running.run(breakage_seen) == ["sampler-ignores-set_epoch"] * 2
    assert running.run(breakage_seen) == [None, None]


def test_the_ranks_inherit_the_network_guard(running):
    """The ranks are forked inside a guarded test: a Python connection outside is refused there
    too (gloo's own sockets are C++, on loopback, and need no exception)."""
    with pytest.raises(RankFailed, match="NetworkAccessAttempted"):
        running.run(connect_outside)


@pytest.mark.parametrize("gpus", (0, 1, 2))
def test_nccl_ranks_skip_with_the_reason_where_gpus_are_too_few(monkeypatch, gpus):
    """On a machine with fewer GPUs than ranks (a 1-GPU machine: every 2- and 3-rank nccl test)
    the ranks are not started and the test skips saying why, never fails."""
    monkeypatch.setattr(distributed, "available", lambda backend: True)
    monkeypatch.setattr(distributed.torch.cuda, "device_count", lambda: gpus)
    with pytest.raises(pytest.skip.Exception,
                       match=rf"nccl needs one GPU per rank: 3 ranks, {gpus} GPU\(s\) here"):
        distributed.started({}, "cuda", 3)


def test_a_missing_backend_skips_with_its_name(monkeypatch):
    monkeypatch.setattr(distributed, "available", lambda backend: False)
    with pytest.raises(pytest.skip.Exception, match="backend nccl is not available in this build"):
        distributed.started({}, "cuda", 2)
