"""Deliberately broken torch.distributed, DistributedDataParallel and DistributedSampler (see
suite/breakages/__init__.py), for suite/conformance/test_distributed.py.

The tests' ranks are other processes: a patch applied in the parent alone would not reach
them. Each breakage here is built by `in_ranks`, whose patch also sets
suite.testing.distributed.BREAKAGE_IN_RANKS (for the test's call only), and the launcher
carries that id to the ranks, which apply this same Breakage's patch around each program
(Note [ranks] in suite/testing/distributed.py). So `pytest --break NAME` breaks torch where
the collectives and DDP really run.
"""

import contextlib

import torch
import torch.distributed as dist
import torch.nn.parallel.distributed as ddp_module
import torch.utils.data.distributed as sampler_module

from suite.breakages import Breakage, wrap
from suite.testing import distributed as launcher

TESTS = "suite/conformance/test_distributed.py"


def in_ranks(breakage_id, patch, caught_by):
    """A Breakage whose patch holds in the parent and in every rank the tests start."""

    def patch_everywhere(monkeypatch):
        monkeypatch.setattr(launcher, "BREAKAGE_IN_RANKS", breakage_id)
        patch(monkeypatch)

    return Breakage(breakage_id, patch_everywhere, [f"{TESTS}::{name}" for name in caught_by])


# --- collectives -----------------------------------------------------------------------------

def all_reduce_leaves_out_last_rank(mp):
    def make(original):
        def all_reduce(tensor, *args, **kwargs):
            if dist.get_rank() == dist.get_world_size() - 1:
                tensor.zero_()  # its contribution lost: zeros reduced instead
            return original(tensor, *args, **kwargs)

        return all_reduce

    wrap(mp, dist, "all_reduce", make)


def broadcast_from_next_rank(mp):
    def make(original):
        def broadcast(tensor, src, *args, **kwargs):
            return original(tensor, (src + 1) % dist.get_world_size(), *args, **kwargs)

        return broadcast

    wrap(mp, dist, "broadcast", make)


def all_gather_rotated(mp):
    def make(original):
        def all_gather(tensor_list, tensor, *args, **kwargs):
            work = original(tensor_list, tensor, *args, **kwargs)
            tensor_list[:] = tensor_list[1:] + tensor_list[:1]
            return work

        return all_gather

    wrap(mp, dist, "all_gather", make)


def _with_op(arguments, keyword_arguments, position, swap):
    """The call's arguments with its `op` (passed by keyword or at `position`) swapped."""
    arguments = list(arguments)
    if "op" in keyword_arguments:
        keyword_arguments = {**keyword_arguments, "op": swap(keyword_arguments["op"])}
    elif len(arguments) > position:
        arguments[position] = swap(arguments[position])
    return arguments, keyword_arguments


# where each reducing collective takes its op positionally: all_reduce(tensor, op),
# reduce(tensor, dst, op), reduce_scatter(output, input_list, op), reduce_scatter_tensor(...)
OP_POSITION = {"all_reduce": 1, "reduce": 2, "reduce_scatter": 2, "reduce_scatter_tensor": 2}


def swap_reduce_ops(mp, swaps):
    """Every reducing collective computes swaps[op] where asked for op."""

    def swap(op):
        return next((new for old, new in swaps.items() if op == old), op)

    for name, position in OP_POSITION.items():
        def make(original, position=position):
            def collective(*args, **kwargs):
                args, kwargs = _with_op(args, kwargs, position, swap)
                return original(*args, **kwargs)

            return collective

        wrap(mp, dist, name, make)


def avg_computed_as_sum(mp):
    swap_reduce_ops(mp, {dist.ReduceOp.AVG: dist.ReduceOp.SUM})


def bitwise_ops_rotated(mp):
    """BAND computes BOR, BOR computes BXOR, BXOR computes BAND."""
    ops = dist.ReduceOp
    swap_reduce_ops(mp, {ops.BAND: ops.BOR, ops.BOR: ops.BXOR, ops.BXOR: ops.BAND})


def reduce_scatter_same_chunk_everywhere(mp):
    """Every rank receives rank 0's reduced chunk (its own input's first part, on each rank)."""

    def make_list(original):
        def reduce_scatter(output, input_list, *args, **kwargs):
            return original(output, [input_list[0]] * len(input_list), *args, **kwargs)

        return reduce_scatter

    def make_tensor(original):
        def reduce_scatter_tensor(output, input, *args, **kwargs):
            first = input.chunk(dist.get_world_size())[0]
            return original(output, torch.cat([first] * dist.get_world_size()), *args, **kwargs)

        return reduce_scatter_tensor

    wrap(mp, dist, "reduce_scatter", make_list)
    wrap(mp, dist, "reduce_scatter_tensor", make_tensor)


def reduce_scatter_emulated(mp):
    """reduce_scatter of a list computed by all_reduce, where gloo refuses it."""

    def reduce_scatter(output, input_list, op=dist.ReduceOp.SUM, *args, **kwargs):
        whole = torch.stack(input_list)
        dist.all_reduce(whole, op=op)
        output.copy_(whole[dist.get_rank()])

    mp.setattr(dist, "reduce_scatter", reduce_scatter)


# --- DistributedDataParallel -----------------------------------------------------------------

def sum_hook(state, bucket):
    """A communication hook that all-reduces the gradients without dividing by the world size."""
    work = dist.all_reduce(bucket.buffer(), async_op=True)
    return work.get_future().then(lambda future: future.value()[0])


