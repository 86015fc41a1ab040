"""The backward engine, with PyTorch's semantics:

* dependencies are counted over every node reachable from the roots;
* ready nodes run from a max-heap on sequence number (the most recently created first;
  AccumulateGrad nodes, numbered 2**64-1, as soon as they are ready; ties resolved by the heap
  exactly as PyTorch's std::priority_queue does);
* at each node: tensor hooks, retain_grad hooks, node pre-hooks, the node, post-hooks;
* gradients arriving at the same input slot are summed in arrival order;
* ``autograd.grad`` / ``backward(inputs=...)`` run only nodes leading to the inputs.

Without ``create_graph`` (the common ``loss.backward()``) gradients travel as raw NumPy arrays
and nodes that define an array derivative (``graph.array_derivative``) run on them directly;
the others, and any node with hooks, get tensors as usual. Both derivatives of an op give the
same numbers (tests/test_autograd_array_mode.py checks them bit for bit).

>>> x = ember.ones(3, requires_grad=True)
>>> (x * 2).sum().backward()
>>> x.grad
tensor([2., 2., 2.])
"""
import heapq

import numpy as np

from .grad_mode import STATE
from .graph import AccumulateGrad, GraphRoot, grad_edge, FREED_MESSAGE, version_message
from .. import _tensor as _tensor_mod   # (a module reference: ember._tensor imports this file)
from ._leaf import accumulate_array
from .. import _dtype as _D
from .._fperr import ignore_fp_errors, restore_fp_errors

_F32, _F64 = _D.float32, _D.float64
_np_empty = np.empty


class _Ready:
    """A heap entry: ``a < b`` means a runs first (higher sequence number); ties compare equal."""

    __slots__ = ("seq", "node")

    def __init__(self, node):
        self.seq = node._seq
        self.node = node

    def __lt__(self, other):
        return self.seq > other.seq


def sum_to(g, shape):
    """Reduce a broadcast gradient ``g`` down to ``shape`` (PyTorch's sum_to)."""
    gs = g._array.shape
    if gs == shape:
        return g
    dims = _summed_dims(gs, shape)
    if dims:
        g = g.sum(dims, keepdim=True)
    if g._array.shape != shape:
        g = g.reshape(shape)
    return g


def _summed_dims(gs, shape):
    """The dims of a gradient of shape ``gs`` that sum away when reducing it to ``shape``:
    the leading extra ones and those where ``shape`` has a broadcast 1."""
    lead = len(gs) - len(shape)
    return tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and gs[i + lead] != 1)


_sum_to = sum_to   # older name used by some op files


def _size_text(shape):
    return "torch.Size([" + ", ".join(str(s) for s in shape) + "])"


def make_root_grads(outputs, grad_outputs, for_grad=False):
    """Seed gradients for ``outputs`` with PyTorch's checks (implicit ones for scalars)."""
    grads = []
    for i, t in enumerate(outputs):
        g = grad_outputs[i] if i < len(grad_outputs) else None
        if g is None:
            if t._requires_grad:
                if t._array.size != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not t._dtype.is_floating_point:
                    raise RuntimeError("grad can be implicitly created only for real scalar "
                                       f"outputs but got {t._dtype}")
            # (a one-element output: its layout cannot differ from ones_like's; empty + fill
            # is several times cheaper than np.ones, a Python function)
            if t._requires_grad:
                one = _np_empty(t._array.shape, t._dtype.np)
                one.fill(1)
                g = _tensor_mod.make_tensor(one, t._dtype)
        elif not isinstance(g, _tensor_mod.Tensor):
            raise TypeError(f"'{type(g).__name__}' object is not iterable")
        elif g._array.shape != t._array.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{_size_text(g._array.shape)} and output[{i}] has a shape of "
                               f"{_size_text(t._array.shape)}.")
        grads.append(g)
    return grads


