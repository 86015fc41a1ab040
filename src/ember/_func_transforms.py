"""``ember.func``'s autodiff transforms (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian),
built on ember's tape autograd: the differentiated inputs are given fresh graph positions, the
function runs with grad on, and ``autograd.grad`` reads the derivative off.

Nesting works because a transform keeps the graph (``create_graph``) whenever its inputs are
already tracked by an enclosing transform or by ordinary autograd, so the inner result is itself
differentiable; at the top level results come back detached, like PyTorch's.
NOTE: jvp uses the double-vjp trick (the vjp is linear in its cotangent, so differentiating it
with respect to the cotangent gives the jvp), and jacfwd is computed row by row as jacrev is.
"""
from ._func_pytree import tree_flatten, tree_unflatten
from ._tensor import Tensor


def _track(x):
    """A graph position for ``x``: differentiable w.r.t. an enclosing level when x is tracked."""
    if not isinstance(x, Tensor):
        return x
    if x.requires_grad:
        return x.view_as(x)
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    return x.detach().requires_grad_()


def _grads(outputs, inputs, grad_outputs, create_graph):
    from .autograd import grad as autograd_grad
    from ._ops.creation import zeros_like
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    got = (autograd_grad([o for o, _ in pairs], inputs, [g for _, g in pairs],
                         retain_graph=True, create_graph=create_graph, allow_unused=True)
           if pairs else [None] * len(inputs))
    out = [zeros_like(x) if g is None else g for x, g in zip(inputs, got)]
    return out if create_graph else [g.detach() for g in out]


def _prepare(args, argnums, fn_name):
    """Track the arguments at ``argnums``: (new args, leaves to differentiate, their spec, nested)."""
    from .autograd.grad_mode import is_grad_enabled
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    if not nums:
        raise RuntimeError(f"{fn_name}: argnums must be non-empty")
    for n in nums:
        if not -len(args) <= n < len(args):
            raise RuntimeError(f"Got argnum={n}, but only {len(args)} positional inputs")
    nums = tuple(n % len(args) for n in nums)
    args = list(args)
    leaves, specs = [], []
    nested = False
    for n in nums:
        flat, spec = tree_flatten(args[n])
        nested = nested or any(isinstance(x, Tensor) and x.requires_grad for x in flat)
        tracked = [_track(x) for x in flat]
        args[n] = tree_unflatten(tracked, spec)
        specs.append((len(tracked), spec))
        leaves += tracked
    return args, leaves, (single, specs), nested and is_grad_enabled()


def _rebuild(flat_grads, structure):
    single, specs = structure
    parts, start = [], 0
    for count, spec in specs:
        parts.append(tree_unflatten(flat_grads[start:start + count], spec))
        start += count
    return parts[0] if single else tuple(parts)


def _split_aux(output, has_aux, fn_name):
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{fn_name}(f, ...)(*args): output of function f should be a tuple: "
                           "(output, aux) if has_aux is True")
    return output


def _detached(tree, nested):
    if nested:
        return tree
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([x.detach() if isinstance(x, Tensor) else x for x in leaves], spec)