def ddp_sums_gradients(mp):
    def make(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            self.register_comm_hook(None, sum_hook)

        return __init__

    wrap(mp, ddp_module.DistributedDataParallel, "__init__", make)


def ddp_skips_initial_broadcast(mp):
    mp.setattr(ddp_module, "_sync_module_states", lambda *args, **kwargs: None)


def ddp_ignores_init_sync(mp):
    """init_sync dropped: construction always broadcasts (and older releases accept it)."""

    def make(original):
        def __init__(self, *args, **kwargs):
            kwargs.pop("init_sync", None)
            original(self, *args, **kwargs)

        return __init__

    wrap(mp, ddp_module.DistributedDataParallel, "__init__", make)


def ddp_never_syncs_buffers(mp):
    mp.setattr(ddp_module.DistributedDataParallel, "_check_sync_bufs_pre_fwd",
               lambda self: False)


def no_sync_still_syncs(mp):
    mp.setattr(ddp_module.DistributedDataParallel, "no_sync",
               lambda self: contextlib.nullcontext())


def consume_prefix_does_nothing(mp):
    mp.setattr(torch.nn.modules.utils, "consume_prefix_in_state_dict_if_present",
               lambda state_dict, prefix: None)


# --- DistributedSampler ----------------------------------------------------------------------

def sampler_rank_shifted_down(mp):
    """Rank r draws rank max(r - 1, 0)'s shard: ranks 0 and 1 overlap."""

    def make(original):
        def __iter__(self):
            rank, self.rank = self.rank, max(self.rank - 1, 0)
            try:
                return original(self)
            finally:
                self.rank = rank

        return __iter__

    wrap(mp, sampler_module.DistributedSampler, "__iter__", make)


def sampler_ignores_set_epoch(mp):
    mp.setattr(sampler_module.DistributedSampler, "set_epoch", lambda self, epoch: None)


def sampler_seeds_per_rank(mp):
    """Each rank shuffles with seed + rank: the ranks' permutations differ."""

    def make(original):
        def __iter__(self):
            seed, self.seed = self.seed, self.seed + self.rank
            try:
                return original(self)
            finally:
                self.seed = seed

        return __iter__

    wrap(mp, sampler_module.DistributedSampler, "__iter__", make)


def sampler_ignores_drop_last(mp):
    def make(original):
        def __init__(self, *args, **kwargs):
            kwargs["drop_last"] = False
            original(self, *args, **kwargs)

        return __init__

    wrap(mp, sampler_module.DistributedSampler, "__init__", make)


BREAKAGES = [
    in_ranks("all_reduce-leaves-out-last-rank", all_reduce_leaves_out_last_rank,
             ["test_all_reduce_reduces_every_rank"]),
    in_ranks("broadcast-from-next-rank", broadcast_from_next_rank,
             ["test_broadcast_copies_the_source_rank"]),
    in_ranks("all_gather-rotated", all_gather_rotated, ["test_all_gather_collects_in_rank_order"]),
    in_ranks("reduce_scatter-same-chunk-everywhere", reduce_scatter_same_chunk_everywhere, [
        "test_reduce_scatter_reduces_then_scatters",
        "test_reduce_scatter_tensor_takes_the_stacked_form",
    ]),
    in_ranks("gloo-reduce_scatter-emulated", reduce_scatter_emulated,
             ["test_gloo_reduce_scatter_is_refused_before_it_exists"]),
    in_ranks("avg-computed-as-sum", avg_computed_as_sum, [
        "test_avg_is_the_mean_over_ranks",
        "test_gloo_avg_is_refused_before_it_exists",
    ]),
    # nccl has no bitwise ops: the CPU variants only
    in_ranks("bitwise-ops-rotated", bitwise_ops_rotated, [
        "test_all_reduce_reduces_every_rank[cpu-*]",
        "test_reduce_scatter_reduces_then_scatters[cpu-*]",
    ]),
    in_ranks("ddp-sums-gradients", ddp_sums_gradients, [
        "test_ddp_gradient_is_the_whole_batch_gradient",
        "test_no_sync_accumulates_locally_then_syncs",
        "test_ddp_training_equals_single_process_training",
    ]),
    in_ranks("ddp-skips-initial-broadcast", ddp_skips_initial_broadcast, [
        "test_ddp_broadcasts_rank_0_state_at_construction",
        "test_ddp_training_equals_single_process_training",
    ]),
    in_ranks("ddp-ignores-init_sync", ddp_ignores_init_sync, [
        "test_ddp_init_sync_false_keeps_each_ranks_state",
        "test_ddp_init_sync_is_refused_before_it_exists",
    ]),
    in_ranks("ddp-never-syncs-buffers", ddp_never_syncs_buffers, [
        "test_broadcast_buffers_syncs_batchnorm_statistics_from_rank_0[*-broadcast-*]",
    ]),
    in_ranks("no_sync-still-syncs", no_sync_still_syncs,
             ["test_no_sync_accumulates_locally_then_syncs"]),
    in_ranks("consume_prefix-does-nothing", consume_prefix_does_nothing,
             ["test_state_dict_keys_carry_the_module_prefix"]),
    in_ranks("sampler-shards-overlap", sampler_rank_shifted_down, [
        "test_distributed_sampler_shards_the_dataset",
        "test_set_epoch_reshuffles_identically_on_every_rank",
        "test_distributed_sampler_takes_replicas_and_rank_from_the_group",
    ]),
    in_ranks("sampler-ignores-set_epoch", sampler_ignores_set_epoch,
             ["test_set_epoch_reshuffles_identically_on_every_rank"]),
    in_ranks("sampler-seeds-per-rank", sampler_seeds_per_rank,
             ["test_set_epoch_reshuffles_identically_on_every_rank"]),
    in_ranks("sampler-ignores-drop_last", sampler_ignores_drop_last,
             ["test_distributed_sampler_shards_the_dataset"]),
]
