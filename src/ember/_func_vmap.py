"""``ember.func.vmap``: map a function over a batch dimension.

The function is run once per batch entry, on ``select``-ed slices, and the results are stacked
along ``out_dims``. Slicing and stacking are ordinary differentiable ops, so vmap composes with
``grad`` (and ordinary autograd) in either order.
NOTE: the extension point for speed is running ``func`` once on the whole batch when every op it
calls is batch-aware (PyTorch's batching rules); the per-entry loop is the correct fallback.
"""
from ._func_pytree import tree_flatten, tree_unflatten
from ._tensor import Tensor


def _fn_name(func):
    return getattr(func, "__name__", repr(func))


def _broadcast_dims(dims, tree, func, what):
    """One in_dim per leaf of ``tree`` (``dims`` is an int/None or a matching structure)."""
    leaves, spec = tree_flatten(tree)
    if dims is None or isinstance(dims, int):
        return [dims] * len(leaves)
    if isinstance(dims, (tuple, list)) and isinstance(tree, (tuple, list)):
        if len(dims) != len(tree):
            raise ValueError(f"vmap({_fn_name(func)}, in_dims={dims}, ...)(<inputs>): {what} "
                             f"is not compatible with the structure of `inputs`. {what} has "
                             f"structure {len(dims)} but inputs has structure {len(tree)}.")
        return [d for sub_dims, sub in zip(dims, tree)
                for d in _broadcast_dims(sub_dims, sub, func, what)]
    if isinstance(dims, dict) and isinstance(tree, dict):
        return [d for k in tree for d in _broadcast_dims(dims[k], tree[k], func, what)]
    raise ValueError(f"vmap({_fn_name(func)}, in_dims={dims}, ...)(<inputs>): in_dims is not "
                     "compatible with the structure of `inputs`.")


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Vectorise ``func`` over dimension ``in_dims`` of its inputs (``None``: not mapped).

    >>> ember.func.vmap(ember.dot)(ember.ones(3, 2), ember.ones(3, 2))
    tensor([2., 2., 2.])
    """
    from ._ops.shape import stack

    def wrapper(*args, **kwargs):
        leaves, spec = tree_flatten(list(args))
        dims = _broadcast_dims(tuple(in_dims) if isinstance(in_dims, list) else in_dims,
                               tuple(args) if not isinstance(in_dims, int) and in_dims is not None
                               else args, func, "in_dims")
        sizes = []
        for x, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(x, Tensor):
                raise ValueError(f"vmap({_fn_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got "
                                 f"in_dim={d} for an input but the input is of type {type(x)}. "
                                 "We cannot vmap over non-Tensor arguments, please use None as "
                                 "the respective in_dim")
            if not -x.dim() <= d < max(x.dim(), 1) or x.dim() == 0:
                raise ValueError(f"vmap({_fn_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got "
                                 f"in_dim={d} for some input, but that input is a Tensor of "
                                 f"dimensionality {x.dim()} so expected in_dim to satisfy "
                                 f"-{x.dim()} <= in_dim < {x.dim()}.")
            sizes.append(x.shape[d])
        if not sizes:
            raise ValueError(f"vmap({_fn_name(func)}, in_dims={in_dims}, ...)(<inputs>): at least "
                             "one input must be a Tensor mapped over a dimension (in_dims not "
                             "None)")
        if len(set(sizes)) != 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sizes} for the mapped dimension")
        results = []
        for i in range(sizes[0]):
            sliced = [x if d is None else x.select(d, i) for x, d in zip(leaves, dims)]
            results.append(func(*tree_unflatten(sliced, spec), **kwargs))
        first_leaves, out_spec = tree_flatten(results[0])
        per_entry = [tree_flatten(r)[0] for r in results]
        out_d = out_dims if isinstance(out_dims, (tuple, list)) else [out_dims] * len(first_leaves)
        if len(out_d) != len(first_leaves):
            out_d = _broadcast_dims(out_dims, results[0], func, "out_dims")
        stacked = []
        for k, d in enumerate(out_d):
            column = [entry[k] for entry in per_entry]
            if not isinstance(column[0], Tensor):
                raise ValueError(f"vmap({_fn_name(func)}, ...): `{_fn_name(func)}` must only "
                                 f"return Tensors, got type {type(column[0])}. Did you mean to "
                                 "set out_dims= to None for output?")
            stacked.append(column[0] if d is None else stack(column, dim=d))
        return tree_unflatten(stacked, out_spec)
    return wrapper
