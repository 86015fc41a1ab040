"""Autograd graph nodes: ``Node``, the per-op node classes (``MulBackward0`` ...),
``AccumulateGrad``, and how in-place ops rewrite a tensor's history.

A node keeps its forward inputs (``ctx.inputs``) and whatever extra values the op saved; its
class carries the op's derivative, written in ember ops, so double backward works.
"""
import itertools
from collections import OrderedDict
import weakref

_sequence = itertools.count()

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through "
    "the graph a second time or if you need to access saved tensors after calling backward.")


class Node:
    """A step of the recorded computation; calling backward runs it in reverse."""

    _name = None

    def __init__(self):
        self._seq = next(_sequence)
        self.next_functions = ()
        self.metadata = {}
        self._pre_hooks = None
        self._hooks = None

    def name(self):
        """The node's name, e.g. 'MulBackward0'."""
        return self._name or type(self).__name__

    def _sequence_nr(self):
        return self._seq

    def register_hook(self, fn):
        """Call ``fn(grad_inputs, grad_outputs)`` after the node runs."""
        from ..utils.hooks import RemovableHandle
        if self._hooks is None:
            self._hooks = OrderedDict()
        h = RemovableHandle(self._hooks)
        self._hooks[h.id] = fn
        return h

    def register_prehook(self, fn):
        """Call ``fn(grad_outputs)`` before the node runs; it may return new grad_outputs."""
        from ..utils.hooks import RemovableHandle
        if self._pre_hooks is None:
            self._pre_hooks = OrderedDict()
        h = RemovableHandle(self._pre_hooks)
        self._pre_hooks[h.id] = fn
        return h

    def __call__(self, *grads):
        return self.apply(grads)

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"


class OpNode(Node):
    """The node of a registered op: ``ctx.inputs`` plus saved values, and the derivative."""

    backward_fn = None

    def __init__(self):
        Node.__init__(self)
        self.inputs = ()
        self.saved = None
        self._versions = ()
        self._freed = False
        self._output_meta = ()
        self._input_meta = ()

    def __getattr__(self, name):
        # ctx.<name> reads a saved value (dim, keepdim, result, ...)
        if name.startswith("_saved_"):
            key = name[7:]
            saved = self.__dict__.get("saved") or {}
            if key in saved:
                return saved[key]
            if key in ("self", "other"):
                inputs = self.__dict__.get("inputs", ())
                idx = 0 if key == "self" else 1
                if idx < len(inputs):
                    return inputs[idx]
        saved = self.__dict__.get("saved")
        if saved is not None and name in saved:
            return saved[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def release(self):
        """Drop what the forward saved (after a backward without retain_graph)."""
        if self.inputs or self.saved:
            self._freed = True
        self.inputs = ()
        self.saved = None

    def check_saved(self):
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        for t, v in zip(self.inputs, self._versions):
            if v is not None and t._version != v:
                raise RuntimeError(_version_message(t, v))

    def apply(self, grads):
        self.check_saved()
        fn = type(self).backward_fn
        if fn is None:
            raise RuntimeError(f"derivative for {self.name()} is not implemented")
        grad = grads[0] if len(self._output_meta) <= 1 else grads
        out = fn(self, grad)
        if not isinstance(out, tuple):
            out = (out,)
        return out


def _version_message(t, expected):
    from .._tensor_type import legacy_type_name
    sizes = "[" + ", ".join(str(s) for s in t._array.shape) + "]"
    fn = t._grad_fn
    where = ""
    if fn is not None:
        where = f", which is output {t._output_nr} of {forward_op_name(fn.name())},"
    return (f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{legacy_type_name(t)} {sizes}]{where} is at version "
            f"{t._version}; expected version {expected} instead. Hint: enable anomaly detection "
            "to find the operation that failed to compute its gradient, with "
            "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def forward_op_name(node_name):
    """'ExpBackward0' -> 'Exp', 'PowBackward1' -> 'Pow1' (PyTorch's error wording)."""
    i = node_name.rfind("Backward")
    if i <= 0:
        return node_name
    digits = node_name[i + 8:]
    if digits and not digits.isdigit():
        return node_name
    return node_name[:i] + ("" if digits in ("", "0") else digits)


_NODE_CLASSES = {}


def node_class(name):
    """The node class called ``name`` (one class per grad_fn name, shared by op variants)."""
    cls = _NODE_CLASSES.get(name)
    if cls is None:
        cls = type(name, (OpNode,), {"__module__": "builtins"})
        _NODE_CLASSES[name] = cls
    return cls


class AccumulateGrad(Node):
    """The node that adds an incoming gradient into a leaf's ``.grad``."""

    _name = "torch::autograd::AccumulateGrad"

    def __init__(self, variable):
        Node.__init__(self)
        self.variable = variable

    def apply(self, grads):
        from ._leaf import accumulate_grad
        accumulate_grad(self.variable, grads[0])
        return ()


def grad_edge(t):
    """The (node, input_nr) edge that gradients for tensor ``t`` flow into."""
    if not t._requires_grad:
        return (None, 0)
    fn = t._grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    ref = t.__dict__.get("_acc_ref")
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(t)
        t._acc_ref = weakref.ref(node)
    return (node, 0)


def make_node(node_cls, inputs, saved):
    """Build a node for a forward call with ``inputs`` (Tensors or scalars)."""
    from .._tensor import Tensor
    node = node_cls()
    node.inputs = inputs
    node.saved = saved
    edges = []
    versions = []
    metas = []
    for x in inputs:
        if isinstance(x, Tensor):
            edges.append(grad_edge(x))
            versions.append(x._version)
            metas.append(x._array.shape)
        else:
            edges.append((None, 0))
            versions.append(None)
            metas.append(None)
    node.next_functions = tuple(edges)
    node._versions = tuple(versions)
    node._input_meta = tuple(metas)
    return node


def rebase_inplace(t, node_cls, inputs, saved):
    """After an in-place op on ``t``: its history becomes ``node_cls`` over its old history."""
    # NOTE: the node's first input is the tensor's previous value; since the data was
    # overwritten, formulas that need the old value of ``t`` cannot run (issue: CopySlices
    # and full in-place semantics are the autograd issue's scope).
    from .._tensor import Tensor, make_tensor
    prev = make_tensor(t._array, t._dtype)
    prev._requires_grad = t._requires_grad
    prev._grad_fn = t._grad_fn
    prev._output_nr = t._output_nr
    if t._requires_grad and t._grad_fn is None:
        ref = t.__dict__.get("_acc_ref")
        if ref is not None:
            prev._acc_ref = ref
    inputs = (prev,) + tuple(inputs[1:])
    node = make_node(node_cls, inputs, saved)
    node._versions = (None,) + node._versions[1:]
    node._output_meta = ((t._array.shape, t._dtype),)
    t._grad_fn = node
    t._requires_grad = True
    t._output_nr = 0
