"""``autograd.Function``: user-defined ops with a hand-written backward.

A subclass gets its own node class, ``<ClassName>Backward``; the ``ctx`` that ``forward`` and
``backward`` receive *is* that node (as in PyTorch), so attributes stored on ``ctx`` can be read
on ``y.grad_fn``.

>>> class Exp(ember.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         y = x.exp()
...         ctx.save_for_backward(y)
...         return y
...     @staticmethod
...     def backward(ctx, g):
...         y, = ctx.saved_tensors
...         return g * y
>>> x = ember.ones(2, requires_grad=True)
>>> Exp.apply(x)
tensor([2.7183, 2.7183], grad_fn=<ExpBackward>)
"""
import functools
import inspect
import warnings

from . import graph as _graph
from .grad_mode import STATE

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "FunctionMeta", "InplaceFunction",
           "once_differentiable"]

_NOT_RETURNED_DIRTY = (
    "Some elements marked as dirty during the forward method were not returned as output. The "
    "inputs that are modified inplace must all be outputs of the Function.")
_ONCE_MESSAGE = "trying to differentiate twice a function that was marked with @once_differentiable"


def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


class FunctionCtx:
    """What ``forward`` / ``setup_context`` may call on ``ctx``."""

    to_save = None
    dirty_tensors = None
    non_differentiable = None
    saved_for_forward = None
    materialize_grads = True

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for backward; read them back with ``ctx.saved_tensors``."""
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        """Declare inputs that ``forward`` modified in place (they must be returned)."""
        self.dirty_tensors = args

    def mark_shared_storage(self, *pairs):
        raise RuntimeError("mark_shared_storage is deprecated. Tensors with shared storages are "
                           "automatically tracked. Note that calls to `set_()` are not tracked")

    def mark_non_differentiable(self, *args):
        """Declare outputs that get no gradient (they will not require grad)."""
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = value


class BackwardCFunction(_graph.Node, FunctionCtx):
    """Base of the per-Function node classes (``MyFnBackward``); an instance is the ``ctx``."""

    _forward_cls = None
    # NOTE: read by the engine: this node runs even when none of its outputs got a gradient.
    # Its _output_meta holds only Nones so that the engine hands undefined gradients over as
    # None; the node materialises them itself from _fn_output_meta (set_materialize_grads).
    _raw_grads = True

    def __init__(self):
        _graph.Node.__init__(self)
        self._fn_saved = None          # processed save_for_backward entries
        self._freed = False
        self._input_meta = ()
        self._is_tensor_input = ()
        self._fn_output_meta = ()

    def name(self):
        return type(self).__name__

    def __repr__(self):
        cls = type(self)
        return f"<{cls.__module__}.{cls.__qualname__} object at {hex(id(self))}>"

    # ------------------------------------------------------------------ saved tensors
    @property
    def saved_tensors(self):
        """The tensors given to ``save_for_backward``, checked against in-place changes."""
        if self._freed:
            raise RuntimeError(_graph.FREED_MESSAGE)
        entries = self._fn_saved
        if not entries:
            return ()
        out = []
        for e in entries:
            if e is None:
                out.append(None)
            elif type(e) is _graph.SavedOutput:
                t = e.unpack(self)
                if e.vc[0] != e.version:
                    raise RuntimeError(_graph.version_message(t, e.version))
                out.append(t)
            else:
                t, version = e
                if t._version != version:
                    raise RuntimeError(_graph.version_message(t, version))
                out.append(t)
        return tuple(out)

    @property
    def saved_variables(self):
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning)
        return self.saved_tensors

    def release(self):
        """Drop the saved tensors (after a backward without retain_graph)."""
        self._fn_saved = None
        self._freed = True

    # ------------------------------------------------------------------ backward
    def apply(self, grads):
        """Run the user's backward on ``grads`` (one per forward output) and check its result:
        one gradient per forward argument, None for non-tensors."""
        T = _tensor_cls()
        metas = self._fn_output_meta
        grads = tuple(grads) + (None,) * (len(metas) - len(grads))
        if self.materialize_grads:
            grads = tuple(_zeros(m) if g is None and m is not None else g
                          for g, m in zip(grads, metas))
        result = _user_backward(self._forward_cls)(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        is_tensor = self._is_tensor_input
        n = len(is_tensor)
        if len(result) != n:
            if len(result) > n and all(r is None for r in result[n:]):
                result = result[:n]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                                   f"gradients (expected {n}, got {len(result)})")
        out = []
        for i, (r, is_t) in enumerate(zip(result, is_tensor)):
            if not is_t:
                if r is not None:
                    raise RuntimeError(
                        f"function {self.name()} returned a gradient different than None at "
                        f"position {i + 1}, but the corresponding forward input was not a "
                        "Variable")
                continue
            if r is not None and not isinstance(r, T):
                raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
            out.append(r)
        return tuple(out)


def _zeros(meta):
    import numpy as np
    from .._tensor import make_tensor
    shape, dt = meta
    return make_tensor(np.zeros(shape, dt.np), dt)


def _user_backward(cls):
    base = Function.backward
    bw, vjp = cls.backward, cls.vjp
    if bw is not base and vjp is not base:
        raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not "
                           "allowed. You should only implement one of them.")
    return vjp if vjp is not base else bw


class FunctionMeta(type):
    """Gives every Function subclass its node class ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        node_cls = type(name + "Backward", (BackwardCFunction,),
                        {"_forward_cls": cls, "__module__": __name__})
        node_cls.__qualname__ = name + "Backward"
        cls._backward_cls = node_cls
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Base class of custom differentiable ops: define static ``forward`` and ``backward``
    (or ``forward`` without ctx plus ``setup_context``) and call ``MyFn.apply(...)``."""

    def __init__(self, *args, **kwargs):
        warnings.warn(
            f"{self.__class__} should not be instantiated. Methods on autograd functions are all "
            "static, so you should invoke them on the class itself. Instantiating an autograd "
            "function will raise an error in a future version of PyTorch.", DeprecationWarning,
            stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    generate_vmap_rule = False

    @staticmethod
    def forward(*args, **kwargs):
        """Compute the outputs (runs with grad mode off)."""
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Optional: fill ``ctx`` from the inputs and output of a ctx-less ``forward``."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Gradients with respect to each forward argument (None for non-tensors)."""
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @staticmethod
    def vmap(info, in_dims, *args):
        raise NotImplementedError("To use autograd.Function with vmap, you must either override "
                                  "the vmap staticmethod or set generate_vmap_rule=True.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` and, when grad mode is on and a tensor argument requires grad,
        record a ``<Name>Backward`` node for the outputs."""
        setup_style = cls.setup_context is not Function.setup_context
        if kwargs or setup_style:
            args = _bind_args(cls.forward, args, kwargs, skip_ctx=not setup_style,
                              defaults=setup_style)
        return _apply(cls, args, setup_style)


def _bind_args(forward, args, kwargs, skip_ctx, defaults):
    # PyTorch binds keyword arguments to forward's positional parameters (they count as inputs
    # in needs_input_grad); with setup_context, defaults are filled in too.
    try:
        sig = inspect.signature(forward)
    except (TypeError, ValueError):
        return args
    params = list(sig.parameters.values())
    if skip_ctx and params:
        params = params[1:]
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = [p.name for p in positional]
    for k in kwargs:
        if k not in names:
            raise TypeError(f"forward() got an unexpected keyword argument '{k}'")
    out = list(args)
    last = len(args)
    for i, p in enumerate(positional):
        if i < len(args):
            if p.name in kwargs:
                raise TypeError(f"forward() got multiple values for argument '{p.name}'")
            continue
        if p.name in kwargs:
            last = i + 1
    for i in range(len(args), len(positional)):
        p = positional[i]
        if p.name in kwargs:
            out.append(kwargs[p.name])
        elif i < last or (defaults and p.default is not p.empty):
            if p.default is p.empty:
                raise TypeError(f"forward() missing required argument: '{p.name}'")
            out.append(p.default)
        elif defaults:
            raise TypeError(f"forward() missing required argument: '{p.name}'")
    return tuple(out)


def _apply(cls, args, setup_style):
    T = _tensor_cls()
    ctx = cls._backward_cls()
    is_tensor = tuple(isinstance(a, T) for a in args)
    # NOTE: the public property refreshes a view whose base was modified in place
    needs = tuple(t and a.requires_grad for a, t in zip(args, is_tensor))
    ctx.needs_input_grad = needs
    ctx._is_tensor_input = is_tensor
    executable = STATE.enabled and any(needs)
    if executable:
        # edges are taken before forward runs: a dirty input's history is about to change
        edges, metas = [], []
        for a, t in zip(args, is_tensor):
            if t:
                a.grad_fn  # noqa: B018  (refresh a stale view's history)
                edges.append(_graph.grad_edge(a))
                metas.append((a._array.shape, a._dtype))
        ctx.next_functions = tuple(edges)
        ctx._input_meta = tuple(metas)
        if STATE.anomaly:
            import traceback
            ctx.metadata["traceback_"] = traceback.format_stack()[:-2]
    prev = STATE.enabled
    STATE.enabled = False
    try:
        if setup_style:
            output = cls.forward(*args)
            cls.setup_context(ctx, args, output)
        else:
            output = cls.forward(ctx, *args)
    finally:
        STATE.enabled = prev
    return _wrap_outputs(ctx, args, is_tensor, output, executable)


def _is_differentiable_dtype(t):
    dt = t._dtype
    return dt.is_floating_point or dt.is_complex


def _alias(x, as_view):
    """A new tensor on ``x``'s memory and version counter; a view of it when ``as_view``."""
    from .._tensor import make_tensor
    t = make_tensor(x._array.view(), x._dtype)
    if x._vc is None:
        x._vc = [0]
    t._vc = x._vc
    if x._inference:
        t._inference = True
    if as_view:
        base = x._base
        t._base = base if base is not None else x
        if "_rebased_at" in t._base.__dict__:
            t._created_at = _graph.view_stamp()
    return t


def _set_history(t, node, nr):
    t._grad_fn = node
    t._requires_grad = True
    t._output_nr = nr


def _mark_custom_view(t, node, nr):
    # a view returned by a custom Function: in-place on it is forbidden (PyTorch's "Output <nr>
    # of <Name> is a view ... created inside a custom Function" error); the in-place checks
    # can read (Name, nr) here, as they read _multi_view
    t.__dict__.pop("_view_no_grad", None)
    t._custom_fn_view = (node._forward_cls.__name__, nr)


def _rebase_dirty(t, node, nr, input_pos):
    """A dirty input ``t`` returned as output ``nr`` now has ``node`` as its history."""
    if t._base is None:
        _set_history(t, node, nr)
        return
    base = t._base
    copy_slices = getattr(_graph, "CopySlices", None)
    if copy_slices is None or input_pos != 0 or nr != 0:
        # NOTE: CopySlices routes the base's gradient through the node's first input and
        # output only; other positions fall back to plain history on the view
        _set_history(t, node, nr)
        return
    # the base's history becomes CopySlices over the node, the view's AsStridedBackward0
    _graph.refresh_view(t)
    geometry = _graph.ViewGeometry(base, t)
    cs = copy_slices(base, geometry, node)
    _set_history(base, cs, 0)
    base._rebased_at = _graph._tick()
    _graph._set_view_history(t, base, geometry)


def _wrap_outputs(ctx, args, is_tensor, output, executable):
    T = _tensor_cls()
    is_tuple = isinstance(output, tuple)
    outs = list(output) if is_tuple else [output]
    returned_ids = {id(o) for o in outs}
    input_pos = {}
    k = 0
    for a, t in zip(args, is_tensor):
        if t:
            input_pos.setdefault(id(a), k)
            k += 1
    dirty = ctx.dirty_tensors or ()
    dirty_ids = {id(d) for d in dirty}
    nondiff_ids = {id(d) for d in (ctx.non_differentiable or ())}
    for d in dirty:
        d._bump_version()
    metas = []
    diff_outputs = set()
    for i, o in enumerate(outs):
        if not isinstance(o, T):
            metas.append(None)
            continue
        metas.append((o._array.shape, o._dtype))
        is_input = id(o) in input_pos
        is_dirty = id(o) in dirty_ids
        if not executable:
            # an input returned (modified or not) that requires grad comes back detached; one
            # that does not is returned as a view (as is, when dirty)
            if o._requires_grad and (is_input or is_dirty):
                outs[i] = _alias(o, as_view=False)
            elif is_input and not is_dirty:
                outs[i] = _alias(o, as_view=True)
            continue
        if id(o) in nondiff_ids or not _is_differentiable_dtype(o):
            if is_input and not is_dirty:
                outs[i] = _alias(o, as_view=False)
            elif o._requires_grad and o._grad_fn is None and o._base is None and is_dirty:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
            continue
        if is_dirty:
            if o._requires_grad and o._grad_fn is None and o._base is None:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
            _rebase_dirty(o, ctx, i, input_pos.get(id(o)))
        elif is_input:
            v = _alias(o, as_view=True)
            _mark_custom_view(v, ctx, i)
            _set_history(v, ctx, i)
            outs[i] = v
        else:
            if o._base is not None:
                _mark_custom_view(o, ctx, i)
            _set_history(o, ctx, i)
        diff_outputs.add(id(outs[i]))
    if any(id(d) not in returned_ids for d in dirty):
        raise RuntimeError(_NOT_RETURNED_DIRTY)
    ctx._fn_output_meta = tuple(metas)
    ctx._output_meta = (None,) * len(metas)
    if executable:
        _save(ctx, outs, diff_outputs)
    return tuple(outs) if is_tuple else outs[0]


def _save(ctx, outs, diff_outputs):
    T = _tensor_cls()
    to_save = ctx.to_save
    if to_save is None:
        return
    entries = []
    for j, s in enumerate(to_save):
        if s is None:
            entries.append(None)
            continue
        if not isinstance(s, T):
            raise TypeError(f"save_for_backward can only save variables, but argument {j} is of "
                            f"type {type(s).__name__}")
        if id(s) in diff_outputs and s._grad_fn is ctx:
            # an output is kept as data, without its grad_fn (no node <-> output cycle)
            entries.append(_graph.SavedOutput(s))
        else:
            entries.append((s, s._version))
    ctx._fn_saved = tuple(entries)
    ctx.to_save = None


# -------------------------------------------------------------------------- once_differentiable
class _DelayedError(_graph.Node):
    """Stands for the backward of a ``@once_differentiable`` backward: differentiating it
    raises."""

    _name = "torch::autograd::Error"

    def __init__(self, message):
        _graph.Node.__init__(self)
        self.message = message

    def apply(self, grads):
        raise RuntimeError(self.message)


_DelayedError.__name__ = "Error"
_DelayedError.__qualname__ = "Error"
_DelayedError.__module__ = "builtins"


def once_differentiable(fn):
    """Decorator for a ``backward`` that is not itself differentiable: it runs under no_grad,
    and differentiating its result again raises."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .._tensor import make_tensor
        prev = STATE.enabled
        STATE.enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            STATE.enabled = prev
        if not STATE.enabled:
            return outputs
        T = _tensor_cls()
        if not any(isinstance(a, T) and a._requires_grad for a in args):
            return outputs
        was_tuple = isinstance(outputs, tuple)
        outs = outputs if was_tuple else (outputs,)
        node = _DelayedError(_ONCE_MESSAGE)
        edges, in_metas, out_metas, result = [], [], [], []
        for i, o in enumerate(outs):
            if not isinstance(o, T):
                edges.append((None, 0))
                in_metas.append(None)
                out_metas.append(None)
                result.append(o)
                continue
            # the error node hangs off fresh leaves: only a backward that reaches it raises
            leaf = make_tensor(o._array, o._dtype)
            leaf._requires_grad = True
            edges.append(_graph.grad_edge(leaf))
            meta = (o._array.shape, o._dtype)
            in_metas.append(meta)
            out_metas.append(meta)
            r = make_tensor(o._array, o._dtype)
            _set_history(r, node, i)
            result.append(r)
        node.next_functions = tuple(edges)
        node._input_meta = tuple(in_metas)
        node._output_meta = tuple(out_metas)
        return tuple(result) if was_tuple or len(result) != 1 else result[0]

    return wrapper


class InplaceFunction(Function):
    """Legacy base for functions with an ``inplace`` flag."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace
