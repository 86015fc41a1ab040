"""Autograd graph nodes: ``Node``, the per-op node classes (``MulBackward0`` ...),
``AccumulateGrad``, saved values, hooks, and how in-place ops rewrite a tensor's history.

A node keeps what its op's derivative needs: the forward inputs (``ctx.inputs``, for ops whose
formula uses them) and extra saved values (``ctx.saved``); its class carries the derivative,
written in ember ops, so double backward works. A saved *output* is stored without its grad_fn
(as PyTorch's SavedVariable does) so that node and output never form a reference cycle.
"""
import itertools
import weakref
from collections import OrderedDict

from .grad_mode import STATE

# NOTE: anomaly mode is process-wide, kept on the grad state's class: reading it there skips
# the thread-local lookup (once per recorded op)
_PROCESS_MODES = type(STATE)

_sequence = itertools.count()
_object_new = object.__new__
ACCUMULATE_SEQ = 2 ** 64 - 1

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through "
    "the graph a second time or if you need to access saved tensors after calling backward.")


Tensor = None   # bound by ember._tensor once the class exists (avoids an import cycle)


def _tensor_cls():
    return Tensor


class Node:
    """A step of the recorded computation; the engine runs it to map output gradients to
    input gradients."""

    _name = None
    # NOTE: defaults live on the class so that making a node (once per recorded op) only
    # stores what differs; hooks and metadata are created on first use.
    next_functions = ()
    _pre_hooks = None        # node pre-hooks: fn(grad_outputs) -> None | tuple
    _hooks = None            # node post-hooks: fn(grad_inputs, grad_outputs)
    _tensor_hooks = None     # {output_nr: {id: fn}} in first-registration order
    _retain_hooks = None     # {output_nr: fn}
    _hooked = False          # True once any of the hooks above is set (the engine's fast test)
    _output_meta = ()
    _input_meta = ()
    # NOTE: an optional derivative on raw NumPy arrays, ``fn(ctx, grad_array) -> tuple of
    # arrays``, used by the engine when no graph of the backward is wanted (the common
    # ``loss.backward()``): it skips tensor wrapping and dispatch at every step. It must give
    # the same numbers as the node's ember-op derivative; it may return NotImplemented.
    array_backward = None

    def __init__(self):
        self._seq = next(_sequence)

    @property
    def metadata(self):
        """A persistent dict for user data (anomaly mode stores the forward traceback here)."""
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self._metadata = {}
        return d

    def name(self):
        """The node's name, e.g. 'MulBackward0'."""
        return self._name or type(self).__name__

    def _sequence_nr(self):
        return self._seq

    @property
    def requires_grad(self):
        return True

    def register_hook(self, fn):
        """Call ``fn(grad_inputs, grad_outputs)`` after the node runs; it may return new
        grad_inputs."""
        from ..utils.hooks import RemovableHandle
        if self._hooks is None:
            self._hooks = OrderedDict()
            self._hooked = True
        h = RemovableHandle(self._hooks)
        self._hooks[h.id] = fn
        return h

    def register_prehook(self, fn):
        """Call ``fn(grad_outputs)`` before the node runs; it may return new grad_outputs."""
        from ..utils.hooks import RemovableHandle
        if self._pre_hooks is None:
            self._pre_hooks = OrderedDict()
            self._hooked = True
        h = RemovableHandle(self._pre_hooks)
        self._pre_hooks[h.id] = fn
        return h

    def _add_tensor_hook(self, nr, fn):
        from ..utils.hooks import RemovableHandle
        if self._tensor_hooks is None:
            self._tensor_hooks = OrderedDict()
            self._hooked = True
        hooks = self._tensor_hooks.setdefault(nr, OrderedDict())
        h = RemovableHandle(hooks)
        hooks[h.id] = fn
        return h

    def release(self):
        """Drop saved tensors after running (nodes that save nothing do nothing)."""

    def __call__(self, *grads):
        return self.apply(grads)

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"


