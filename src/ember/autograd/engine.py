"""The backward engine: dependency counting over the recorded graph, nodes run in
PyTorch's order (ready nodes by decreasing sequence number), gradients summed per edge.

>>> x = ember.ones(3, requires_grad=True)
>>> (x * 2).sum().backward()
>>> x.grad
tensor([2., 2., 2.])
"""
import heapq

import numpy as np

from .grad_mode import STATE
from .graph import AccumulateGrad, OpNode, grad_edge


def _sum_to(g, shape):
    """Reduce a broadcast gradient ``g`` down to ``shape`` (PyTorch's sum_to)."""
    gs = g._array.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and gs[i + lead] != 1)
    if dims:
        g = g.sum(dims, keepdim=True)
    if lead:
        g = g.reshape(shape)
    elif g._array.shape != shape:
        g = g.reshape(shape)
    return g


def _make_grad_root(t, g):
    from .._tensor import Tensor
    from .._ops.creation import ones_like
    if g is None:
        if t._array.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        if not t._dtype.is_floating_point:
            raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but "
                               f"got {t._dtype}")
        return ones_like(t)
    if not isinstance(g, Tensor):
        raise TypeError(f"gradient must be a Tensor, got {type(g).__name__}")
    if g._array.shape != t._array.shape:
        raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of "
                           f"{_sz(g._array.shape)} and output[0] has a shape of "
                           f"{_sz(t._array.shape)}.")
    return g


def _sz(shape):
    from .._size import Size
    return repr(Size(shape)).replace("ember.", "torch.")


def run_backward(roots, grads, retain_graph, create_graph, inputs=None, capture=None,
                 allow_unreachable=False):
    """Run the graph from ``roots`` with seed gradients ``grads``.

    With ``capture`` (a list of edges), gradients flowing into those edges are returned instead
    of accumulated into leaves (``autograd.grad``).
    """
    root_edges = []
    for t, g in zip(roots, grads):
        if not t._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn")
        root_edges.append((grad_edge(t), g))

    capture_map = {}
    if capture is not None:
        for i, (node, nr) in enumerate(capture):
            if node is not None:
                capture_map.setdefault((id(node), nr), []).append(i)
    captured = [None] * (len(capture) if capture is not None else 0)

    # Dependencies: how many edges point at each node within the reachable graph.
    deps = {}
    nodes = {}
    stack = [e[0][0] for e in root_edges if e[0][0] is not None]
    seen = set()
    for n in stack:
        nodes[id(n)] = n
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        for nxt, _ in n.next_functions:
            if nxt is None:
                continue
            deps[id(nxt)] = deps.get(id(nxt), 0) + 1
            if id(nxt) not in seen:
                nodes[id(nxt)] = nxt
                stack.append(nxt)

    # With autograd.grad (capture) leaves are not accumulated into; with backward(inputs=...)
    # only the listed leaves are.
    only_nodes = None
    if inputs is not None:
        only_nodes = {id(e[0]) for e in inputs if e[0] is not None}

    buffers = {}
    ready = []
    for (node, nr), g in root_edges:
        if node is None:
            continue
        buf = buffers.setdefault(id(node), {})
        buf[nr] = buf[nr] + g if nr in buf else g
    for (node, nr), g in root_edges:
        if node is not None and deps.get(id(node), 0) == 0 and id(node) not in {id(x[1]) for x in ready}:
            heapq.heappush(ready, (-node._seq, node))

    prev_mode = STATE.enabled
    STATE.enabled = bool(create_graph)
    try:
        queued = {id(x[1]) for x in ready}
        while ready:
            _, node = heapq.heappop(ready)
            buf = buffers.pop(id(node), {})
            n_out = max(len(getattr(node, "_output_meta", ())), 1)
            grad_outputs = tuple(buf.get(i) for i in range(n_out))
            if capture_map:
                for i in range(n_out):
                    for slot in capture_map.get((id(node), i), ()):
                        g = grad_outputs[i]
                        captured[slot] = g if captured[slot] is None or g is None else captured[slot] + g
            if node._pre_hooks:
                for hook in list(node._pre_hooks.values()):
                    r = hook(grad_outputs)
                    if r is not None:
                        grad_outputs = tuple(r)
            if isinstance(node, AccumulateGrad):
                if capture is not None or (only_nodes is not None and id(node) not in only_nodes):
                    continue
                if grad_outputs[0] is not None:
                    node.apply(grad_outputs)
                if node._hooks:
                    for hook in list(node._hooks.values()):
                        hook((), grad_outputs)
                continue
            if only_nodes is not None and id(node) in only_nodes and capture is None:
                pass
            grad_outputs = _fill_missing(node, grad_outputs)
            grad_inputs = node.apply(grad_outputs)
            if node._hooks:
                for hook in list(node._hooks.values()):
                    r = hook(grad_inputs, grad_outputs)
                    if r is not None:
                        grad_inputs = tuple(r)
            if not retain_graph and isinstance(node, OpNode):
                node.release()
            metas = getattr(node, "_input_meta", ())
            for i, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                g = grad_inputs[i] if i < len(grad_inputs) else None
                if g is not None:
                    shape = metas[i] if i < len(metas) else None
                    if shape is not None and g._array.shape != shape:
                        g = _sum_to(g, shape)
                    buf = buffers.setdefault(id(nxt), {})
                    buf[nr] = buf[nr] + g if nr in buf and buf[nr] is not None else g
                deps[id(nxt)] -= 1
                if deps[id(nxt)] == 0 and id(nxt) not in queued:
                    if id(nxt) in buffers or isinstance(nxt, OpNode) or capture_map:
                        queued.add(id(nxt))
                        heapq.heappush(ready, (-nxt._seq, nxt))
    finally:
        STATE.enabled = prev_mode
    return captured


def _fill_missing(node, grad_outputs):
    """Outputs that got no gradient get zeros (PyTorch materialises them for built-in nodes)."""
    if all(g is not None for g in grad_outputs):
        return grad_outputs
    from .._tensor import make_tensor
    metas = node._output_meta
    out = []
    for i, g in enumerate(grad_outputs):
        if g is None and i < len(metas) and metas[i] is not None:
            shape, dt = metas[i]
            g = make_tensor(np.zeros(shape, dt.np), dt)
        out.append(g)
    return tuple(out)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute gradients of ``tensors`` and accumulate them into the leaves' ``.grad``."""
    from .._tensor import Tensor
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    tensors = tuple(tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,)
    grads = tuple(_make_grad_root(t, g) for t, g in zip(tensors, grad_tensors))
    if retain_graph is None:
        retain_graph = create_graph
    edge_inputs = None
    if inputs is not None:
        if isinstance(inputs, Tensor):
            inputs = (inputs,)
        if len(inputs) == 0:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        edge_inputs = [grad_edge(t) for t in inputs]
    run_backward(tensors, grads, retain_graph, create_graph, inputs=edge_inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated)."""
    from .._tensor import Tensor
    if isinstance(outputs, Tensor):
        outputs = (outputs,)
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
        single = True
    else:
        inputs = tuple(inputs)
    outputs = tuple(outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    grads = tuple(_make_grad_root(t, g) for t, g in zip(outputs, grad_outputs))
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    edges = [grad_edge(t) for t in inputs]
    result = run_backward(outputs, grads, retain_graph, create_graph, capture=edges)
    out = []
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None:
            if materialize_grads:
                from .._ops.creation import zeros_like
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
        elif g._array.shape != t._array.shape:
            g = _sum_to(g, t._array.shape)
        out.append(g)
    return tuple(out)
