"""Higher-level differentiation of whole functions: ``jacobian``, ``hessian``, ``vjp``, ``jvp``,
``hvp``, ``vhp``, with PyTorch's argument handling, result structure and strict-mode errors.

``inputs`` may be one tensor or a tuple of tensors; results mirror that structure (a jacobian
of tuple outputs and tuple inputs is a tuple of tuples, ``[i][j] = d out_i / d in_j``).
Forward-mode products (``jvp``, ``hvp``) use the double-backward trick, as PyTorch does.

>>> ember.autograd.functional.jacobian(lambda x: x ** 2, ember.tensor([1., 2.]))
tensor([[2., 0.],
        [0., 4.]])
"""
from .grad_mode import STATE, enable_grad, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


# ---------------------------------------------------------------------------- argument handling
def _tensors(value, what, fn_name):
    """``(was_tuple, tuple_of_tensors)`` for a tensor or a tuple of tensors, or PyTorch's
    TypeError naming ``what`` and ``fn_name``."""
    T = _tensor_cls()
    was_tuple = isinstance(value, tuple)
    items = value if was_tuple else (value,)
    for i, el in enumerate(items):
        if not isinstance(el, T):
            where = (f"value at index {i} has type {type(el)}" if was_tuple
                     else f"given {what} has type {type(el)}")
            raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple of "
                            f"Tensors but the {where}.")
    return was_tuple, items


def _prepare(tensors, create_graph, need_graph):
    # Fresh tensor objects, so that the function's own captured tensors are told apart from
    # the differentiated inputs; they keep their history only when create_graph asks for it.
    out = []
    for t in tensors:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(need_graph))
    return tuple(out)


def _finish(values, create_graph):
    """Detach results (recursively through tuples) unless the caller wants a graph."""
    if create_graph:
        return values
    T = _tensor_cls()
    return tuple(v.detach() if isinstance(v, T) else _finish(v, create_graph) for v in values)


def _restore(values, was_tuple):
    return values if was_tuple else values[0]


def _restore2(values, outer_tuple, inner_tuple):
    if not inner_tuple:
        values = tuple(v[0] for v in values)
    return values if outer_tuple else values[0]


def _size_text(t):
    return "torch.Size([" + ", ".join(str(s) for s in t.shape) + "])"


def _check_v(v, refs, refs_tuple):
    if len(v) != len(refs):
        if refs_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(refs)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, refs)):
        if tuple(a.shape) != tuple(b.shape):
            where = f"Entry {i} in " if refs_tuple else ""
            raise RuntimeError(f"{where}v has invalid size: should be {_size_text(b)} but got "
                               f"{_size_text(a)}.")


_NO_GRAD_TEXT = {
    "outputs": lambda i: (
        f"Output {i} of the user-provided function does not require gradients. The outputs must "
        "be computed in a differentiable manner from the input when running in strict mode."),
    "grad_inputs": lambda i: (
        f"The gradient with respect to input {i} is independent of the inputs of the "
        "user-provided function. This is not allowed in strict mode."),
    "jacobian": lambda i: (
        "While computing the hessian, found that the jacobian of the user-provided function with "
        f"respect to input {i} is independent of the input. This is not allowed in strict mode. "
        "You should ensure that your function is twice differentiable and that the jacobian "
        "depends on the inputs (this would be violated by a linear function for example)."),
    "hessian": lambda i: (
        f"The hessian of the user-provided function with respect to input {i} is independent of "
        "the input. This is not allowed in strict mode. You should ensure that your function is "
        "thrice differentiable and that the hessian depends on the inputs."),
}


def _strict_requires_grad(values, kind, strict):
    if not strict:
        return
    for i, v in enumerate(values):
        if v is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input "
                               f"{i}. This is not allowed in strict mode.")
        if not v.requires_grad:
            raise RuntimeError(_NO_GRAD_TEXT[kind](i))


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None,
          batched=False):
    """``autograd.grad`` that skips outputs without grad (None for every input if none is
    left) and allows unused inputs."""
    from .engine import grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    outs, gouts = [], []
    for o, g in zip(outputs, grad_outputs):
        if o is not None and o.requires_grad:
            outs.append(o)
            gouts.append(g)
    if not outs:
        return (None,) * len(inputs)
    return grad(tuple(outs), inputs, tuple(gouts), retain_graph=retain_graph,
                create_graph=create_graph, allow_unused=True, is_grads_batched=batched)


_MISSING_TEXT = {
    "back": lambda i: (f"The output of the user-provided function is independent of input {i}. "
                       "This is not allowed in strict mode."),
    "back_trick": lambda i: (
        f"The gradient with respect to the input is independent of entry {i} in the "
        "grad_outputs when using the double backward trick to compute forward mode gradients. "
        "This is not allowed in strict mode."),
    "double_back": lambda i: (f"The jacobian of the user-provided function is independent of "
                              f"input {i}. This is not allowed in strict mode."),
    "double_back_trick": lambda i: (
        f"The hessian of the user-provided function is independent of entry {i} in the "
        "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
        "backward trick to replace forward mode AD."),
}


