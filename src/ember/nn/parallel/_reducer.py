"""DistributedDataParallel's gradient reducer: parameters grouped into buckets, each bucket
all-reduced (asynchronously) as soon as every gradient in it is ready during backward.

The bucket rules are PyTorch's (``compute_bucket_assignment_by_size`` in its reducer): walk
the parameters, grouping by dtype and device; a bucket closes once its byte size reaches the
current limit, and the limits advance through a list (a small first bucket, then the cap).
Initial buckets are built over the parameters in definition order and then reversed (backward
produces the last layer's gradients first). Unless unused parameters are searched for, the
first iteration uses one bucket for everything, and the buckets are rebuilt once, in the order
gradients actually became ready.

>>> _bucket_assignment_by_size([ember.zeros(300), ember.zeros(10)], [1024, 4096])
[[0], [1]]
"""
import weakref

from ...autograd.grad_mode import no_grad

# NOTE: PyTorch's default first bucket (dist._DEFAULT_FIRST_BUCKET_BYTES) is 1 MiB
DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024
DEFAULT_BUCKET_CAP_MB = 25
MB = 1024 * 1024


def _bucket_assignment_by_size(tensors, size_limits, indices=None):
    """Bucket the tensors by dtype and device, each closing once its bytes reach the limit.

    ``indices`` (the gradient-ready order used when rebuilding) name the tensors; without them
    the buckets are sorted by their smallest index, as PyTorch sorts them.
    """
    result = []
    open_buckets = {}
    limit_position = {}
    for i, t in enumerate(tensors):
        index = i if indices is None else indices[i]
        key = (t.dtype, str(t.device))
        bucket = open_buckets.setdefault(key, [[], 0])
        bucket[0].append(index)
        bucket[1] += t.numel() * t.element_size()
        position = limit_position.setdefault(key, 0)
        if bucket[1] >= size_limits[position]:
            result.append(bucket[0])
            del open_buckets[key]
            limit_position[key] = min(position + 1, len(size_limits) - 1)
    # NOTE: PyTorch appends the partly filled buckets by walking its hash map of keys, which
    # (libstdc++) visits keys in reverse order of first appearance; only the ready-order
    # (rebuild) case keeps that order, the other is sorted below
    for key in reversed(list(limit_position)):
        if key in open_buckets and open_buckets[key][0]:
            result.append(open_buckets[key][0])
    if indices is None:
        result.sort(key=min)
    return result


class _Bucket:
    """One flat gradient buffer and the parameters whose gradients it holds."""

    def __init__(self, params, indices):
        from ..._ops.creation import zeros
        self.indices = list(indices)
        first = params[self.indices[0]]
        total = sum(params[i].numel() for i in self.indices)
        self.flat = zeros(total, dtype=first.dtype, device=first.device)
        self.views = []
        offset = 0
        for i in self.indices:
            n = params[i].numel()
            self.views.append(self.flat[offset:offset + n].view(params[i].shape))
            offset += n
        self.nbytes = total * first.element_size()
        self.pending = len(self.indices)
        self.work = None