class SavedOutput:
    """An output tensor saved by its own node, kept as data only (no reference to the node)."""

    # view_fn: for the result of an in-place op on a view, (weak reference to the base's
    # CopySlices, the view's geometry, the base's metadata): the unpacked result gets a view
    # node over that CopySlices, so a double backward reaches the base's history as in
    # PyTorch (the reference is weak: CopySlices holds this node)
    __slots__ = ("array", "dtype", "version", "vc", "output_nr", "view_fn")

    def __init__(self, t):
        self.array = t._array
        self.dtype = t._dtype
        if t._vc is None:
            t._vc = [0]
        self.vc = t._vc
        self.version = t._vc[0]
        self.output_nr = t._output_nr
        self.view_fn = None

    def unpack(self, node):
        from .._tensor import make_tensor
        t = make_tensor(self.array, self.dtype)
        t._vc = self.vc
        cs = self.view_fn[0]() if self.view_fn is not None else None
        if cs is not None:
            _, geometry, base_meta = self.view_fn
            t._grad_fn = _view_node(cs, geometry, base_meta, (self.array.shape, self.dtype))
            t._output_nr = 0
        else:
            t._grad_fn = node
            t._output_nr = self.output_nr
        t._requires_grad = True
        return t


_FREED = object()   # stands for a saved tensor released after backward


class SavedDict(dict):
    """``ctx.saved``: values an op kept for its derivative; saved outputs unpack to tensors
    attached to this node."""

    # NOTE: the node owns this dict, so the back-reference is weak (no node <-> dict cycle,
    # which would keep every graph alive until the cyclic garbage collector runs). It is bound
    # when the node's ``saved`` is first read (ember-op derivatives, ``_saved_*``): recording
    # an op never makes it, as a weak reference per node measurably slows every recorded op.
    __slots__ = ("_node_ref",)

    @property
    def node(self):
        return self._node_ref()

    @node.setter
    def node(self, node):
        self._node_ref = weakref.ref(node)

    def __getitem__(self, key):
        v = dict.__getitem__(self, key)
        if v is _FREED:
            raise RuntimeError(FREED_MESSAGE)
        if type(v) is SavedOutput:
            node = self.node
            if node._freed:
                raise RuntimeError(FREED_MESSAGE)
            if v.vc[0] != v.version:
                raise RuntimeError(_version_message_parts(
                    "FloatTensor", v, node, v.vc[0], v.version))
            return v.unpack(node)
        return v

    def get(self, key, default=None):
        return self[key] if key in self else default


class OpNode(Node):
    """The node of a registered op: ``ctx.inputs`` plus saved values, and the derivative."""

    backward_fn = None
    saves_inputs = True      # False for ops whose derivative never reads ctx.inputs
    inputs = ()
    _saved = None            # the SavedDict (raw: its node reference may be unbound)
    _versions = ()
    _freed = False

    @property
    def saved(self):
        """``ctx.saved``: the values the op kept for its derivative (saved outputs unpack to
        tensors attached to this node)."""
        sd = self._saved
        if sd is not None:
            try:
                sd._node_ref
            except AttributeError:
                sd._node_ref = weakref.ref(self)
        return sd

    @saved.setter
    def saved(self, sd):
        self._saved = sd

    def __getattr__(self, name):
        # ctx.<name> / node._saved_<name> read a saved value (dim, keepdim, result, ...)
        d = self.__dict__
        saved = self.saved if d.get("_saved") is not None else None
        key = name[7:] if name.startswith("_saved_") else name
        if saved is not None and key in saved:
            return saved[key]
        if name.startswith("_saved_"):
            found, value = _saved_by_convention(self, key)
            if found:
                return value
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def release(self):
        """Drop saved tensors (after a backward without retain_graph)."""
        T = Tensor
        had = False
        inputs = self.inputs
        if inputs:
            for x in inputs:
                if isinstance(x, T):
                    had = True
                    break
            self.inputs = ()
        if self._saved:
            had = self.release_saved() or had
        if had:
            self._freed = True

    def release_saved(self):
        """Drop the tensors in ``ctx.saved`` (marking the node freed); True if there were any."""
        T = Tensor
        had = False
        saved = self._saved
        for k, v in dict.items(saved):
            if type(v) is SavedOutput or isinstance(v, T):
                had = True
                dict.__setitem__(saved, k, _FREED)
        if had:
            self._freed = True
        return had

    def check_saved(self):
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        for t, v in zip(self.inputs, self._versions):
            if v is not None:
                vc = t._vc
                if (vc[0] if vc is not None else 0) != v:
                    raise RuntimeError(version_message(t, v))

    def apply(self, grads):
        self.check_saved()
        fn = type(self).backward_fn
        if fn is None:
            name = self.name()
            if name == "NotImplemented":
                raise RuntimeError(f"derivative for {self.saved.get('op', 'aten::unknown')} is "
                                   "not implemented")
            raise RuntimeError(f"derivative for {name} is not implemented")
        grad = grads[0] if len(self._output_meta) <= 1 else grads
        out = fn(self, grad)
        if not isinstance(out, tuple):
            out = (out,)
        return out