def _run_tensor_hooks(node, grads):
    """Tensor hooks (PyTorch's step 1) and retain_grad hooks (step 2) at ``node``."""
    if isinstance(node, AccumulateGrad):
        hooks = node.variable._backward_hooks
        if hooks:
            g = grads[0]
            for fn in list(hooks.values()):
                if g is None:
                    break
                g = _checked_hook_result(fn, g, fn(g))
            grads = (g,) + tuple(grads[1:])
        return grads
    if node._tensor_hooks:
        grads = list(grads)
        for nr, hooks in node._tensor_hooks.items():
            g = grads[nr] if nr < len(grads) else None
            for fn in list(hooks.values()):
                if g is None:
                    break
                g = _checked_hook_result(fn, g, fn(g))
            if nr < len(grads):
                grads[nr] = g
        grads = tuple(grads)
    if node._retain_hooks:
        for nr, fn in node._retain_hooks.items():
            if nr < len(grads) and grads[nr] is not None:
                fn(grads[nr])
    return grads


def _checked_hook_result(fn, old, new):
    if new is None:
        return old
    name = getattr(fn, "__name__", type(fn).__name__)
    if not isinstance(new, _tensor_mod.Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    if new._array.shape != old._array.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    if new._dtype is not old._dtype:
        from .._tensor_type import legacy_type_name
        raise RuntimeError(f"hook '{name}' has changed the type of value (was "
                           f"{legacy_type_name(old).replace('ember.', 'torch.')} got "
                           f"{legacy_type_name(new).replace('ember.', 'torch.')})")
    return new


def _run_pre_hooks(node, grads):
    if node._pre_hooks:
        for fn in list(node._pre_hooks.values()):
            r = fn(grads)
            if r is not None:
                if not isinstance(r, tuple):
                    raise TypeError(f"expected tuple, but hook returned '{type(r).__name__}'")
                if len(r) != len(grads):
                    name = getattr(fn, "__name__", type(fn).__name__)
                    raise RuntimeError(f"hook '{name}' has returned an incorrect number of values "
                                       f"(got {len(r)}, but expected {len(grads)})")
                grads = r
    return grads


def _run_post_hooks(node, grad_inputs, grads):
    if node._hooks:
        for fn in list(node._hooks.values()):
            r = fn(grad_inputs, grads)
            if r is not None:
                if not isinstance(r, tuple):
                    raise TypeError(f"expected tuple, but hook returned '{type(r).__name__}'")
                if len(r) != len(grad_inputs):
                    name = getattr(fn, "__name__", type(fn).__name__)
                    raise RuntimeError(f"hook '{name}' has returned an incorrect number of values "
                                       f"(got {len(r)}, but expected {len(grad_inputs)})")
                grad_inputs = r
    return grad_inputs


def _fill_missing(node, grads):
    """Outputs that got no gradient get zeros (PyTorch materialises them for built-in nodes)."""
    if all(g is not None for g in grads):
        return grads
    metas = node._output_meta
    out = []
    for i, g in enumerate(grads):
        if g is None and i < len(metas) and metas[i] is not None:
            shape, dt = metas[i]
            g = _tensor_mod.make_tensor(np.zeros(shape, dt.np), dt)
        out.append(g)
    return tuple(out)


def _check_nan(node, grad_inputs):
    for i, g in enumerate(grad_inputs):
        if g is not None and g._dtype.category >= 2 and np.isnan(g._array).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


class _Tie:
    """Wraps a node in a heap entry: never less than another, so equal sequence numbers
    compare equal, as in PyTorch's std::priority_queue."""

    __slots__ = ("node",)

    def __init__(self, node):
        self.node = node

    def __lt__(self, other):
        return False


def run_backward(roots, root_grads, retain_graph, create_graph, inputs=None,
                 accumulate=True):
    """Run the graph from ``roots`` seeded with ``root_grads``.

    ``inputs``: tensors whose gradients are wanted. With ``accumulate=False`` (autograd.grad)
    their gradients are returned and no ``.grad`` is touched; with ``accumulate=True`` and
    ``inputs`` (backward(inputs=...)) only those tensors receive ``.grad``.
    """
    edges = []
    grads = []
    for i, (t, g) in enumerate(zip(roots, root_grads)):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")
        edges.append(grad_edge(t))
        grads.append(g)
    root = GraphRoot(edges, grads)

    # Dependency counts over everything reachable from the root (nodes hash by identity).
    deps = {}
    stack = [root]
    push = stack.append
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                c = deps.get(nxt)
                if c is None:
                    deps[nxt] = 1
                    push(nxt)
                else:
                    deps[nxt] = c + 1

    targets = None        # node -> list of (input index, slot)
    leads = None          # nodes that lead to a target (must run)
    if inputs is not None:
        targets = {}
        for i, t in enumerate(inputs):
            node, nr = grad_edge(t)
            if node is not None:
                targets.setdefault(node, []).append((i, nr))
        leads = _nodes_leading_to([root] + list(deps), targets)
    captured = [None] * (len(inputs) if inputs is not None else 0)

    buffers = {}
    prev_mode = STATE.enabled
    STATE.enabled = bool(create_graph)
    check_nan = STATE.anomaly and STATE.anomaly_check_nan
    # NOTE: without create_graph (and outside anomaly mode) gradients travel as raw arrays and
    # nodes with an array derivative run on them directly: no tensor is made per step. They
    # are wrapped into tensors only for nodes that need the general path (hooks, captured
    # inputs, custom Functions, ops without an array derivative).
    arrays = not create_graph and not STATE.anomaly
    fast = arrays and targets is None     # array steps allowed (no captured inputs)
    heappush, heappop = heapq.heappush, heapq.heappop
    Tensor = _tensor_mod.Tensor
    fp_token = ignore_fp_errors()     # array derivatives run on NumPy directly: no FP warnings
    try:
        grad_inputs = root.apply(())
        if arrays:
            grad_inputs = _unwrap(grad_inputs)
        node = root
        ready = []
        while True:
            # hand the node's gradients to its next nodes; those that became ready join the
            # heap (a lone ready node with an empty heap runs next without it)
            # NOTE: a single-output node's buffer is its gradient itself, a multi-output
            # node's a list with a slot per output
            metas = node._input_meta
            n_grads = len(grad_inputs)
            n_metas = len(metas)
            became_ready = None
            for i, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                g = grad_inputs[i] if i < n_grads else None
                if g is not None:
                    meta = metas[i] if i < n_metas else None
                    if meta is not None:
                        if arrays:
                            if g.shape != meta[0] or g.dtype is not meta[1].np:
                                g = _conform_array(node, i, g, meta)
                        elif g._array.shape != meta[0] or g._dtype is not meta[1]:
                            g = _conform(node, i, g, meta)
                    nb = buffers.get(nxt)
                    if nb is None:
                        n_out = len(nxt._output_meta)
                        if n_out <= 1:
                            buffers[nxt] = g
                        else:
                            nb = buffers[nxt] = [None] * n_out
                            nb[nr] = g
                    elif type(nb) is list:
                        old = nb[nr]
                        nb[nr] = g if old is None else old + g
                    else:
                        buffers[nxt] = nb + g
                c = deps[nxt] - 1
                deps[nxt] = c
                if c == 0:
                    if became_ready is not None:
                        heappush(ready, (-became_ready._seq, _Tie(became_ready)))
                    became_ready = nxt
            g = nb = None
            if became_ready is not None and not ready:
                node = became_ready
            else:
                if became_ready is not None:
                    heappush(ready, (-became_ready._seq, _Tie(became_ready)))
                if not ready:
                    break
                node = heappop(ready)[1].node
            buf = buffers.pop(node, None)
            if fast and buf is not None and not node._hooked and type(buf) is not list:
                # the array step of a hook-free single-output node (inlined: it runs per node)
                fn = node.array_backward
                if fn is not None:
                    dt = node._output_meta[0][1]
                    if dt is _F32 or dt is _F64:
                        # NOTE: OpNode.check_saved and OpNode.release inlined (array
                        # derivatives live on plain OpNode classes): they run once per node
                        if node._freed:
                            raise RuntimeError(FREED_MESSAGE)
                        inputs = node.inputs
                        if inputs:
                            for t, v in zip(inputs, node._versions):
                                if v is not None:
                                    vc = t._vc
                                    if (vc[0] if vc is not None else 0) != v:
                                        raise RuntimeError(version_message(t, v))
                        grad_inputs = fn(node, buf)
                        if grad_inputs is not NotImplemented:
                            if not retain_graph:
                                if inputs:
                                    node.inputs = ()
                                    if isinstance(inputs[0], Tensor) or _has_tensor(inputs):
                                        node._freed = True
                                    inputs = None   # (drop the saved inputs here)
                                if node._saved:
                                    node.release_saved()
                            continue
                elif type(node) is AccumulateGrad:
                    t = node.variable
                    if not t._backward_hooks and not t._post_acc_hooks:
                        # (the engine holds the gradient only in ``buf``: one that nothing
                        # else references can then become .grad without a copy)
                        grad_inputs = ()
                        accumulate_array(t, buf)
                        continue
            if buf is not None and type(buf) is not list:
                buf = (buf,)
            grad_outputs = tuple(buf) if buf is not None else (None,) * max(len(node._output_meta), 1)
            if arrays:
                grad_outputs = _wrap(node, grad_outputs)
            grad_inputs = _run_step(node, grad_outputs, targets, leads, accumulate, captured,
                                    retain_graph, check_nan)
            if arrays:
                grad_inputs = _unwrap(grad_inputs)
    finally:
        restore_fp_errors(fp_token)
        STATE.enabled = prev_mode
    return captured


def _has_tensor(values):
    T = _tensor_mod.Tensor
    for x in values:
        if isinstance(x, T):
            return True
    return False


def _run_step(node, grad_outputs, targets, leads, accumulate, captured, retain_graph,
              check_nan):
    """Run one node the general way (tensor gradients): captures, tensor hooks, pre-hooks,
    the node, post-hooks. Returns its input gradients."""
    is_acc = type(node) is AccumulateGrad
    if targets is None:
        runs = True
        is_target = False
    else:
        is_target = node in targets
        runs = (accumulate and is_target) if is_acc else node in leads
    # NOTE: PyTorch captures an input's gradient before the tensor hooks when its node
    # runs afterwards, and after them when the node is not run.
    if is_target and runs:
        _capture(targets[node], grad_outputs, captured)
    if node._tensor_hooks is not None or node._retain_hooks is not None or (
            is_acc and node.variable._backward_hooks):
        grad_outputs = _run_tensor_hooks(node, grad_outputs)
    if is_target and not runs:
        _capture(targets[node], grad_outputs, captured)
    if not runs:
        return ()
    if node._pre_hooks is not None:
        grad_outputs = _run_pre_hooks(node, grad_outputs)
    if is_acc:
        node.apply(grad_outputs)
        if node._hooks:
            _run_post_hooks(node, (), grad_outputs)
        return ()
    if all(g is None for g in grad_outputs) and not getattr(node, "_raw_grads", False):
        # NOTE: custom Function nodes (_raw_grads) run even when no gradient arrived
        return ()
    if any(g is None for g in grad_outputs):
        grad_outputs = _fill_missing(node, grad_outputs)
    grad_inputs = _call_node(node, grad_outputs)
    if node._hooks is not None:
        grad_inputs = _run_post_hooks(node, grad_inputs, grad_outputs)
    if check_nan:
        _check_nan(node, grad_inputs)
    if not retain_graph:
        node.release()
    return grad_inputs


def _wrap(node, grads):
    """Array gradients of ``node``'s outputs as tensors of the outputs' dtypes."""
    metas = node._output_meta
    out = []
    for i, g in enumerate(grads):
        if g is not None:
            dt = metas[i][1] if i < len(metas) and metas[i] is not None else None
            g = np.asarray(g)
            g = _tensor_mod.make_tensor(g, dt if dt is not None and g.dtype is dt.np else
                            _dtype_of_array(g))
        out.append(g)
    return tuple(out)


def _unwrap(grads):
    if len(grads) == 1:
        g = grads[0]
        return (None if g is None else g._array,)
    return tuple(None if g is None else g._array for g in grads)


def _dtype_of_array(a):
    from .._dtype import from_numpy_dtype
    return from_numpy_dtype(a.dtype)


def _conform_array(node, i, g, meta):
    """``_conform`` for an array gradient: a broadcast float32/float64 gradient is summed down
    to the input's shape here (the same NumPy reduction ember's ``sum`` runs); anything else
    (a bad shape, a dtype change) goes through the tensor version."""
    shape, dt = meta
    g = np.asarray(g)
    if g.dtype is dt.np and (dt is _F32 or dt is _F64):
        gs = g.shape
        lead = len(gs) - len(shape)
        if lead >= 0 and all(s == 1 or s == gs[k + lead] for k, s in enumerate(shape)):
            dims = _summed_dims(gs, shape)
            if dims:
                g = np.sum(g, axis=dims, keepdims=True)
            return g.reshape(shape) if g.shape != shape else g
    return _conform(node, i, _tensor_mod.make_tensor(g, _dtype_of_array(g)), meta)._array


def _capture(slots, grads, captured):
    for i, nr in slots:
        captured[i] = grads[nr] if nr < len(grads) else None


def _call_node(node, grads):
    if STATE.anomaly:
        try:
            return node.apply(grads)
        except Exception:
            import warnings
            tb = node.metadata.get("traceback_")
            if tb:
                warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that "
                              f"caused the error:\n{''.join(tb)}", UserWarning, stacklevel=2)
            else:
                warnings.warn(f"Error detected in {node.name()}. No forward pass information "
                              "available. Enable detect anomaly during forward pass for more "
                              "information.", UserWarning, stacklevel=2)
            raise
    return node.apply(grads)


