"""In-place view ops: ``t_``, ``transpose_``/``swapaxes_``/``swapdims_``, ``squeeze_``,
``unsqueeze_``, ``as_strided_``. They change a tensor's sizes and strides (never its data) and
count as in-place ops: the version counter moves, a leaf that requires grad (or a view of one)
refuses them, and the tensor's ``grad_fn`` becomes the op's ``...Backward1`` node over its
previous history.

>>> x = ember.zeros(2, 3)
>>> x.t_().shape, x.stride()
(ember.Size([3, 2]), (1, 3))
"""
from .._dispatch import FUNCTIONS
from .._tensor import Tensor
from ..autograd.grad_mode import STATE as _GRAD
from ..autograd.graph import node_class
from . import views as _views


def _check_metadata_inplace(self):
    """PyTorch's autograd checks before an in-place op (no memory-overlap check: only the
    metadata changes)."""
    if _GRAD.enabled:
        base = self._base
        if base is None:
            if self._requires_grad and self._grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
        elif base._requires_grad and base._grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
    if self._inference and not _GRAD.inference:
        raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not "
                           "allowed.You can make a clone to get a normal tensor before doing "
                           "inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
                           "details.")


def _restride(self, view_fn, node_name, *args):
    """Give ``self`` the sizes and strides of ``view_fn(self, *args)`` in place.

    The out-of-place view records its ``...Backward0`` node over ``self``'s history; that node
    (its saved sizes/dims are what the in-place form needs too) becomes ``self``'s grad_fn under
    the in-place name. It keeps no inputs, so the version bump below cannot invalidate it.
    """
    _check_metadata_inplace(self)
    v = view_fn(self, *args)
    node = v._grad_fn if v._requires_grad and _GRAD.enabled else None
    self._array = v._array
    self._bump_version()
    if node is not None:
        node.__class__ = _NODES[node_name]
        node.inputs = ()
        node._versions = ()
        self._grad_fn = node
        self._requires_grad = True
        self._output_nr = 0
    return self


# NOTE: these node classes are private to this file, not taken from ``node_class``: other op
# families register derivatives under some of the same names (reduction's SqueezeBackward4,
# pooling's AsStridedBackward1), and a shared class would let one overwrite the other.
def _inplace_node(inplace_name, view_name):
    """A node class printed as ``inplace_name`` that differentiates like ``view_name``."""
    return type(inplace_name, (node_class(view_name),),
                {"__module__": "builtins", "saves_inputs": False})


def _as_strided_inplace_backward(ctx, grad):
    return ctx.saved["geometry"].scatter(grad, grad._dtype)


_NODES = {name: _inplace_node(name, view) for name, view in (
    ("TBackward1", "TBackward0"), ("TransposeBackward1", "TransposeBackward0"),
    ("UnsqueezeBackward1", "UnsqueezeBackward0"), ("SqueezeBackward3", "SqueezeBackward0"),
    ("SqueezeBackward4", "SqueezeBackward0"), ("SqueezeBackward5", "SqueezeBackward0"))}
_NODES["AsStridedBackward1"] = type("AsStridedBackward1", (node_class("AsStridedBackward0"),), {
    "__module__": "builtins", "saves_inputs": False, "array_backward": None,
    "backward_fn": staticmethod(_as_strided_inplace_backward)})


def t_(self):
    """In-place ``t()``: swap the two dimensions of a matrix (0-d and 1-d tensors unchanged).

    >>> ember.zeros(2, 3).t_().shape
    ember.Size([3, 2])
    """
    n = self._array.ndim
    if n > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {n}D")
    return _restride(self, _views.t, "TBackward1")


def transpose_(self, dim0, dim1):
    """In-place ``transpose(dim0, dim1)``.

    >>> ember.zeros(2, 3, 4).transpose_(0, 2).shape
    ember.Size([4, 3, 2])
    """
    return _restride(self, _views.transpose, "TransposeBackward1", dim0, dim1)


def _swap_(name):
    def swap_(self, dim0, dim1):
        return _restride(self, _views.transpose, "TransposeBackward1", dim0, dim1)
    swap_.__name__ = swap_.__qualname__ = name
    swap_.__doc__ = "Alias of ``transpose_``."
    return swap_


def unsqueeze_(self, dim):
    """In-place ``unsqueeze(dim)``.

    >>> ember.zeros(3).unsqueeze_(0).shape
    ember.Size([1, 3])
    """
    return _restride(self, _views.unsqueeze, "UnsqueezeBackward1", dim)


def squeeze_(self, dim=None):
    """In-place ``squeeze`` (all size-1 dimensions, or those in ``dim``).

    >>> ember.zeros(1, 3, 1).squeeze_().shape
    ember.Size([3])
    """
    if dim is None:
        return _restride(self, _views.squeeze, "SqueezeBackward3")
    name = "SqueezeBackward5" if isinstance(dim, (tuple, list)) else "SqueezeBackward4"
    return _restride(self, _views.squeeze, name, dim)


def as_strided_(self, size, stride, storage_offset=None):
    """In-place ``as_strided``: this tensor now views its storage with ``size``/``stride``.

    >>> ember.arange(6.).as_strided_((2, 2), (1, 2), 1)
    tensor([[1., 3.],
            [2., 4.]])
    """
    return _restride(self, _views.as_strided, "AsStridedBackward1", size, stride, storage_offset)


Tensor.t_ = t_
Tensor.transpose_ = transpose_
Tensor.swapaxes_ = _swap_("swapaxes_")
Tensor.swapdims_ = _swap_("swapdims_")
Tensor.unsqueeze_ = unsqueeze_
Tensor.squeeze_ = squeeze_
Tensor.as_strided_ = as_strided_
FUNCTIONS["as_strided_"] = as_strided_
