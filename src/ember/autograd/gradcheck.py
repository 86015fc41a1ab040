"""``gradcheck`` / ``gradgradcheck``: compare analytical gradients with central finite
differences, with PyTorch's defaults (eps=1e-6, atol=1e-5, rtol=1e-3), checks and messages.

Jacobians are laid out as PyTorch lays them out in its messages: one row per input element,
one column per output element. Complex inputs use the conjugate Wirtinger derivative and
complex outputs are checked through their real and imaginary parts, as in PyTorch.

>>> x = ember.tensor([0.5, 1.0], dtype=ember.float64, requires_grad=True)
>>> ember.autograd.gradcheck(ember.sin, x)
True
"""
import warnings
from itertools import product

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails."""


_NONDET_NOTE = (
    "\n\nNOTE: If your op relies on non-deterministic operations i.e., it is listed here:\n"
    "https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html\n"
    "this failure might be expected.\n\n"
    "If you are adding a new operator, please file an issue and then use one of the\n"
    "workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.\n"
    "If the test\n"
    "- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck\n"
    "  with `nondet_tol=<tol>` as a keyword argument.\n"
    "- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test\n"
    "  to have `gradcheck_nondet_tol=<tol>`.\n"
    "- is a Module test (e.g., in common_nn.py), then modify the corresponding\n"
    "  module_test entry to have `gradcheck_nondet_tol=<tol>`\n")

_UNDEFINED_NOTE = 'Please look at "Notes about undefined output gradients" in ' \
                  '"tools/autograd/derivatives.yaml"'


def _T():
    from .._tensor import Tensor
    return Tensor


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _torch_name(obj):
    return str(obj).replace("ember.", "torch.")


def _size_text(shape):
    return "torch.Size([" + ", ".join(str(s) for s in shape) + "])"


def _is_float_or_complex(t):
    return t._dtype.is_floating_point or t._dtype.is_complex


def _diff_inputs(inputs):
    T = _T()
    return [x for x in inputs if isinstance(x, T) and x.requires_grad]


def _differentiable(outputs):
    return tuple(o for o in _as_tuple(outputs) if o.requires_grad)


def _wrap(array, dtype):
    from .._tensor import make_tensor
    return make_tensor(array, dtype)


# ---------------------------------------------------------------------------- input checks
def _check_inputs(inputs):
    T = _T()
    from .. import _dtype as D
    found = False
    for idx, x in enumerate(inputs):
        if not (isinstance(x, T) and x.requires_grad):
            continue
        if x._dtype is not D.float64 and x._dtype is not D.complex128:
            warnings.warn(f"Input #{idx} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", stacklevel=4)
        if not all(st > 0 or sz <= 1 for st, sz in zip(x.stride(), x.shape)):
            raise RuntimeError(
                f"The {idx}th input has a dimension with stride 0. gradcheck only supports inputs "
                "that are non-overlapping to be able to compute the numerical gradients "
                "correctly. You should call .contiguous on the input before passing it to "
                "gradcheck.")
        found = True
    if not found:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")


# ---------------------------------------------------------------------------- numerical side
def _snapshot(func, inputs):
    """The function's outputs as standalone arrays (with their dtypes)."""
    return [(np.array(o._array, copy=True), o._dtype) for o in _as_tuple(func(*inputs))]


def _check_same_kind(a, b, idx, eps):
    (aa, ad), (ba, bd) = a, b
    where = f"on index {idx} " if idx is not None else ""
    if aa.shape != ba.shape:
        raise AssertionError(f"Expected `func` to return outputs with the same shape when inputs "
                             f"are perturbed {where}by {eps}, but got: shapes "
                             f"{_size_text(aa.shape)} and {_size_text(ba.shape)}.")
    if ad is not bd:
        raise AssertionError(f"Expected `func` to return outputs with the same dtype when inputs "
                             f"are perturbed {where}by {eps}, but got: dtypes "
                             f"{_torch_name(ad)} and {_torch_name(bd)}.")


def _central_difference(func, inputs, arr, idx, delta, eps):
    """(f(x + delta e_idx) - f(x - delta e_idx)) / (2 eps), per output, flattened."""
    orig = arr[idx].copy()
    arr[idx] = orig - delta
    lo = _snapshot(func, inputs)
    arr[idx] = orig + delta
    hi = _snapshot(func, inputs)
    arr[idx] = orig
    cols = []
    for a, b in zip(lo, hi):
        _check_same_kind(a, b, idx, eps)
        (aa, dt), (ba, _) = a, b
        diff = (ba - aa)
        cols.append((np.asarray(diff / (2 * eps)).astype(dt.np, copy=False).reshape(-1), dt))
    return cols


