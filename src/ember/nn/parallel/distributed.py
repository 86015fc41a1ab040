"""``nn.parallel.DistributedDataParallel``: one model replica per process, gradients averaged
across the process group while backward runs.

At construction the parameters and buffers of rank 0 are broadcast to every rank. Each forward
(with gradient sync on) first broadcasts rank 0's buffers, and arms the reducer
(``_reducer.Reducer``): every parameter's post-accumulate-grad hook copies its gradient into a
bucket, and a full bucket is all-reduced asynchronously; the last gradient of the backward
waits for all buckets and writes the averages back into ``.grad``.

>>> import ember.distributed as dist                                    # doctest: +SKIP
>>> dist.init_process_group("gloo")                                     # doctest: +SKIP
>>> ddp = ember.nn.parallel.DistributedDataParallel(ember.nn.Linear(4, 2))  # doctest: +SKIP
>>> ddp(ember.randn(8, 4)).sum().backward()     # .grad now averaged over ranks  # doctest: +SKIP
"""
import sys
import warnings
from contextlib import contextmanager
from dataclasses import fields, is_dataclass

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad, is_grad_enabled
from ..modules.module import Module
from ..parameter import UninitializedParameter
from ._reducer import (Reducer, _bucket_assignment_by_size, DEFAULT_BUCKET_CAP_MB,
                       DEFAULT_FIRST_BUCKET_BYTES, MB)

__all__ = ["DistributedDataParallel"]

_BROADCAST_BUCKET_BYTES = 250 * 1024 * 1024

_UNFINISHED_REDUCTION = (
    "Expected to have finished reduction in the prior iteration before starting a new one. "
    "This error indicates that your module has parameters that were not used in producing "
    "loss. You can enable unused parameter detection by passing the keyword argument "
    "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, and by \n"
    "making sure all `forward` function outputs participate in calculating loss. \n"
    "If you already have done the above, then the distributed data parallel module wasn't able "
    "to locate the output tensors in the return value of your module's `forward` function. "
    "Please include the loss function and the structure of the return value of `forward` of "
    "your module when reporting this issue (e.g. list, dict, iterable).\n"
    "Parameter indices which did not receive grad for rank {rank}: {indices}\n"
    " In addition, you can set the environment variable TORCH_DISTRIBUTED_DEBUG to either INFO "
    "or DETAIL to print out information about which particular parameters did not receive "
    "gradient on this rank as part of this error")


def _dist():
    from ... import distributed
    return distributed


def _default_group():
    dist = _dist()
    if not dist.is_initialized():
        raise ValueError("Default process group has not been initialized, please make sure to "
                         "call init_process_group.")
    group = getattr(dist, "group", None)
    return getattr(group, "WORLD", None)