def _wrapped_scalar(v):
    """A Python number as PyTorch saves it: a 0-dim tensor of its wrapped dtype."""
    from .._tensor import make_tensor
    from .. import _dtype
    import numpy as np
    dt = _dtype.scalar_dtype(v)
    return make_tensor(np.array(v, dtype=dt.np), dt)


# Saved names PyTorch exposes that ember keeps as forward inputs: name -> input position.
_INPUT_NAMES = {"self": 0, "other": 1, "exponent": 1}
# Ops that save ``self`` only when ``other`` requires grad (and vice versa).
_PAIRWISE_SAVE = ("MulBackward0", "DivBackward0")


def _saved_by_convention(node, key):
    d = node.__dict__
    if key == "alpha" and type(node).__name__ in ("AddBackward0", "SubBackward0",
                                                   "RsubBackward1"):
        return True, 1
    idx = _INPUT_NAMES.get(key)
    if idx is None:
        return False, None
    if d.get("_freed"):
        raise RuntimeError(FREED_MESSAGE)
    inputs = d.get("inputs", ())
    if idx >= len(inputs):
        return False, None
    if type(node).__name__ in _PAIRWISE_SAVE and len(inputs) == 2:
        partner = inputs[1 - idx]
        if not (isinstance(partner, Tensor) and partner._requires_grad):
            return True, None
    v = inputs[idx]
    if not isinstance(v, Tensor) and key != "exponent":
        v = _wrapped_scalar(v)
    return True, v


def _version_message_parts(type_name, saved, node, current, expected):
    from .._size import Size  # noqa: F401
    sizes = "[" + ", ".join(str(s) for s in saved.array.shape) + "]"
    from .._tensor_type import legacy_type_name
    from .._tensor import make_tensor
    tn = legacy_type_name(make_tensor(saved.array, saved.dtype))
    return (f"one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{tn} {sizes}], which is output {saved.output_nr} of "
            f"{forward_op_name(node.name())}, is at version {current}; expected version "
            f"{expected} instead. Hint: enable anomaly detection to find the operation that "
            "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
            "check_nan=False).")


def version_message(t, expected):
    """PyTorch's text for a saved tensor modified in place."""
    from .._tensor_type import legacy_type_name
    sizes = "[" + ", ".join(str(s) for s in t._array.shape) + "]"
    refresh_view(t)
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

# Nodes whose derivative needs no forward input (only shapes, dtypes or saved metadata). They
# keep no tensors, so, as in PyTorch, their graphs can be run twice without retain_graph.
NO_SAVED_INPUTS = frozenset((
    "AddBackward0", "SubBackward0", "RsubBackward1", "NegBackward0", "SumBackward0",
    "SumBackward1", "MeanBackward0", "MeanBackward1", "ViewBackward0", "UnsafeViewBackward0",
    "ExpandBackward0", "TransposeBackward0", "PermuteBackward0", "TBackward0",
    "UnsqueezeBackward0", "SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2",
    "SliceBackward0", "SelectBackward0", "CloneBackward0", "AliasBackward0", "ToCopyBackward0",
    "AsStridedBackward0", "ConjPhysicalBackward0", "FillBackward2", "ZeroBackward0",
    "SgnBackward0", "SignBackward0",
))


def array_derivative(*names):
    """Decorator: ``fn(ctx, grad_array)`` is the derivative on raw arrays of the nodes called
    ``names`` (see ``Node.array_backward``); it mirrors their ember-op derivative exactly.

    >>> @array_derivative("SinBackward0")
    ... def _(ctx, g):
    ...     return (g * np.cos(ctx.inputs[0]._array),)
    """
    def deco(fn):
        for name in names:
            node_class(name).array_backward = staticmethod(fn)
        return fn
    return deco


def saved_value(ctx, key):
    """A non-tensor value (dim, sizes, a coefficient) saved by ``ctx``, read without binding
    ``ctx.saved`` (for array derivatives)."""
    return dict.__getitem__(ctx._saved, key)