def _numerical_jacobian(func, inputs, outputs, eps):
    """``[input][output]`` Jacobians (rows: input elements, columns: output elements) of the
    float outputs, for every input requiring grad."""
    T = _T()
    float_outs = [o for o in outputs if _is_float_or_complex(o)]
    result = []
    for x in inputs:
        if not (isinstance(x, T) and x.requires_grad):
            continue
        # NOTE: the input's memory is perturbed in place, behind autograd's back (like .data)
        arr = x._array
        n = x._array.size
        complex_in = x._dtype.is_complex
        jdt = [x._dtype if complex_in else o._dtype for o in float_outs]
        jacs = [np.zeros((n, o._array.size), d.np) for o, d in zip(float_outs, jdt)]
        for k, idx in enumerate(product(*[range(s) for s in x._array.shape])):
            dx = _central_difference(func, inputs, arr, idx, x._dtype.np.type(eps)
                                     if not complex_in else eps, eps)
            if complex_in:
                dy = _central_difference(func, inputs, arr, idx, eps * 1j, eps)
                cols = [(a + b * 1j, d) for (a, d), (b, _) in zip(dx, dy)]
            else:
                cols = dx
            cols = [c for c in cols if c[1].is_floating_point or c[1].is_complex]
            for jac, (c, _) in zip(jacs, cols):
                jac[k] = c
        result.append([_wrap(j, d) for j, d in zip(jacs, jdt)])
    return result


# ---------------------------------------------------------------------------- analytical side
def _analytical_rows(output, diff_inputs):
    """Row j of each input's Jacobian: the vector-Jacobian product with basis vector e_j."""
    from .engine import grad
    dt = output._dtype
    base = np.zeros(output._array.shape, dt.np)
    flat = base.reshape(-1)
    rows = [[] for _ in diff_inputs]
    for j in range(flat.size):
        flat[:] = 0
        flat[j] = 1
        g = grad(output, diff_inputs, _wrap(base.copy(), dt), retain_graph=True,
                 allow_unused=True)
        for i, gi in enumerate(g):
            rows[i].append(None if gi is None else _wrap(np.array(gi._array, copy=True),
                                                         gi._dtype))
    return rows


def _stack_rows(rows, diff_inputs, n_out):
    jacs = []
    sizes_ok = types_ok = True
    for inp, col_list in zip(diff_inputs, rows):
        jac = np.zeros((inp._array.size, n_out), inp._dtype.np)
        for j, g in enumerate(col_list):
            if g is None:
                continue
            if g._array.shape != inp._array.shape:
                sizes_ok = False
            elif g._dtype is not inp._dtype:
                types_ok = False
            jac[:, j] = g._array.reshape(-1)
        jacs.append(_wrap(jac, inp._dtype))
    return jacs, sizes_ok, types_ok


def _analytical_jacobian(inputs, output, nondet_tol, check_grad_dtypes):
    diff_inputs = _diff_inputs(inputs)
    n_out = output._array.size
    first, sizes_ok, types_ok = _stack_rows(_analytical_rows(output, diff_inputs), diff_inputs,
                                            n_out)
    second, _, _ = _stack_rows(_analytical_rows(output, diff_inputs), diff_inputs, n_out)
    reentrant = all(a._array.size == 0 or
                    np.abs(a._array - b._array).max() <= nondet_tol
                    for a, b in zip(first, second))
    # NOTE: PyTorch pairs these two flags the other way round (a dtype mismatch is reported as
    # an incorrect size, and the dtype check fires on a size mismatch); kept for fidelity
    if not sizes_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not types_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if not reentrant:
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with same input and grad_output "
            "multiple times gives different values, although analytical gradient matches "
            f"numerical gradient.The tolerance for nondeterminism was {nondet_tol}."
            + _NONDET_NOTE)
    return first


def _allclose(a, b, rtol, atol):
    from .. import _dtype as D
    dt = D.promote_types(a._dtype, b._dtype)
    x = a._array.astype(dt.np)
    y = b._array.astype(dt.np)
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(x - y) <= atol + rtol * np.abs(y)))


def _mismatch_message(analytical, numerical, out_idx, in_idx, complex_out, imag, forward):
    prefix = ""
    if complex_out:
        part = "imaginary" if imag else "real"
        prefix = (f"While considering the {part} part of complex "
                  f"{'inputs' if forward else 'outputs'} only, ")
    mode = "computed with forward mode " if forward else ""
    return (f"{prefix}Jacobian {mode}mismatch for output {out_idx:d} with respect to input "
            f"{in_idx:d},\nnumerical:{numerical}\nanalytical:{analytical}\n")


