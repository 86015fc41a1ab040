"""Activation checkpointing: run a piece of the forward without keeping its activations and
recompute it during backward (with the forward's RNG state, so dropout draws the same masks).

>>> lin = ember.nn.Linear(3, 3)
>>> x = ember.randn(2, 3, requires_grad=True)
>>> y = ember.utils.checkpoint.checkpoint(lin, x, use_reentrant=False)
>>> y.sum().backward()
>>> x.grad.shape
ember.Size([2, 3])

``use_reentrant=True`` (PyTorch's default when the argument is left out, with its warning) is
PyTorch's CheckpointFunction: only the explicit tensor arguments are inputs of the recorded node,
and the recomputed graph is backpropagated with an inner ``backward()``, which accumulates the
gradients of parameters used inside ``function`` into their ``.grad``. ``use_reentrant=False``
also makes the parameters ``function`` reaches (a module, a bound method of one, modules or
tensors in its closure) inputs of the node, so ``autograd.grad`` works through it too.
NOTE: PyTorch's non-reentrant variant records the ordinary graph and recomputes saved tensors
through saved-tensor hooks, which ember does not have; here both variants record one node.
"""
import warnings

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, no_grad
from ..random import fork_rng, get_rng_state, set_rng_state

__all__ = ["checkpoint", "checkpoint_sequential", "detach_variable"]


def noop_context_fn():
    from contextlib import nullcontext
    return nullcontext(), nullcontext()


def detach_variable(inputs):
    """Detached copies of the tensors in the tuple ``inputs``, keeping their requires_grad."""
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: ",
                           type(inputs).__name__)
    out = []
    for inp in inputs:
        if not isinstance(inp, Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad = inp.requires_grad
        out.append(x)
    return tuple(out)


def _split_tensors(args):
    """(args with tensors replaced by None, tensor positions, the tensors)."""
    indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    return ([None if i in indices else a for i, a in enumerate(args)], indices,
            [args[i] for i in indices])


def _rerun(ctx, args, kwargs):
    """Run the function again with grad on, under the RNG state the forward saw."""
    with fork_rng(enabled=ctx.preserve_rng_state, _caller="checkpoint"):
        if ctx.preserve_rng_state:
            set_rng_state(ctx.fwd_cpu_state)
        detached = detach_variable(tuple(args))
        with enable_grad():
            outputs = ctx.run_function(*detached, **kwargs)
    return detached, (outputs,) if isinstance(outputs, Tensor) else outputs


class CheckpointFunction(Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        if not any(a.requires_grad for a in args if isinstance(a, Tensor)):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None")
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        if preserve_rng_state:
            ctx.fwd_cpu_state = get_rng_state()
        ctx.inputs, ctx.tensor_indices, tensors = _split_tensors(args)
        ctx.save_for_backward(*tensors)
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        from ..autograd import backward
        args = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            args[i] = t
        detached, outputs = _rerun(ctx, args, {})
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not "
                               "necessary")
        backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(d.grad if isinstance(d, Tensor) else None for d in detached)


class _CheckpointWithParameters(Function):
    """Non-reentrant checkpointing: the parameters found in the function are inputs too, so the
    node's gradients reach them through the engine (``autograd.grad`` works)."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, kwargs, n_args, *args_and_params):
        ctx.run_function, ctx.kwargs, ctx.n_args = run_function, kwargs, n_args
        ctx.preserve_rng_state = preserve_rng_state
        if preserve_rng_state:
            ctx.fwd_cpu_state = get_rng_state()
        ctx.inputs, ctx.tensor_indices, tensors = _split_tensors(args_and_params)
        ctx.save_for_backward(*tensors)
        with no_grad():
            return run_function(*args_and_params[:n_args], **kwargs)

    @staticmethod
    def backward(ctx, *grads):
        from ..autograd import grad as autograd_grad
        everything = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            everything[i] = t
        params = everything[ctx.n_args:]
        detached, outputs = _rerun(ctx, everything[:ctx.n_args], ctx.kwargs)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        wrt = [t for t in (*detached, *params) if isinstance(t, Tensor) and t.requires_grad]
        found = iter(autograd_grad([o for o, _ in pairs], wrt, [g for _, g in pairs],
                                   allow_unused=True) if pairs and wrt else ())
        return (None, None, None, None) + tuple(
            next(found) if isinstance(t, Tensor) and t.requires_grad else None
            for t in (*detached, *params))


def _parameters_reached_by(function):
    """Tensors requiring grad that ``function`` uses without taking them as arguments: the
    parameters of a module (or of a bound method's module), and modules/tensors it closes over."""
    from ..nn.modules.module import Module
    found, seen = [], set()

    def add(obj):
        if isinstance(obj, Module):
            for p in obj.parameters():
                add(p)
        elif isinstance(obj, Tensor) and obj.requires_grad and id(obj) not in seen:
            seen.add(id(obj))
            found.append(obj)

    if hasattr(function, "__ember_modules__"):   # a checkpoint_sequential segment
        for m in function.__ember_modules__:
            add(m)
        return found
    add(function)
    add(getattr(function, "__self__", None))
    for cell in getattr(function, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:   # an empty cell
            continue
        if isinstance(value, (list, tuple)):
            for v in value:
                add(v)
        else:
            add(value)
    return found


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn,
               determinism_check="default", debug=False, early_stop=True, **kwargs):
    """``function(*args, **kwargs)`` without keeping its activations: they are recomputed during
    backward. Pass ``use_reentrant`` explicitly (``False`` is recommended, as in PyTorch).

    >>> x = ember.ones(2, requires_grad=True)
    >>> ember.utils.checkpoint.checkpoint(ember.sin, x, use_reentrant=False).sum().backward()
    >>> x.grad
    tensor([0.5403, 0.5403])
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    if context_fn is not noop_context_fn:
        # NOTE: the extension point for selective checkpointing; ember runs both contexts
        # around the forward and the recomputation only as plain context managers
        forward_ctx, _ = context_fn()
        with forward_ctx:
            pass
    params = _parameters_reached_by(function)
    return _CheckpointWithParameters.apply(function, preserve, kwargs, len(args), *args, *params)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` (a list or an ``nn.Sequential``) in ``segments`` chunks, checkpointing
    all chunks but the last.

    >>> model = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.ReLU(), ember.nn.Linear(2, 1))
    >>> ember.utils.checkpoint.checkpoint_sequential(model, 2, ember.ones(1, 2),
    ...                                               use_reentrant=False).shape
    ember.Size([1, 1])
    """
    from ..nn.modules.container import Sequential
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
            "passed explicitly. In version 2.9 we will raise an exception if use_reentrant is "
            "not passed. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_segment(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input
        # (so that the non-reentrant variant finds the segment's parameters)
        forward.__ember_modules__ = [functions[j] for j in range(start, end + 1)]
        return forward

    if isinstance(functions, Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_segment(start, end, functions), input,
                           use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_segment(end + 1, len(functions) - 1, functions)(input)