def saved_array(ctx, key):
    """The array of the value ``key`` saved by ``ctx``, for array derivatives (a saved output
    modified in place, or freed, raises the error that unpacking it would)."""
    v = dict.__getitem__(ctx._saved, key)
    if type(v) is SavedOutput and v.vc[0] == v.version and not ctx._freed:
        return v.array
    v = ctx.saved[key]
    return v._array if isinstance(v, Tensor) else v


def node_class(name):
    """The node class called ``name`` (one class per grad_fn name, shared by op variants)."""
    cls = _NODE_CLASSES.get(name)
    if cls is None:
        cls = type(name, (OpNode,), {"__module__": "builtins",
                                     "saves_inputs": name not in NO_SAVED_INPUTS})
        _NODE_CLASSES[name] = cls
    return cls


class AccumulateGrad(Node):
    """The node that adds an incoming gradient into a leaf's ``.grad``."""

    _name = "torch::autograd::AccumulateGrad"

    def __init__(self, variable):
        Node.__init__(self)
        self._seq = ACCUMULATE_SEQ
        self.variable = variable
        self._output_meta = ((variable._array.shape, variable._dtype),)

    def apply(self, grads):
        from ._leaf import accumulate_grad
        if grads[0] is not None:
            accumulate_grad(self.variable, grads[0])
        return ()


class GraphRoot(Node):
    """The hidden first node of a backward call: its edges are the roots."""

    _name = "GraphRoot"

    def __init__(self, edges, grads):
        Node.__init__(self)
        self.next_functions = tuple(edges)
        self._grads = tuple(grads)

    def apply(self, grads):
        return self._grads


def grad_edge(t):
    """The (node, input_nr) edge that gradients for tensor ``t`` flow into."""
    base = t._base
    if base is not None and "_rebased_at" in base.__dict__:
        refresh_view(t)
    if not t._requires_grad:
        return (None, 0)
    fn = t._grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    return (accumulate_node(t), 0)


def accumulate_node(t):
    """The leaf's AccumulateGrad node (cached while alive, as PyTorch does)."""
    ref = t.__dict__.get("_acc_ref")
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(t)
        t._acc_ref = weakref.ref(node)
    return node


def make_node(node_cls, inputs, saved):
    """Build a node for a forward call with ``inputs`` (Tensors or scalars)."""
    T = Tensor
    if len(inputs) == 1 and type(inputs[0]) is T and not inputs[0]._inference:
        # the common unary case, without the general loops
        x = inputs[0]
        node = node_cls()
        if x._requires_grad:
            fn = x._grad_fn
            edge = (fn, x._output_nr) if fn is not None and x._base is None else grad_edge(x)
        else:
            edge = (None, 0)
        node.next_functions = (edge,)
        node._input_meta = ((x._array.shape, x._dtype),)
        if node_cls.saves_inputs:
            node.inputs = inputs
            vc = x._vc
            node._versions = (vc[0] if vc is not None else 0,)
        if saved is not None:
            node._saved = SavedDict(saved)
        if _PROCESS_MODES.anomaly:
            import traceback
            node.metadata["traceback_"] = traceback.format_stack()[:-3]
        return node
    node = node_cls()
    edges = []
    versions = []
    metas = []
    for x in inputs:
        if isinstance(x, T):
            edges.append(grad_edge(x))
            versions.append(x._version)
            metas.append((x._array.shape, x._dtype))
        else:
            edges.append((None, 0))
            versions.append(None)
            metas.append(None)
    if node_cls.saves_inputs:
        node.inputs = inputs
        for x in inputs:
            if isinstance(x, T) and x._inference:
                raise RuntimeError(
                    "Inference tensors cannot be saved for backward. Please do not use Tensors "
                    "created in inference mode in computation tracked by autograd. To work around "
                    "this, you can make a clone to get a normal tensor and use it in autograd, or "
                    "use `torch.no_grad()` instead of `torch.inference_mode()`.")
    node.next_functions = tuple(edges)
    node._versions = tuple(versions)
    node._input_meta = tuple(metas)
    if saved is not None:
        node._saved = SavedDict(saved)
    if _PROCESS_MODES.anomaly:
        import traceback
        node.metadata["traceback_"] = traceback.format_stack()[:-3]
    return node