def _check_forward_support(outputs):
    """ember has no forward-mode AD: it is emulated with reverse mode, which custom Functions
    support only when they define ``jvp`` (as PyTorch requires)."""
    from .function import BackwardCFunction, Function
    seen = set()
    stack = [o.grad_fn for o in outputs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, BackwardCFunction) and node._forward_cls.jvp is Function.jvp:
            raise NotImplementedError("You must implement the jvp function for custom "
                                      "autograd.Function to use it with forward mode AD.")
        stack.extend(n for n, _ in node.next_functions)


def _slow_check(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                nondet_tol, *, forward=False, complex_indices=(), imag=False):
    func_out = _as_tuple(func_out)
    if not outputs:
        for per_input in _numerical_jacobian(func, inputs, func_out, eps):
            for jac in per_input:
                if np.count_nonzero(jac._array) > 0:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    float_outs = [o for o in func_out if _is_float_or_complex(o)]
    numerical = _numerical_jacobian(func, inputs, func_out, eps)
    # numerical[input][output] -> [output][input], differentiable outputs only
    numerical = [[numerical[j][k] for j in range(len(numerical))]
                 for k, o in enumerate(float_outs) if o.requires_grad]
    if forward:
        _check_forward_support(outputs)
    for i, o in enumerate(outputs):
        analytical = _analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes)
        for j, (a, n) in enumerate(zip(analytical, numerical[i])):
            if not _allclose(a, n, rtol, atol):
                complex_here = (j if forward else i) in complex_indices
                raise GradcheckError(_mismatch_message(a, n, i, j, complex_here, imag, forward))
    return True


def _part_of_outputs(func, part):
    def wrapped(*inputs):
        outs = _as_tuple(func(*inputs))
        return tuple(getattr(o, part) if o.is_complex() else o for o in outs)
    return wrapped


def _check_real_imag(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                     nondet_tol, forward):
    complex_out = [i for i, o in enumerate(outputs) if o.is_complex()]
    if any(o.is_complex() for o in _as_tuple(func_out)):
        for part in ("imag", "real"):
            fn = _part_of_outputs(func, part)
            out = fn(*inputs)
            _slow_check(fn, out, inputs, _differentiable(out), eps, rtol, atol,
                        check_grad_dtypes, nondet_tol, forward=forward,
                        complex_indices=complex_out, imag=part == "imag")
    else:
        _slow_check(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol, forward=forward)