def _find_tensors(obj):
    """Every tensor inside ``obj`` (nested lists, tuples, dicts and dataclasses)."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for item in obj for t in _find_tensors(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in _find_tensors(item)]
    if is_dataclass(obj) and not isinstance(obj, type):
        return [t for f in fields(obj) for t in _find_tensors(getattr(obj, f.name))]
    return []


def _broadcast_coalesced(tensors, process_group, src_group_rank=0):
    """Broadcast ``tensors`` from a group rank, one flat buffer per dtype (and size bucket)."""
    dist = _dist()
    if dist.get_world_size(process_group) == 1 or not tensors:
        return
    from ..._ops.shape import cat
    src = src_group_rank
    if process_group is not None and hasattr(dist, "get_global_rank") and \
            process_group is not getattr(getattr(dist, "group", None), "WORLD", None):
        src = dist.get_global_rank(process_group, src_group_rank)
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(t.dtype, []).append(t)
    with no_grad():
        for group in by_dtype.values():
            for chunk in _size_chunks(group, _BROADCAST_BUCKET_BYTES):
                flat = cat([t.detach().reshape(-1) for t in chunk])
                dist.broadcast(flat, src=src, group=process_group)
                offset = 0
                for t in chunk:
                    n = t.numel()
                    t.detach().copy_(flat[offset:offset + n].view(t.shape))
                    offset += n


def _size_chunks(tensors, limit):
    chunk, size = [], 0
    for t in tensors:
        chunk.append(t)
        size += t.numel() * t.element_size()
        if size >= limit:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


class DistributedDataParallel(Module):
    """Data parallelism across processes: wrap the model, run one process per replica, and
    ``.grad`` holds the gradient averaged over all ranks after each backward.

    >>> ddp = DistributedDataParallel(ember.nn.Linear(2, 1))  # after init_process_group  # doctest: +SKIP
    >>> list(ddp.state_dict())                                               # doctest: +SKIP
    ['module.weight', 'module.bias']
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=None, init_sync=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None, skip_all_reduce_unused_params=False,
                 bucket_cap_mb_list=None, batched_grad_copy=False, forward_sync_buffers=None):
        super().__init__()
        if (delay_all_reduce_named_params is None) != (param_to_hook_all_reduce is None):
            raise ValueError("delay_all_reduce_named_params and param_to_hook_all_reduce need "
                             "to be set at the same time.")
        if process_group and device_mesh is not None:
            raise RuntimeError("Cannot specify both process_group and device_mesh arguments.")
        for name, value in (("delay_all_reduce_named_params", delay_all_reduce_named_params),
                            ("mixed_precision", mixed_precision), ("device_mesh", device_mesh),
                            ("bucket_cap_mb_list", bucket_cap_mb_list)):
            if value is not None:
                raise NotImplementedError(f"ember's DistributedDataParallel does not support "
                                          f"{name}")
        self.process_group = process_group if process_group is not None else _default_group()
        self.parameters_to_ignore = set(getattr(module, "_ddp_params_and_buffers_to_ignore", ()))
        self._module_parameters = [p for n, p in module.named_parameters()
                                   if n not in self.parameters_to_ignore]
        if not any(p.requires_grad for p in self._module_parameters):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        self.is_multi_device_module = len({p.device for p in self._module_parameters}) > 1
        device_types = {p.device.type for p in self._module_parameters}
        if len(device_types) != 1:
            raise ValueError("DistributedDataParallel's input module must be on the same type of "
                             f"devices, but input module parameters locate in {device_types}.")
        self.device_type = next(iter(device_types))
        if device_ids is None or len(device_ids) == 0 or self.device_type == "cpu" or \
                self.is_multi_device_module:
            if device_ids or output_device:
                devices = {p.device for p in self._module_parameters}
                raise ValueError(
                    "DistributedDataParallel device_ids and output_device arguments only work "
                    "with single-device/multiple-device GPU modules or CPU modules, but got "
                    f"device_ids {device_ids}, output_device {output_device}, and module "
                    f"parameters {devices}.")
            self.device_ids = None
            self.output_device = None
        else:
            from .data_parallel import _device_index
            self.device_ids = [_device_index(d) for d in device_ids]
            self.output_device = _device_index(output_device if output_device is not None
                                               else device_ids[0])
        self.static_graph = False
        self.dim = dim
        self.module = module
        self.device = self._module_parameters[0].device
        if broadcast_buffers is not None:
            if forward_sync_buffers is not None:
                warnings.warn(
                    "Both `broadcast_buffers` and `forward_sync_buffers` were specified. "
                    "`broadcast_buffers` is deprecated and its value is ignored when "
                    "`forward_sync_buffers` is provided.", FutureWarning, stacklevel=2)
            else:
                warnings.warn(
                    "`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead. "
                    "IMPORTANT: unlike `broadcast_buffers=False`, `forward_sync_buffers=False` "
                    "still syncs buffers at init. If you rely on buffers NOT being synced at "
                    "init (e.g. rank-local buffers), keep using `broadcast_buffers=False` until "
                    "`init_sync_buffers` is available.", FutureWarning, stacklevel=2)
        if forward_sync_buffers is not None:
            self.forward_sync_buffers = forward_sync_buffers
            init_sync_buffers = True
        else:
            effective = broadcast_buffers if broadcast_buffers is not None else True
            self.forward_sync_buffers = effective
            init_sync_buffers = effective
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.batched_grad_copy = batched_grad_copy
        self.mixed_precision = None
        if check_reduction:
            warnings.warn("The `check_reduction` argument in `DistributedDataParallel` module is "
                          "deprecated. Please avoid using it.", FutureWarning, stacklevel=2)
        for p in self._module_parameters:
            if isinstance(p, UninitializedParameter):
                raise RuntimeError(
                    "Modules with uninitialized parameters can't be used with "
                    "`DistributedDataParallel`. Run a dummy forward pass to correctly "
                    "initialize the modules")
        self.broadcast_bucket_size = _BROADCAST_BUCKET_BYTES
        # a user-given cap applies to the first bucket too; the default keeps a 1 MiB first one
        cap_mb = bucket_cap_mb if bucket_cap_mb is not None else DEFAULT_BUCKET_CAP_MB
        self.bucket_bytes_cap = int(cap_mb * MB)
        first_cap = DEFAULT_FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        self.bucket_bytes_cap_default = first_cap < self.bucket_bytes_cap
        self.skip_all_reduce_unused_params = skip_all_reduce_unused_params

        parameters = [p for p in self._module_parameters if p.requires_grad]
        if init_sync:
            _broadcast_coalesced(list(module.parameters()), self.process_group)
            if init_sync_buffers:
                _broadcast_coalesced(self._buffers_to_sync(), self.process_group)
        if static_graph or not find_unused_parameters:
            limits = [sys.maxsize]      # one bucket until the ready order is known
        elif first_cap < self.bucket_bytes_cap:
            limits = [first_cap, self.bucket_bytes_cap]
        else:
            limits = [self.bucket_bytes_cap]
        bucket_indices = _bucket_assignment_by_size(parameters, limits)
        self.reducer = Reducer(parameters, list(reversed(bucket_indices)), self.process_group,
                               self.bucket_bytes_cap, first_cap, find_unused_parameters,
                               gradient_as_bucket_view)
        self._initial_bucket_sizes = [b.nbytes for b in self.reducer.buckets]
        if static_graph:
            self._set_static_graph()

    @property
    def broadcast_buffers(self):
        return self.forward_sync_buffers

    def _set_static_graph(self):
        if self.static_graph:
            warnings.warn("You've set static_graph to be True, no need to set it again.")
            return
        self.static_graph = True
        self.reducer.static_graph = True

    def _buffers_to_sync(self):
        return [b for n, b in self.module.named_buffers()
                if b is not None and n not in self.parameters_to_ignore]

    @property
    def modules_buffers(self):
        return self._buffers_to_sync()

    def will_sync_module_buffers(self):
        return self.require_forward_param_sync and self.forward_sync_buffers and \
            len(self.modules_buffers) > 0

    def _sync_buffers(self):
        _broadcast_coalesced(self.modules_buffers, self.process_group)

    def _pre_forward(self):
        reducer = self.reducer
        grad_on = is_grad_enabled()
        if grad_on and reducer.expect_hooks and reducer.hooks_fired:
            # a backward started reducing and some parameters never produced a gradient
            rank = _dist().get_rank(self.process_group)
            indices = " ".join(str(i) for i in reducer.unready_indices())
            raise RuntimeError(_UNFINISHED_REDUCTION.format(rank=rank, indices=indices))
        if grad_on:
            reducer.rebuild_buckets()
        if self.will_sync_module_buffers():
            self._sync_buffers()

    def _post_forward(self, output):
        if is_grad_enabled() and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            if self.find_unused_parameters and not self.static_graph:
                self.reducer.prepare_for_backward(_find_tensors(output))
            else:
                self.reducer.prepare_for_backward([])
        else:
            self.require_forward_param_sync = False
        return output

    def forward(self, *inputs, **kwargs):
        self._pre_forward()
        return self._post_forward(self.module(*inputs, **kwargs))

    @contextmanager
    def no_sync(self):
        """Within this context backward only accumulates ``.grad`` locally; the first
        forward-backward after it averages the accumulated gradients.

        >>> with ddp.no_sync():                         # doctest: +SKIP
        ...     ddp(x1).sum().backward()
        >>> ddp(x2).sum().backward()                    # doctest: +SKIP
        """
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def _get_ddp_logging_data(self):
        """The bucket layout part of PyTorch's DDP logging data."""
        reducer = self.reducer
        data = {
            "bucket_sizes": ", ".join(str(n) for n in self._initial_bucket_sizes),
            "bucket_cap_bytes": self.bucket_bytes_cap,
            "find_unused_parameters": int(self.find_unused_parameters),
            "gradient_as_bucket_view": int(self.gradient_as_bucket_view),
            "has_rebuilt_buckets": int(reducer.has_rebuilt_buckets),
            "num_parameter_tensors": len(reducer.params),
            "total_parameter_size_bytes": sum(p.numel() * p.element_size()
                                              for p in reducer.params),
            "world_size": _dist().get_world_size(self.process_group),
            "rank": _dist().get_rank(self.process_group),
        }
        if reducer.has_rebuilt_buckets:
            data["rebuilt_bucket_sizes"] = ", ".join(str(b.nbytes) for b in reducer.buckets)
            data["rebuilt_per_bucket_param_indices"] = ", ".join(
                " ".join(str(i) for i in b.indices) for b in reducer.buckets)
        return data
