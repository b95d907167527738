"""Several torch.distributed ranks on this machine, for the tests and the benchmarks.

Note [ranks]
`Ranks(world_size)` forks `world_size` processes (torch.multiprocessing's "fork" context: a
spawned rank would import torch again, about 4 s of CPU each); each joins one process group
through a FileStore in a temporary directory of its own (no port, so nothing collides under
`pytest -n auto`), with GLOO_SOCKET_IFNAME=lo, and then serves calls: `ranks.run(program, *args)`
runs the module-level function `program(rank, world_size, *args)` on every rank and returns
their results, rank by rank, to the parent, which makes the assertions. The group is started
once and reused across calls, because a process group is slow to start.

Nothing waits forever: init_process_group and every collective have the group's timeout, and
the parent waits at most `timeout_s` for each answer. A rank that raised, died or did not
answer fails the call with `RankFailed` and a one-line message, and the ranks are stopped; the
next `start()` (a fixture's setup) starts fresh ones.

Breakages reach the ranks: a breakage of suite/breakages/distributed.py sets
`BREAKAGE_IN_RANKS` (monkeypatched, so only for the test's call) and every call carries that
name to the ranks, which apply the same Breakage's patch around the program. The ranks are
forked in a fixture's setup, never during a call, so they never inherit a parent's patch.
"""

import contextlib
import datetime
import os
import tempfile
import time
import traceback
from multiprocessing.connection import wait

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as multiprocessing

TIMEOUT_S = 60.0
BREAKAGE_IN_RANKS = None  # the id of the breakage the ranks must apply (set by its patch)


class RankFailed(Exception):
    """A rank raised, died, or did not answer in time."""


def available(backend: str) -> bool:
    return dist.is_available() and {"gloo": dist.is_gloo_available,
                                    "nccl": dist.is_nccl_available}[backend]()


def rank_device(device: str, rank: int) -> torch.device:
    """The device a rank computes on: the CPU for gloo, one GPU per rank for nccl."""
    return torch.device(f"cuda:{rank}" if device == "cuda" else device)


def _serve(rank, world_size, backend, threads, store_path, timeout_s, connection):
    """A rank's life: join the group, run the programs the parent sends, answer each."""
    torch.set_num_threads(threads)  # the ranks share the machine's cores, as xdist workers do
    if backend == "nccl":
        torch.cuda.set_device(rank)
    os.environ["GLOO_SOCKET_IFNAME"] = "lo"
    try:
        store = dist.FileStore(store_path, world_size)
        dist.init_process_group(backend, store=store, rank=rank, world_size=world_size,
                                timeout=datetime.timedelta(seconds=timeout_s))
        connection.send(("ready", None))
        while (message := connection.recv()) is not None:
            program, args, breakage = message
            try:
                with _broken(breakage):
                    connection.send(("ok", program(rank, world_size, *args)))
            except Exception as error:  # reported to the parent, which fails the test
                connection.send(("error", _one_line(error)))
    except Exception as error:
        connection.send(("error", _one_line(error)))
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def _one_line(error) -> str:
    where = traceback.extract_tb(error.__traceback__)[-1:] or [None]
    at = f" (at {os.path.basename(where[0].filename)}:{where[0].lineno})" if where[0] else ""
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}{at}"


@contextlib.contextmanager
def _broken(breakage_id):
    if breakage_id is None:
        yield
        return
    from suite import breakages

    with pytest.MonkeyPatch.context() as monkeypatch:
        breakages.registry()[breakage_id].patch(monkeypatch)
        yield