def _conform(node, i, g, meta):
    """Validate a node's output gradient against the input it belongs to (shape, dtype)."""
    shape, dt = meta
    if g._array.shape != shape:
        try:
            np.broadcast_shapes(g._array.shape, shape)
            ok = len(g._array.shape) >= len(shape) and np.broadcast_shapes(g._array.shape, shape) == g._array.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} "
                               f"- got [{', '.join(map(str, g._array.shape))}] but expected shape "
                               f"compatible with [{', '.join(map(str, shape))}]")
        g = sum_to(g, shape)
    if g._dtype is not dt and dt.category >= 2:
        if g._dtype.is_complex and not dt.is_complex:
            g = g.real          # a real input receives the real part, silently
        g = g.to(dt)
    return g


def _nodes_leading_to(order, targets):
    """Nodes from which some target node is reachable through at least one edge."""
    leads = set()
    # iterate to a fixed point in reverse discovery order (children mostly after parents)
    changed = True
    while changed:
        changed = False
        for n in reversed(order):
            if n in leads:
                continue
            for nxt, _ in n.next_functions:
                if nxt is not None and (nxt in targets or nxt in leads):
                    leads.add(n)
                    changed = True
                    break
    return leads


# ---------------------------------------------------------------------------- public entry points
def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, _tensor_mod.Tensor):
        return (x,)
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad``.

    >>> x = ember.ones(2, requires_grad=True)
    >>> ember.autograd.backward((x * x).sum())
    """
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) or ()
    grads = make_root_grads(tensors, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        for t in inputs:
            if not t._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    captured = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                            accumulate=True)
    if inputs is not None:
        # non-leaf inputs get .grad like retain_grad
        for t, g in zip(inputs, captured):
            if t._grad_fn is not None and g is not None:
                t._retains_grad = True
                t._grad = g if t._grad is None else t._grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` untouched).

    >>> x = ember.tensor(2., requires_grad=True)
    >>> ember.autograd.grad(x ** 3, x)
    (tensor(12.),)
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads="
                         "True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    grad_outputs = _as_tuple(grad_outputs) or ()
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                             allow_unused, materialize_grads)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    if not outputs:
        raise RuntimeError("The differentiated Tensor at index 0 appears to not have been used in "
                           "the graph. Set allow_unused=True if this is the desired behavior.")
    grads = make_root_grads(outputs, grad_outputs)
    captured = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                            accumulate=False)
    out = []
    for i, (t, g) in enumerate(zip(inputs, captured)):
        if g is None:
            if materialize_grads:
                from .._ops.creation import zeros_like
                # (PyTorch's zeros require grad under create_graph, as a leaf)
                g = zeros_like(t, requires_grad=bool(create_graph))
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
        out.append(g)
    return tuple(out)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads):
    # Run one backward per row of the batched grad_outputs and stack the results.
    from .._ops.shape import stack
    n = grad_outputs[0]._array.shape[0]
    rows = []
    for b in range(n):
        rows.append(grad(outputs, inputs, tuple(g[b] for g in grad_outputs), retain_graph=True,
                         create_graph=create_graph, allow_unused=allow_unused,
                         materialize_grads=materialize_grads))
    return tuple(stack([r[i] for r in rows]) if rows[0][i] is not None else None
                 for i in range(len(inputs)))