class Reducer:
    """Averages the gradients of ``params`` across ``process_group`` during backward."""

    def __init__(self, params, bucket_indices, process_group, bucket_bytes_cap,
                 first_bucket_bytes_cap, find_unused_parameters, gradient_as_bucket_view,
                 static_graph=False):
        self.params = params
        self.process_group = process_group
        self.bucket_bytes_cap = bucket_bytes_cap
        self.first_bucket_bytes_cap = first_bucket_bytes_cap
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.has_rebuilt_buckets = False
        self.rebuilt_order = []
        self.rebuilt_bucket_indices = None
        self.expect_hooks = False      # a forward with gradient sync ran; hooks should reduce
        self.hooks_fired = False       # a backward began reducing and has not finished
        self.unused = []               # found unused by the graph traversal after forward
        self._initialize_buckets(bucket_indices)
        self._handles = []
        ref = weakref.ref(self)
        for i, p in enumerate(params):
            if p.requires_grad:
                handle_cell = []
                handle = p.register_post_accumulate_grad_hook(_hook_for(ref, i, handle_cell))
                handle_cell.append(handle)
                self._handles.append(handle)

    def _initialize_buckets(self, bucket_indices):
        self.buckets = [_Bucket(self.params, b) for b in bucket_indices]
        self.location = {}
        for bi, b in enumerate(self.buckets):
            for slot, i in enumerate(b.indices):
                self.location[i] = (bi, slot)
        self._reset_counts()

    def _reset_counts(self):
        for b in self.buckets:
            b.pending = len(b.indices)
            b.work = None
        self.ready = [False] * len(self.params)
        self.next_bucket = 0
        self.hooks_fired = False

    def _world(self):
        from ... import distributed as dist
        return dist.get_world_size(self.process_group)

    # -- per iteration --------------------------------------------------------------------

    def should_rebuild_buckets(self):
        return (self.static_graph or not self.find_unused_parameters) and \
            not self.has_rebuilt_buckets

    def rebuild_buckets(self):
        """Re-bucket in the order gradients became ready during the first iteration."""
        if not self.should_rebuild_buckets() or not self.rebuilt_order:
            return False
        order = self.rebuilt_order
        limits = [self.first_bucket_bytes_cap, self.bucket_bytes_cap]
        buckets = _bucket_assignment_by_size([self.params[i] for i in order], limits, order)
        self.rebuilt_bucket_indices = buckets
        self._initialize_buckets(buckets)
        self.has_rebuilt_buckets = True
        self.rebuilt_order = []
        return True

    def prepare_for_backward(self, outputs):
        """Arm the hooks; with ``find_unused_parameters`` find the parameters the graph of
        ``outputs`` does not reach (they are marked ready when backward starts)."""
        self.expect_hooks = True
        self._reset_counts()
        self.locally_used = [False] * len(self.params)
        self.unused = []
        if not self.find_unused_parameters:
            return
        reached = _leaves_reached(outputs)
        self.unused = [i for i, p in enumerate(self.params) if id(p) not in reached]

    def unready_indices(self):
        return [i for i, r in enumerate(self.ready) if not r]

    def autograd_hook(self, index):
        if not self.expect_hooks:
            return
        self.locally_used[index] = True
        if not self.hooks_fired:
            self.hooks_fired = True
            for i in self.unused:
                self._mark_ready(i)
        self._mark_ready(index)

    def _mark_ready(self, index):
        if self.ready[index]:
            return
        self.ready[index] = True
        if self.should_rebuild_buckets():
            self.rebuilt_order.append(index)
        bi, slot = self.location[index]
        bucket = self.buckets[bi]
        view = bucket.views[slot]
        grad = self.params[index].grad
        world = self._world()
        with no_grad():
            if grad is None:
                view.zero_()
            else:
                # NOTE: as PyTorch, each gradient is divided by the world size before the sum
                if not _same_memory(grad, view):
                    view.copy_(grad)
                if world > 1:
                    view.div_(world)
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch_ready_buckets()

    def _launch_ready_buckets(self):
        # buckets are all-reduced in index order on every rank, so the collectives match up
        from ... import distributed as dist
        while self.next_bucket < len(self.buckets) and \
                self.buckets[self.next_bucket].pending == 0:
            bucket = self.buckets[self.next_bucket]
            bucket.work = dist.all_reduce(bucket.flat, op=dist.ReduceOp.SUM,
                                          group=self.process_group, async_op=True)
            self.next_bucket += 1
        if self.next_bucket == len(self.buckets):
            self._finalize()

    def _finalize(self):
        """Wait for every bucket and write the averaged gradients back to ``.grad``."""
        for b in self.buckets:
            if b.work is not None:
                b.work.wait()
        globally_used = None
        if self.find_unused_parameters:
            globally_used = self._globally_used()
        with no_grad():
            for b in self.buckets:
                for slot, i in enumerate(b.indices):
                    if globally_used is not None and not globally_used[i]:
                        continue     # no rank used it: its .grad is left as it was
                    p, view = self.params[i], b.views[slot]
                    if self.gradient_as_bucket_view:
                        if p.grad is None or not _same_memory(p.grad, view):
                            p.grad = view
                    elif p.grad is None:
                        p.grad = view.clone()
                    else:
                        p.grad.copy_(view)
        self.expect_hooks = False
        self.hooks_fired = False

    def _globally_used(self):
        from ... import distributed as dist
        from ..._ops.creation import tensor
        from ... import _dtype as D
        used = tensor([1 if u else 0 for u in self.locally_used], dtype=D.int32)
        if self._world() > 1:
            dist.all_reduce(used, op=dist.ReduceOp.SUM, group=self.process_group)
        return [bool(u) for u in used.tolist()]

    def remove_hooks(self):
        for h in self._handles:
            h.remove()
        self._handles = []


def _hook_for(reducer_ref, index, handle_cell):
    def hook(param):
        reducer = reducer_ref()
        if reducer is not None:
            reducer.autograd_hook(index)
        elif handle_cell:
            handle_cell.pop().remove()     # the wrapper is gone: stop hooking this parameter
    return hook


def _same_memory(a, b):
    return a.data_ptr() == b.data_ptr() and a.shape == b.shape and a.stride() == b.stride()


def _leaves_reached(outputs):
    """ids of the leaf tensors whose AccumulateGrad nodes the graphs of ``outputs`` reach."""
    seen = set()
    reached = set()
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    for t in outputs:
        if t.grad_fn is None and t.requires_grad:
            reached.add(id(t))
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if variable is not None:
            reached.add(id(variable))
        for nxt, _ in node.next_functions:
            if nxt is not None and id(nxt) not in seen:
                stack.append(nxt)
    return reached
