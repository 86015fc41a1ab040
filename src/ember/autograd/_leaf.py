"""Leaf-tensor state: requires_grad flags, reading/assigning ``.grad``, accumulation."""
import sys as _sys
import warnings
from collections import OrderedDict

import numpy as np

from .grad_mode import STATE
from .. import _tensor as _tensor_mod   # (a module reference: ember._tensor imports this file)

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information.")


def set_requires_grad(t, value, attribute):
    if not isinstance(value, bool):
        if attribute:
            raise TypeError("requires_grad must be a bool")
        raise TypeError(f"requires_grad_(): argument 'requires_grad' (position 1) must be bool, "
                        f"not {type(value).__name__}")
    if t._grad_fn is not None:
        if not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if attribute:
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        return
    if value and not (t._dtype.is_floating_point or t._dtype.is_complex):
        if attribute:
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    if value and t._inference and not STATE.inference:
        raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode "
                           "is not allowed.")
    t._requires_grad = value


def get_grad(t):
    if t._grad_fn is not None and not t._retains_grad:
        warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=3)
        return None
    return t._grad


def set_grad(t, value):
    from .._tensor import Tensor
    if value is None:
        t._grad = None
        return
    if not isinstance(value, Tensor):
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                        f"{type(value).__name__}")
    if value is t:
        raise RuntimeError("can't assign Variable as its own grad")
    if value._dtype is not t._dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{value._dtype.cpp_name}' to a tensor "
            f"with grad_dtype '{t._dtype.scalar_name}'. The gradient must match the tensor's "
            "grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype "
            "attribute with a specific dtype, or None to allow any dtype. Set grad_dtype with "
            "caution. Diverging the dtypes of a tensor and its gradient may break downstream "
            "systems that assume they match.")
    if value._array.shape != t._array.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(value._array.shape)}' to a tensor "
            f"of size '{list(t._array.shape)}'. Please ensure that the gradient and the tensor are "
            "the same size")
    t._grad = value


def accumulate_grad(t, g):
    """Add gradient ``g`` into leaf ``t``'s ``.grad`` following PyTorch's layout rules."""
    if g._dtype is not t._dtype:
        g = g.to(t._dtype)
    if STATE.enabled:
        old = t._grad
        if old is None:
            # create_graph: .grad is a differentiable copy (CopyBackwards when g has history)
            t._grad = g.clone() if not g._requires_grad else _copy_with_history(g)
        else:
            t._grad = old + g
    else:
        _add_into_grad(t, g._array)
    if t._post_acc_hooks:
        for hook in list(t._post_acc_hooks.values()):
            if hook(t) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")


def accumulate_array(t, g):
    """``accumulate_grad`` for a raw array ``g`` of ``t``'s dtype, outside grad mode, for a leaf
    without hooks (the backward engine's fast path).

    Like PyTorch's AccumulateGrad, a first gradient that nothing else references is adopted
    as ``.grad`` instead of copied, when its layout is the one the copy would have.
    NOTE: the engine calls this as ``accumulate_array(t, buf)``: its local ``buf``, the
    parameter ``g`` and getrefcount's argument make 3 references; any more (the same array
    sent to another input, a user's tensor, a saved value) and it is copied."""
    if t._grad is None and type(g) is np.ndarray and g.flags.writeable and \
            _sys.getrefcount(g) <= 3 and _unshared_memory(g) and _adoptable(t, g):
        t._grad = _tensor_mod.make_tensor(g, t._dtype)
        return
    _add_into_grad(t, g)


def _unshared_memory(g):
    """``g`` owns its memory, or views all of an array that only ``g`` references (say the
    transpose of a fresh product)."""
    base = g.base
    if base is None:
        return True
    # references to base: g's own, the local name, and getrefcount's argument
    return type(base) is np.ndarray and base.base is None and base.size == g.size and \
        _sys.getrefcount(base) <= 3


def _adoptable(t, g):
    """Whether ``g`` already has the layout a copied ``.grad`` of ``t`` would get."""
    if g.shape != t._array.shape or g.dtype is not t._array.dtype:
        return False
    if _dense(t):
        return g.strides == t._array.strides or g.size <= 1
    return g.flags.c_contiguous


def _add_into_grad(t, g):
    # a new .grad is a copy laid out like t when t is dense (PyTorch's rule); later gradients
    # are added in place unless .grad has history or is read-only
    old = t._grad
    if old is None:
        arr = np.empty_like(t._array) if _dense(t) else np.empty(t._array.shape, t._dtype.np)
        np.copyto(arr, g, casting="unsafe")
        t._grad = _tensor_mod.make_tensor(arr, t._dtype)
    elif old._grad_fn is None and old._array.flags.writeable:
        np.add(old._array, g, out=old._array, casting="unsafe")
        old._bump_version()
    else:
        t._grad = old + _tensor_mod.make_tensor(np.asarray(g), t._dtype)


def _copy_with_history(g):
    from .._ops.creation import empty_like
    out = empty_like(g)
    return out.copy_(g)


def _dense(t):
    a = t._array
    return a.flags.c_contiguous or a.flags.f_contiguous or t.is_non_overlapping_and_dense()


_ENGINE = []


def _engine():
    if not _ENGINE:
        from . import engine   # (engine imports this module)
        _ENGINE.append(engine)
    return _ENGINE[0]


def _install_tensor_methods():
    """Tensor.backward, retain_grad and the hook registrations."""
    from .._tensor import Tensor
    from ..utils.hooks import RemovableHandle

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        if create_graph:
            warnings.warn(
                "Using backward() with create_graph=True will create a reference cycle between "
                "the parameter and its gradient which can cause a memory leak. We recommend using "
                "autograd.grad when creating the graph to avoid this. If you have to use this "
                "function, make sure to reset the .grad fields of your parameters to None after "
                "use to break the cycle and avoid the leak.", UserWarning, stacklevel=2)
        _engine().backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph,
                           inputs=inputs)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        ref = __import__("weakref").ref(self)

        def keep(g):
            t = ref()
            if t is not None:
                t._grad = g.detach().clone() if t._grad is None else t._grad + g
        node = self._grad_fn
        if node._retain_hooks is None:
            node._retain_hooks = {}
            node._hooked = True
        node._retain_hooks[self._output_nr] = keep

    def register_hook(self, hook):
        """Call ``hook(grad)`` when the gradient for this tensor is computed."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            if self._backward_hooks is None:
                self._backward_hooks = OrderedDict()
            h = RemovableHandle(self._backward_hooks)
            self._backward_hooks[h.id] = hook
            return h
        return self._grad_fn._add_tensor_hook(self._output_nr, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = OrderedDict()
        h = RemovableHandle(self._post_acc_hooks)
        self._post_acc_hooks[h.id] = hook
        return h

    Tensor.backward = backward
    Tensor.retain_grad = retain_grad
    Tensor.register_hook = register_hook
    Tensor.register_post_accumulate_grad_hook = register_post_accumulate_grad_hook


