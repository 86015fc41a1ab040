"""Full backward hooks of Modules: identity nodes around a module's inputs and outputs whose
backward calls ``hook(module, grad_input, grad_output)`` (and the backward pre-hooks) with all
gradients at once, as PyTorch's BackwardHookFunction does."""
from .._tensor import Tensor, make_tensor
from ..autograd.grad_mode import STATE
from ..autograd.graph import node_class, record_node

_INPUT_NODE = node_class("BackwardHookFunctionBackward")


def _identity_outputs(tensors):
    outs = []
    for t in tensors:
        o = make_tensor(t._array, t._dtype)
        o._vc = t._vc if t._vc is not None else None
        outs.append(o)
    return outs


def _hook_node_backward(ctx, grads):
    grads = tuple(grads) if isinstance(grads, tuple) else (grads,)
    r = ctx.saved["on_grads"](grads)
    return tuple(r) if r is not None else grads


_INPUT_NODE.backward_fn = staticmethod(_hook_node_backward)
_INPUT_NODE.saves_inputs = False


class BackwardHook:
    """Per-call helper wiring a module's full backward hooks into the graph."""

    def __init__(self, module):
        self.module = module
        self.grad_outputs = None
        self.n_inputs = 0

    def _wrap(self, values, on_grads):
        flat = [(i, v) for i, v in enumerate(values) if isinstance(v, Tensor) and v._requires_grad]
        if not flat or not STATE.enabled:
            return values, False
        tensors = [v for _, v in flat]
        outs = _identity_outputs(tensors)
        record_node(_INPUT_NODE, tuple(tensors), outs, {"on_grads": on_grads})
        values = list(values)
        for (i, _), o in zip(flat, outs):
            values[i] = o
        return values, True

    def setup_input_hook(self, args):
        def on_input_grads(grads):
            m = self.module
            grad_out = self.grad_outputs
            result = grads
            for hook in list(m._backward_hooks.values()):
                r = hook(m, result, grad_out)
                if r is not None:
                    if len(r) != len(result):
                        raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                           f"got {len(r)}, but expected {len(result)}")
                    result = tuple(r)
            return result
        new_args, wrapped = self._wrap(args, on_input_grads)
        self.inputs_wrapped = wrapped
        return tuple(new_args)

    def setup_output_hook(self, result):
        is_tuple = isinstance(result, tuple)
        values = result if is_tuple else (result,)

        def on_output_grads(grads):
            m = self.module
            for hook in list(m._backward_pre_hooks.values()):
                r = hook(m, grads)
                if r is not None:
                    grads = tuple(r) if isinstance(r, (tuple, list)) else (r,)
            self.grad_outputs = grads
            if not self.inputs_wrapped and m._backward_hooks:
                for hook in list(m._backward_hooks.values()):
                    hook(m, (None,), grads)
            return grads
        new_values, _ = self._wrap(values, on_output_grads)
        return tuple(new_values) if is_tuple else new_values[0]