def _zeros_for_missing(grads, refs, strict, create_graph, stage):
    from .._ops.creation import zeros_like
    out = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_MISSING_TEXT[stage](i))
            g = zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        out.append(g)
    return tuple(out)


def _call(func, inputs, fn_name, strict):
    was_tuple, outputs = _tensors(func(*inputs), "outputs of the user-provided function",
                                  fn_name)
    _strict_requires_grad(outputs, "outputs", strict)
    return was_tuple, outputs


def _v_or_default(v, refs, refs_tuple, fn_name, create_graph, none_text):
    if v is None:
        if len(refs) != 1 or refs[0].nelement() != 1:
            raise RuntimeError(none_text)
        return None
    _, v = _tensors(v, "v", fn_name)
    v = _prepare(v, create_graph, need_graph=False)
    _check_v(v, refs, refs_tuple)
    return v


_V_NONE_INPUT = ("The vector v can only be None if the input to the user-provided function is a "
                 "single Tensor with a single element.")


# ---------------------------------------------------------------------------- vjp / jvp
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``.

    >>> ember.autograd.functional.vjp(lambda x: x.sum(), ember.ones(2))
    (tensor(2.), tensor([1., 1.]))
    """
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _call(func, inputs, "vjp", strict)
        v = _v_or_default(v, outputs, outputs_tuple, "vjp", create_graph,
                          "The vector v can only be None if the user-provided function returns a "
                          "single Tensor with a single element.")
    with set_grad_enabled(True if create_graph else STATE.enabled):
        grads = _grad(outputs, inputs, v, create_graph=create_graph)
        res = _zeros_for_missing(grads, inputs, strict, create_graph, "back")
    return (_restore(_finish(outputs, create_graph), outputs_tuple),
            _restore(_finish(res, create_graph), inputs_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-backward trick.

    >>> ember.autograd.functional.jvp(lambda x: x * 3, ember.ones(2), ember.ones(2))
    (tensor([3., 3.]), tensor([3., 3.]))
    """
    from .._ops.creation import zeros_like
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _v_or_default(v, inputs, inputs_tuple, "jvp", create_graph,
                          _V_NONE_INPUT)
        outputs_tuple, outputs = _call(func, inputs, "jvp", strict)
        # u -> J^T u is linear in u, so its gradient with respect to u (at any finite u) is J v
        u = tuple(zeros_like(o, requires_grad=True) for o in outputs)
        jt_u = _grad(outputs, inputs, u, create_graph=True)
        _strict_requires_grad(jt_u, "grad_inputs", strict)
    with set_grad_enabled(True if create_graph else STATE.enabled):
        grads = _grad(jt_u, u, v, create_graph=create_graph)
        res = _zeros_for_missing(grads, outputs, strict, create_graph, "back_trick")
    return (_restore(_finish(outputs, create_graph), outputs_tuple),
            _restore(_finish(res, create_graph), outputs_tuple))