def grad_and_value(func, argnums=0, has_aux=False):
    """Like ``grad``, returning ``(gradient, value)`` (``(gradient, (value, aux))`` with aux).

    >>> g, v = ember.func.grad_and_value(lambda x: (x ** 2).sum())(ember.tensor([1., 2.]))
    >>> g, v
    (tensor([2., 4.]), tensor(5.))
    """
    from ._ops.creation import ones_like
    from .autograd.grad_mode import enable_grad

    def wrapper(*args, **kwargs):
        with enable_grad():
            args, leaves, structure, nested = _prepare(args, argnums, "grad_and_value")
            output, aux = _split_aux(func(*args, **kwargs), has_aux, "grad_and_value")
            if not isinstance(output, Tensor):
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"Tensor, got {type(output)}")
            if output.dim() != 0:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"scalar Tensor, got tensor with {output.dim()} dims. Maybe "
                                   "you wanted to use the vjp or jacrev APIs instead?")
            flat = [x for x in leaves if isinstance(x, Tensor)]
            grads = iter(_grads([output], flat, [ones_like(output)], nested))
            result = _rebuild([next(grads) if isinstance(x, Tensor) else None for x in leaves],
                              structure)
        value = _detached(output, nested)
        if has_aux:
            return result, (value, _detached(aux, nested))
        return result, value
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of the scalar-valued ``func`` with respect to its ``argnums`` argument(s)
    (tensors or tuples/lists/dicts of tensors).

    >>> ember.func.grad(lambda x: (x ** 3).sum())(ember.tensor([1., 2.]))
    tensor([ 3., 12.])
    """
    inner = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        if has_aux:
            g, (_, aux) = inner(*args, **kwargs)
            return g, aux
        return inner(*args, **kwargs)[0]
    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` gives one gradient per primal.

    >>> out, vjp_fn = ember.func.vjp(ember.sin, ember.tensor([0., 1.]))
    >>> vjp_fn(ember.ones(2))
    (tensor([1.0000, 0.5403]),)
    """
    from .autograd.grad_mode import enable_grad
    with enable_grad():
        args, leaves, structure, nested = _prepare(primals, tuple(range(len(primals))), "vjp")
        output, aux = _split_aux(func(*args), has_aux, "vjp")
    out_leaves, out_spec = tree_flatten(output)

    def vjp_fn(cotangents, *, retain_graph=True, create_graph=None):
        ct_leaves, _ = tree_flatten(cotangents)
        if len(ct_leaves) != len(out_leaves):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree "
                               "structure of outputs to the function")
        with enable_grad():
            flat = [x for x in leaves if isinstance(x, Tensor)]
            grads = iter(_grads(out_leaves, flat, ct_leaves,
                                nested if create_graph is None else create_graph))
            return _rebuild([next(grads) if isinstance(x, Tensor) else None for x in leaves],
                            structure)

    result = (_detached(output, nested), vjp_fn)
    return result + (_detached(aux, nested),) if has_aux else result


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J @ tangents)``: the forward-mode product (via two reverse passes).

    >>> ember.func.jvp(ember.sin, (ember.tensor([0.]),), (ember.tensor([2.]),))
    (tensor([0.]), tensor([2.]))
    """
    from ._ops.creation import zeros_like
    from .autograd.grad_mode import enable_grad
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it "
                           "should be valid to call f(*primals).")
    if len(primals) != len(tangents):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have "
                           "the same python structure. For example, if primals is a tuple of 3 "
                           "tensors, tangents also must be. Got primals with structure "
                           f"{len(primals)} and tangents with structure {len(tangents)}")
    with enable_grad():
        args, leaves, _, nested = _prepare(tuple(primals), tuple(range(len(primals))), "jvp")
        output, aux = _split_aux(func(*args), has_aux, "jvp")
        out_leaves, out_spec = tree_flatten(output)
        dummies = [zeros_like(o).requires_grad_() for o in out_leaves]
        flat = [x for x in leaves if isinstance(x, Tensor)]
        pulled = _grads(out_leaves, flat, dummies, True)       # linear in the dummies
        tangent_leaves = [t for t in tree_flatten(list(tangents))[0] if isinstance(t, Tensor)]
        pushed = _grads(pulled, dummies, tangent_leaves, nested)
    result = (_detached(output, nested), tree_unflatten(pushed, out_spec))
    return result + (_detached(aux, nested),) if has_aux else result


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of ``func`` with respect to its ``argnums`` argument(s), shaped
    ``output.shape + input.shape``, by one reverse pass per output element.

    >>> ember.func.jacrev(lambda x: x ** 2)(ember.tensor([1., 2.]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    from ._ops.creation import zeros_like
    from ._ops.shape import stack
    from .autograd.grad_mode import enable_grad

    def wrapper(*args, **kwargs):
        with enable_grad():
            args, leaves, structure, nested = _prepare(args, argnums, "jacrev")
            output, aux = _split_aux(func(*args, **kwargs), has_aux, "jacrev")
            out_leaves, out_spec = tree_flatten(output)
            flat = [x for x in leaves if isinstance(x, Tensor)]
            per_output = []
            for out in out_leaves:
                rows = []
                for i in range(out.numel()):
                    basis = zeros_like(out).reshape(-1)
                    basis[i] = 1
                    rows.append(_grads([out], flat, [basis.reshape(out.shape)], nested))
                jac = []
                for k, x in enumerate(flat):
                    if rows:
                        jac.append(stack([r[k] for r in rows]).reshape(*out.shape, *x.shape))
                    else:
                        jac.append(zeros_like(x).new_zeros((*out.shape, *x.shape)))
                it = iter(jac)
                per_output.append(_rebuild([next(it) if isinstance(x, Tensor) else None
                                            for x in leaves], structure))
            result = tree_unflatten(per_output, out_spec)
        return (result, _detached(aux, nested)) if has_aux else result
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of ``func`` (same layout as ``jacrev``; ember computes it in reverse mode).

    >>> ember.func.jacfwd(ember.sin)(ember.tensor([0.]))
    tensor([[1.]])
    """
    return jacrev(func, argnums, has_aux=has_aux)


def hessian(func, argnums=0):
    """The Hessian of the scalar-valued ``func``: ``jacfwd(jacrev(func))``.

    >>> ember.func.hessian(lambda x: (x ** 3).sum())(ember.tensor([1., 2.]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)