def record_binary(node_cls, a, b, out):
    """``record_node`` specialised for the hot case: two operands (b may be a Python scalar),
    one fresh output, nothing extra saved."""
    node = _object_new(node_cls)     # (Node.__init__ inlined: it only numbers the node)
    node._seq = next(_sequence)
    if a._requires_grad:
        fa = a._grad_fn
        if a._base is not None:
            ea = grad_edge(a)
        elif fa is not None:
            ea = (fa, a._output_nr)
        else:
            # a leaf: its live AccumulateGrad (accumulate_node inlined), else a new one
            ref = a.__dict__.get("_acc_ref")
            acc = ref() if ref is not None else None
            ea = (acc, 0) if acc is not None else grad_edge(a)
    else:
        ea = (None, 0)
    if type(b) is Tensor:
        if b._requires_grad:
            fb = b._grad_fn
            if b._base is not None:
                eb = grad_edge(b)
            elif fb is not None:
                eb = (fb, b._output_nr)
            else:
                ref = b.__dict__.get("_acc_ref")
                acc = ref() if ref is not None else None
                eb = (acc, 0) if acc is not None else grad_edge(b)
        else:
            eb = (None, 0)
        vb = b._vc[0] if b._vc is not None else 0
        mb = (b._array.shape, b._dtype)
    else:
        eb = (None, 0)
        vb = None
        mb = None
    node.next_functions = (ea, eb)
    # NOTE: metadata tuples are shared where equal (fewer allocations, fewer GC passes)
    shape = out._array.shape
    ma = (shape, a._dtype) if a._array.shape == shape else (a._array.shape, a._dtype)
    node._input_meta = (ma, mb)
    if node_cls.saves_inputs:
        if a._inference or (vb is not None and b._inference):
            return record_node(node_cls, (a, b), out, None)
        node.inputs = (a, b)
        node._versions = (a._vc[0] if a._vc is not None else 0, vb)
    node._output_meta = ((ma,) if ma[0] is shape and ma[1] is out._dtype
                         else ((shape, out._dtype),))
    out._grad_fn = node
    out._requires_grad = True
    if _PROCESS_MODES.anomaly:
        import traceback
        node.metadata["traceback_"] = traceback.format_stack()[:-3]
    return node


def record_unary(node_cls, x, out, save_result, extra):
    """``record_node`` specialised for the hot case: one tensor input ``x`` (which requires
    grad), one fresh output ``out``, optionally ``out`` itself and scalar ``extra`` arguments
    saved."""
    if x._inference:
        saved = {"result": out} if save_result else None
        return record_node(node_cls, (x,), out, dict(saved or (), **extra) if extra else saved)
    # NOTE: Node.__init__ inlined (it only numbers the node): this runs once per recorded op
    node = _object_new(node_cls)
    node._seq = next(_sequence)
    fn = x._grad_fn
    if x._base is not None:
        edge = grad_edge(x)
    elif fn is not None:
        edge = (fn, x._output_nr)
    else:
        # a leaf: its live AccumulateGrad (accumulate_node inlined), else a new one
        ref = x.__dict__.get("_acc_ref")
        acc = ref() if ref is not None else None
        edge = (acc, 0) if acc is not None else grad_edge(x)
    node.next_functions = (edge,)
    # NOTE: one metadata tuple for input and output when they agree (the elementwise case):
    # fewer allocations, fewer GC passes
    shape = out._array.shape
    if x._array.shape == shape and x._dtype is out._dtype:
        node._input_meta = node._output_meta = ((shape, out._dtype),)
    else:
        node._input_meta = ((x._array.shape, x._dtype),)
        node._output_meta = ((shape, out._dtype),)
    if node_cls.saves_inputs:
        node.inputs = (x,)
        vc = x._vc
        node._versions = (vc[0] if vc is not None else 0,)
    if save_result or extra:
        sd = SavedDict(extra) if extra else SavedDict()
        if save_result:
            # SavedOutput(out) inlined: out is fresh (version 0, output 0)
            so = _object_new(SavedOutput)
            so.array = out._array
            so.dtype = out._dtype
            so.vc = out._vc = [0]
            so.version = 0
            so.output_nr = 0
            so.view_fn = None
            dict.__setitem__(sd, "result", so)
        node._saved = sd
    out._grad_fn = node
    out._requires_grad = True
    if _PROCESS_MODES.anomaly:
        import traceback
        node.metadata["traceback_"] = traceback.format_stack()[:-1]
    return node