# ---------------------------------------------------------------------------- jacobian / hessian
def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: shape ``out.shape + in.shape`` per pair.

    >>> ember.autograd.functional.jacobian(lambda x: x.exp(), ember.zeros(2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.')
        if strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`strict=False` or `strategy="reverse-mode"`.')
        _tensors(inputs, "inputs", "jacobian")
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                      "Hessian isonly implemented for `vectorize=True`.")
        # NOTE: ember has no forward-mode AD; the same Jacobian comes from reverse mode
        return _jacobian_reverse(func, inputs, False, False, True, detach_inputs=False)
    return _jacobian_reverse(func, inputs, create_graph, strict, vectorize)


def _jacobian_reverse(func, inputs, create_graph, strict, vectorize, detach_inputs=True):
    from .._ops.creation import zeros_like
    from .._ops.shape import stack
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", "jacobian")
        if detach_inputs:
            inputs = _prepare(inputs, create_graph, need_graph=True)
        else:
            inputs = tuple(t if t.requires_grad else t.detach().requires_grad_(True)
                           for t in inputs)
        outputs_tuple, outputs = _call(func, inputs, "jacobian", strict)
        if vectorize:
            if strict:
                raise RuntimeError(
                    "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                    "not supported together. Please either set `strict=False` or "
                    "`vectorize=False`.")
            jac = _jacobian_batched(outputs, inputs, create_graph)
        else:
            rows = []
            for i, out in enumerate(outputs):
                flat = out.reshape(-1)
                per_input = [[] for _ in inputs]
                for k in range(out.nelement()):
                    vj = _grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
                    for j, g in enumerate(vj):
                        if g is None:
                            if strict:
                                raise RuntimeError(
                                    f"Output {i} of the user-provided function is independent "
                                    f"of input {j}. This is not allowed in strict mode.")
                            g = zeros_like(inputs[j])
                        elif strict and create_graph and not g.requires_grad:
                            raise RuntimeError(
                                "The jacobian of the user-provided function is independent of "
                                f"input {i}. This is not allowed in strict mode when "
                                "create_graph=True.")
                        per_input[j].append(g)
                # NOTE: an output without elements makes stack raise, as in PyTorch
                rows.append(tuple(
                    stack(gs, dim=0).view(tuple(out.shape) + tuple(inputs[j].shape))
                    for j, gs in enumerate(per_input)))
            jac = _finish(tuple(rows), create_graph)
        return _restore2(jac, outputs_tuple, inputs_tuple)


def _jacobian_batched(outputs, inputs, create_graph):
    """All rows at once: one batched backward over the standard basis of the outputs."""
    numels = [o.nelement() for o in outputs]
    total = sum(numels)
    if total == 0:
        # PyTorch's vmap over an empty batch of basis vectors fails this way
        raise IndexError("index 0 is out of bounds for dimension 0 with size 0")
    basis = []
    start = 0
    for o, n in zip(outputs, numels):
        b = o.new_zeros((total, n))
        if n:
            b.diagonal(-start).fill_(1)
        start += n
        basis.append(b)
    flat = tuple(o.reshape(-1) for o in outputs)
    vj = list(_grad(flat, inputs, tuple(basis), create_graph=create_graph, batched=True))
    from .._ops.creation import zeros_like
    for j, g in enumerate(vj):
        if g is None:
            vj[j] = zeros_like(inputs[j]).expand((total,) + tuple(inputs[j].shape))
    per_input = []
    for g, inp in zip(vj, inputs):
        parts = g.split(numels, dim=0)
        per_input.append([p.view(tuple(o.shape) + tuple(inp.shape))
                          for p, o in zip(parts, outputs)])
    jac = tuple(zip(*per_input))
    return _finish(jac, create_graph)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: shape ``in_i.shape + in_j.shape`` per pair.

    >>> ember.autograd.functional.hessian(lambda x: (x ** 3).sum(), ember.ones(2))
    tensor([[6., 0.],
            [0., 6.]])
    """
    T = _tensor_cls()
    inputs_tuple, inputs = _tensors(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*inp):
        out = func(*inp)
        out_tuple, outs = _tensors(out, "outputs of the user-provided function", "hessian")
        _strict_requires_grad(outs, "outputs", strict)
        if out_tuple or not isinstance(out, T):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze()

    def gradient_func(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        g = jacobian(scalar_func, inp, create_graph=True)
        _strict_requires_grad(g if isinstance(g, tuple) else (g,), "jacobian", strict)
        return g

    res = jacobian(gradient_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _restore2(res, inputs_tuple, inputs_tuple)


# ---------------------------------------------------------------------------- hvp / vhp
def _scalar_output(func, inputs, fn_name, strict):
    T = _tensor_cls()
    outputs_tuple, outputs = _call(func, inputs, fn_name, strict)
    if outputs_tuple or not isinstance(outputs[0], T):
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           "contain a single element")
    return outputs_tuple, outputs


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``.

    >>> ember.autograd.functional.vhp(lambda x: (x ** 3).sum(), ember.ones(2), ember.ones(2))
    (tensor(2.), tensor([6., 6.]))
    """
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", "vhp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _v_or_default(v, inputs, inputs_tuple, "vhp", create_graph, _V_NONE_INPUT)
        outputs_tuple, outputs = _scalar_output(func, inputs, "vhp", strict)
        g = _grad(outputs, inputs, create_graph=True)
        _strict_requires_grad(g, "jacobian", strict)
    with set_grad_enabled(True if create_graph else STATE.enabled):
        grads = _grad(g, inputs, v, create_graph=create_graph)
        res = _zeros_for_missing(grads, inputs, strict, create_graph, "double_back")
    return (_restore(_finish(outputs, create_graph), outputs_tuple),
            _restore(_finish(res, create_graph), inputs_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func``, by the double-backward trick.

    >>> ember.autograd.functional.hvp(lambda x: (x ** 3).sum(), ember.ones(2), ember.ones(2))
    (tensor(2.), tensor([6., 6.]))
    """
    from .._ops.creation import zeros_like
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, "inputs", "hvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _v_or_default(v, inputs, inputs_tuple, "hvp", create_graph, _V_NONE_INPUT)
        outputs_tuple, outputs = _scalar_output(func, inputs, "hvp", strict)
        g = _grad(outputs, inputs, create_graph=True)
        _strict_requires_grad(g, "jacobian", strict)
        # u -> H u is linear in u; differentiating u^T (H ...) with respect to u gives H v
        u = tuple(zeros_like(t, requires_grad=True) for t in inputs)
        hu = _grad(g, inputs, u, create_graph=True)
        # NOTE: PyTorch re-checks the first gradients here (not ``hu``); same result
        _strict_requires_grad(g, "hessian", strict)
    with set_grad_enabled(True if create_graph else STATE.enabled):
        grads = _grad(hu, u, v, create_graph=create_graph)
        res = _zeros_for_missing(grads, inputs, strict, create_graph, "double_back_trick")
    return (_restore(_finish(outputs, create_graph), outputs_tuple),
            _restore(_finish(res, create_graph), inputs_tuple))