# ---------------------------------------------------------------------------- other checks
def _check_backward_mul_by_grad_output(outputs, inputs):
    from .engine import grad
    from .._ops.creation import zeros_like
    diff_inputs = _diff_inputs(inputs)
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")
    grads = _grad_or_none(grad, outputs, diff_inputs, [zeros_like(o) for o in outputs])
    for gi, di in zip(grads, diff_inputs):
        if gi is None:
            continue
        if np.any(gi._array != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi._dtype is not di._dtype:
            raise GradcheckError("grad is incorrect type")
        if gi.device != di.device:
            raise GradcheckError("grad is incorrect device")
        if gi._array.shape != di._array.shape:
            raise GradcheckError("grad is incorrect size")
    return True


def _grad_or_none(grad, outputs, inputs, grad_outputs, **kw):
    # with no outputs there is nothing to differentiate: every input gets None
    if not outputs:
        return (None,) * len(inputs)
    return grad(tuple(outputs), inputs, tuple(grad_outputs), allow_unused=True, **kw)


class _UndefinedGrad:
    """An alias of a tensor whose gradient reaches its producer as *undefined* (None)."""

    node_cls = None

    @classmethod
    def make(cls, t):
        from . import graph
        if cls.node_cls is None:
            class UndefinedGradBackward(graph.Node):
                _name = "torch::autograd::UndefinedGradBackward"

                def apply(self, grads):
                    return (None,) * len(self.next_functions)
            UndefinedGradBackward.__module__ = "builtins"
            cls.node_cls = UndefinedGradBackward
        node = cls.node_cls()
        node.next_functions = (graph.grad_edge(t),)
        node._input_meta = ((t._array.shape, t._dtype),)
        node._output_meta = ((t._array.shape, t._dtype),)
        out = _wrap(t._array, t._dtype)
        out._grad_fn = node
        out._requires_grad = True
        return out


def _check_undefined_grad(func, outputs, inputs):
    from .engine import grad
    from .._ops.creation import zeros_like
    diff_inputs = _diff_inputs(inputs)
    if not diff_inputs:
        raise GradcheckError("no Tensors requiring grad found in input")
    T = _T()

    def bc_warning():
        warnings.warn("Backwards compatibility: New undefined gradient support checking feature "
                      "is enabled by default, but it may break existing callers of this "
                      "function. If this is true for you, you can call this function with "
                      '"check_undefined_grad=False" to disable the feature', stacklevel=4)

    def check(outs):
        try:
            grads = _grad_or_none(grad, outs, diff_inputs, [zeros_like(o) for o in outs])
        except RuntimeError as e:
            bc_warning()
            raise GradcheckError("Expected backward function to handle undefined output grads. "
                                 + _UNDEFINED_NOTE) from e
        for gi in grads:
            if gi is not None and np.any(gi._array != 0):
                bc_warning()
                raise GradcheckError("Expected all input grads to be undefined or zero when all "
                                     "output grads are undefined or zero. " + _UNDEFINED_NOTE)
        return True

    cases = [[_UndefinedGrad.make(o) for o in _differentiable(func(*inputs))
              if isinstance(o, T)]]
    if len(cases[0]) > 1:
        for k in range(len(outputs)):
            outs = _differentiable(func(*inputs))
            cases.append([_UndefinedGrad.make(o) if i == k else o for i, o in enumerate(outs)])
    return all(check(c) for c in cases)


# ---------------------------------------------------------------------------- public API
def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check the gradients of ``func`` at ``inputs`` against finite differences; returns True,
    or raises ``GradcheckError`` (returns False when ``raise_exception=False``).

    >>> x = ember.tensor([1., 2.], dtype=ember.float64, requires_grad=True)
    >>> ember.autograd.gradcheck(lambda t: (t * t).sum(), x)
    True
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad "
                             "to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be "
                             "True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad "
                             "to be True")
    try:
        return _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                          check_grad_dtypes, check_forward_ad, check_backward_ad)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
               check_grad_dtypes, check_forward_ad, check_backward_ad):
    # NOTE: fast_mode, the batched-gradient checks and masked (sparse) are accepted; the full
    # (slow) comparison is always made, and batched gradients are ember's row loop anyway
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    func_out = func(*inputs)
    outputs = _differentiable(func_out)
    if check_backward_ad:
        _check_real_imag(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                         nondet_tol, forward=False)
    if check_forward_ad:
        _check_real_imag(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                         nondet_tol, forward=True)
    if not check_backward_ad:
        return True
    _check_backward_mul_by_grad_output(outputs, inputs)
    if check_undefined_grad:
        _check_undefined_grad(func, outputs, inputs)
    return True


def _random_grad_outputs(outputs, noncontiguous):
    from .. import _dtype as D
    from ..random import rand
    res = []
    for o in outputs:
        dt = o._dtype if (o._dtype.is_floating_point or o._dtype.is_complex) else D.float64
        if noncontiguous:
            shape = tuple(o._array.shape[:-1]) + (o._array.shape[-1] * 2,) if o.dim() else ()
            g = (rand(shape, dtype=dt) * 2 - 1)
            if o.dim():
                g = g[..., ::2]
        else:
            g = rand(tuple(o._array.shape), dtype=dt) * 2 - 1
        res.append(g.detach().requires_grad_(True))
    return tuple(res)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: gradcheck of the map (inputs, grad_outputs) -> grad_inputs.
    Without ``grad_outputs``, random ones in [-1, 1) are drawn.

    >>> x = ember.tensor([1., 2.], dtype=ember.float64, requires_grad=True)
    >>> ember.autograd.gradgradcheck(lambda t: t ** 3, x)
    True
    """
    from .engine import grad
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev "
                             "to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to "
                             "be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be "
                             "True")
    T = _T()
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = _random_grad_outputs(_differentiable(func(*inputs)),
                                            gen_non_contig_grad_outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_out = len(grad_outputs)
    diff_in = {i for i, x in enumerate(inputs) if isinstance(x, T) and x.requires_grad}
    diff_go = {i for i, g in enumerate(grad_outputs) if g.requires_grad}

    def first_derivatives(*args):
        args_in = tuple(x.requires_grad_() if i in diff_in else x
                        for i, x in enumerate(args[:len(args) - n_out]))
        outs = _differentiable(func(*args_in))
        gouts = tuple(g.requires_grad_() if i in diff_go else g
                      for i, g in enumerate(args[len(args) - n_out:]))
        wrt = tuple(x for i, x in enumerate(args_in) if i in diff_in)
        gi = _grad_or_none(grad, outs, wrt, gouts[:len(outs)], create_graph=True)
        return tuple(g for g in gi if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     fast_mode=fast_mode, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev, masked=masked)