def record_node(node_cls, inputs, outputs, saved=None):
    """Attach a new node to ``outputs`` (a Tensor or a sequence) with edges to ``inputs``."""
    T = _tensor_cls()
    node = make_node(node_cls, inputs, saved)
    if isinstance(outputs, T):
        outputs._grad_fn = node
        outputs._requires_grad = True
        node._output_meta = ((outputs._array.shape, outputs._dtype),)
        outs = (outputs,)
    else:
        metas = []
        outs = outputs
        for i, o in enumerate(outputs):
            if o is None:
                metas.append(None)
                continue
            if o._dtype.is_floating_point or o._dtype.is_complex:
                o._grad_fn = node
                o._requires_grad = True
                o._output_nr = i
            metas.append((o._array.shape, o._dtype))
        node._output_meta = tuple(metas)
    sd = node._saved
    if sd:
        # an output saved by its own node is stored as data (no node <-> output cycle)
        for k in list(sd.keys()):
            v = dict.__getitem__(sd, k)
            if isinstance(v, T):
                for o in outs:
                    if v is o:
                        dict.__setitem__(sd, k, SavedOutput(v))
                        break
    return node


# ---------------------------------------------------------------------------- in-place history
# A global clock orders history rewrites of bases against the creation of their views, so a
# view whose base was modified in place after it was made regenerates its grad_fn lazily.
_CLOCK = [0]


def _tick():
    _CLOCK[0] += 1
    return _CLOCK[0]


def view_stamp():
    """The clock value a freshly made view records (see ``refresh_view``)."""
    return _CLOCK[0]


def rebase_inplace(t, node_cls, inputs, saved, old=None):
    """After an in-place op on ``t``, rewrite the graph as PyTorch does.

    ``inputs[0]`` stands for ``t`` before the op; ``old`` is a copy of its previous data when the
    derivative needs it (the data of ``t`` itself is already overwritten). On a plain tensor the
    op's node becomes ``t.grad_fn`` over ``t``'s old history. On a view, the base's history
    becomes ``CopySlices`` (old base history + the op) and the view's ``AsStridedBackward0``.
    """
    from .._tensor import make_tensor
    arr = old if old is not None else t._array
    prev = make_tensor(arr, t._dtype)
    base = t._base
    if base is not None:
        # only the flag matters: CopySlices routes the view's gradient itself
        prev._requires_grad = t._requires_grad or base._requires_grad
    else:
        prev._requires_grad = t._requires_grad
        prev._grad_fn = t._grad_fn
        prev._output_nr = t._output_nr
        if t._requires_grad and t._grad_fn is None:
            prev._acc_ref = t.__dict__.get("_acc_ref") or weakref.ref(accumulate_node(t))
    node = make_node(node_cls, (prev,) + tuple(inputs[1:]), saved)
    # inputs were saved before the op ran: one sharing t's counter saw the pre-op version
    vc = t._vc
    node._versions = (None,) + tuple(
        v - 1 if v is not None and inputs[i + 1]._vc is vc else v
        for i, v in enumerate(node._versions[1:]))
    node._output_meta = ((t._array.shape, t._dtype),)
    if saved:
        sd = node._saved
        for k in list(sd.keys()):
            if dict.__getitem__(sd, k) is t:
                dict.__setitem__(sd, k, SavedOutput(t))
    if base is None:
        t._grad_fn = node
        t._requires_grad = True
        t._output_nr = 0
        return node
    refresh_view(base)   # a base that is itself stale cannot be (it has no base), but be safe
    geometry = ViewGeometry(base, t)
    cs = CopySlices(base, geometry, node)
    base._grad_fn = cs
    base._requires_grad = True
    base._output_nr = 0
    base._rebased_at = _tick()
    _set_view_history(t, base, geometry)
    if saved:
        for v in dict.values(node._saved):
            if type(v) is SavedOutput and v.array is t._array:
                v.view_fn = (weakref.ref(cs), geometry, (base._array.shape, base._dtype))
    return node