class Ranks:
    """`world_size` ranks in one process group (Note [ranks])."""

    def __init__(self, world_size: int, backend: str = "gloo", timeout_s: float = TIMEOUT_S,
                 threads: int = 1):
        self.world_size, self.backend, self.timeout_s = world_size, backend, timeout_s
        self.threads = threads
        self.processes, self.connections, self.directory = [], [], None

    @property
    def running(self) -> bool:
        return bool(self.processes)

    def start(self) -> "Ranks":
        """Start the ranks unless they are running; raises RankFailed if they cannot join."""
        if self.running:
            return self
        # DDP's first construction imports torch._dynamo (about 900 modules, seconds of CPU):
        # imported here once, the forked ranks inherit it instead of each importing it again
        import torch._dynamo  # noqa: F401
        import torch.nn.parallel.distributed  # noqa: F401

        self.directory = tempfile.TemporaryDirectory(prefix="suite-ranks-")
        store_path = os.path.join(self.directory.name, "store")
        # CUDA cannot be used in a forked child: nccl ranks are spawned (and import torch anew)
        context = multiprocessing.get_context("spawn" if self.backend == "nccl" else "fork")
        for rank in range(self.world_size):
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=_serve, daemon=True, name=f"suite-rank-{rank}",
                args=(rank, self.world_size, self.backend, self.threads, store_path, self.timeout_s,
                      child_end))
            process.start()
            child_end.close()
            self.processes.append(process)
            self.connections.append(parent_end)
        self._answers("init_process_group")
        return self

    def run(self, program, *args) -> list:
        """program(rank, world_size, *args) on every rank; the results, rank 0 first."""
        if not self.running:
            raise RankFailed(f"the {self.world_size} ranks are not running (stopped after an "
                             "earlier failure; they restart in the next test's setup)")
        breakage = BREAKAGE_IN_RANKS
        for rank, connection in enumerate(self.connections):
            try:
                connection.send((program, args, breakage))
            except OSError:  # a broken pipe: the rank is gone
                self._fail(f"rank {rank} of {self.world_size} is gone (before {program.__name__})")
        return self._answers(program.__name__)

    def _answers(self, what: str) -> list:
        answers = {}
        deadline = time.monotonic() + self.timeout_s
        pending = dict(enumerate(self.connections))
        while pending:
            remaining = deadline - time.monotonic()
            sentinels = {self.processes[rank].sentinel: rank for rank in pending}
            ready = wait([*pending.values(), *sentinels], timeout=max(remaining, 0))
            if not ready:
                self._fail(f"rank(s) {sorted(pending)} of {self.world_size} gave no answer to "
                           f"{what} within {self.timeout_s:g} s (hung?)")
            for rank, connection in list(pending.items()):
                if connection in ready or connection.poll():
                    try:
                        status, value = connection.recv()
                    except (EOFError, OSError):  # closed: the rank died, see its sentinel
                        continue
                    if status == "error":
                        self._fail(f"rank {rank} of {self.world_size} failed in {what}: {value}")
                    answers[rank] = value
                    del pending[rank]
            for rank in list(pending):
                if not self.processes[rank].is_alive() or self.processes[rank].sentinel in ready:
                    self.processes[rank].join(1.0)  # its sentinel fired: it is exiting
                    code = self.processes[rank].exitcode
                    self._fail(f"rank {rank} of {self.world_size} died (exit code {code}) "
                               f"in {what}")
        return [answers[rank] for rank in range(self.world_size)]

    def _fail(self, message: str):
        self.stop(timeout_s=0)  # a failed group is not reused: its ranks may be mid-collective
        raise RankFailed(message)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the ranks to leave the group and exit; kill those still there after timeout_s."""
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.send(None)
        deadline = time.monotonic() + timeout_s
        for process in self.processes:
            process.join(max(deadline - time.monotonic(), 0))
            if process.is_alive():
                process.kill()
                process.join(timeout_s)
        for connection in self.connections:
            connection.close()
        self.processes, self.connections = [], []
        if self.directory is not None:
            self.directory.cleanup()
            self.directory = None


# --- fixtures (imported by the test modules that start ranks) ------------------------------

BACKENDS = {"cpu": "gloo", "cuda": "nccl"}


@pytest.fixture(scope="module")
def rank_groups():
    """{(backend, world size, threads): Ranks} started by a module's tests, stopped after it."""
    groups = {}
    yield groups
    for ranks in groups.values():
        ranks.stop()


def started(groups, device: str, world_size: int, threads: int = 1) -> Ranks:
    """The module's running Ranks for this device and size (started here, in a fixture's
    setup: never in a test's call, where a breakage's patch is applied)."""
    backend = BACKENDS[device]
    if not available(backend):
        pytest.skip(f"torch.distributed backend {backend} is not available in this build")
    if device == "cuda" and torch.cuda.device_count() < world_size:
        pytest.skip(f"nccl needs one GPU per rank: {world_size} ranks, "
                    f"{torch.cuda.device_count()} GPU(s) here")
    key = (backend, world_size, threads)
    if key not in groups:
        groups[key] = Ranks(world_size, backend, threads=threads)
    return groups[key].start()


@pytest.fixture
def ranks(rank_groups, device, world_size):
    """`world_size` ranks on `device` (gloo on the CPU, nccl on CUDA), reused across the
    module's tests; a test parametrizes `world_size`."""
    return started(rank_groups, device, world_size)