class ViewGeometry:
    """Where a view's elements sit inside its base: flat (row-major logical) indices into the
    base for every element of the view."""

    def __init__(self, base, view):
        import numpy as np
        from .._backend import data_ptr
        from .._tensor import strides_of
        b, v = base._array, view._array
        isz = b.itemsize
        bstr = strides_of(b)
        addr = np.zeros(b.shape, np.int64)
        for d, (n, st) in enumerate(zip(b.shape, bstr)):
            shape = [1] * b.ndim
            shape[d] = n
            addr = addr + (np.arange(n, dtype=np.int64) * st).reshape(shape)
        offset = (data_ptr(v) - data_ptr(b)) // isz if v.size and b.size else 0
        vaddr = np.full(v.shape, offset, np.int64)
        for d, (n, st) in enumerate(zip(v.shape, strides_of(v))):
            shape = [1] * v.ndim
            shape[d] = n
            vaddr = vaddr + (np.arange(n, dtype=np.int64) * st).reshape(shape)
        lo = int(addr.min()) if addr.size else 0
        table = np.full((int(addr.max()) - lo + 1) if addr.size else 0, -1, np.int64)
        table[addr.reshape(-1) - lo] = np.arange(addr.size, dtype=np.int64)
        self.flat_index = np.asarray(table[vaddr - lo]) if vaddr.size else vaddr
        self.base_shape = b.shape
        self.view_shape = v.shape
        self.base_numel = b.size

    def take(self, g):
        """The view's region of a base-shaped tensor ``g`` (differentiable)."""
        from .._tensor import make_tensor
        idx = make_tensor(self.flat_index, _int64())
        return g.reshape(-1)[idx]

    def place(self, g_base, g_view):
        """``g_base`` with the view's region replaced by ``g_view`` (None: zeros)."""
        from .._tensor import make_tensor
        idx = make_tensor(self.flat_index, _int64())
        flat = g_base.reshape(-1).clone()
        if g_view is None:
            flat[idx] = 0
        else:
            flat[idx] = g_view.to(flat.dtype) if g_view.dtype is not flat.dtype else g_view
        return flat.reshape(self.base_shape)

    def scatter(self, g_view, dtype):
        """A base-shaped tensor of zeros with ``g_view`` in the view's region."""
        import numpy as np
        from .._tensor import make_tensor
        z = make_tensor(np.zeros(self.base_numel, dtype.np), dtype)
        return self.place(z, g_view).reshape(self.base_shape)


def _int64():
    from .. import _dtype
    return _dtype.int64


class CopySlices(Node):
    """The base's node after an in-place op on one of its views: the base's old gradient with
    the view's region routed through the in-place op's derivative."""

    _name = "torch::autograd::CopySlices"

    def __init__(self, base, geometry, fn):
        Node.__init__(self)
        self.fn = fn
        self.geometry = geometry
        old_edge = grad_edge(base) if base._requires_grad else (None, 0)
        self.next_functions = (old_edge,) + tuple(fn.next_functions[1:])
        self._input_meta = ((base._array.shape, base._dtype),) + tuple(fn._input_meta[1:])
        self._output_meta = ((base._array.shape, base._dtype),)

    def release(self):
        self.fn.release()

    def apply(self, grads):
        g = grads[0]
        geo = self.geometry
        res = self.fn.apply((geo.take(g),))
        g_base = geo.place(g, res[0] if len(res) else None)
        return (g_base,) + tuple(res[1:])


class AsStridedBackward0(OpNode):
    """A view's node after its base's history was rewritten: scatter into the base's shape."""

    saves_inputs = False

    def apply(self, grads):
        geo = self.saved["geometry"]
        g = grads[0]
        return (geo.scatter(g, g._dtype),)


AsStridedBackward0.__module__ = "builtins"
_NODE_CLASSES["AsStridedBackward0"] = AsStridedBackward0


def _view_node(base_fn, geometry, base_meta, view_meta):
    """The AsStridedBackward0 node of a view (``geometry``) over a base whose grad_fn is
    ``base_fn``."""
    node = AsStridedBackward0()
    sd = SavedDict({"geometry": geometry})
    sd.node = node
    node.saved = sd
    node.next_functions = ((base_fn, 0),)
    node._input_meta = (base_meta,)
    node._output_meta = (view_meta,)
    return node


def _set_view_history(v, base, geometry=None):
    if geometry is None:
        geometry = ViewGeometry(base, v)
    node = _view_node(base._grad_fn, geometry, (base._array.shape, base._dtype),
                      (v._array.shape, v._dtype))
    v._grad_fn = node
    v._requires_grad = True
    v._output_nr = 0
    v._created_at = _CLOCK[0]


def refresh_view(t):
    """Regenerate a stale view's grad_fn after its base's history was rewritten in place."""
    base = t._base
    if base is None:
        return
    rebased = base.__dict__.get("_rebased_at")
    if rebased is None or rebased <= t.__dict__.get("_created_at", 0):
        return
    if base._requires_grad and base._grad_fn is not None:
        _set_view_history(t, base)
    else:
        t._created_at = _CLOCK[0]
