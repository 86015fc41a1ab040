"""autograd.Function against real PyTorch: node classes, ctx, saved tensors, dirty and
non-differentiable outputs, backward result checks, once_differentiable, double backward.

Every scenario is a function of the library (``ember`` or ``torch``) that defines its custom
Functions inside, runs them and returns what it observed; ``check_same`` compares the two runs
(values, dtypes, requires_grad, or the exception's type and message).
"""
import warnings

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, assert_same


def fn_name(node):
    return None if node is None else type(node).__name__


def edges(t):
    return tuple((fn_name(n), nr) for n, nr in t.grad_fn.next_functions)


def leaf(lib, values=(1.0, 2.0, 3.0), dtype="float32", requires_grad=True):
    t = lib.from_numpy(np.array(values, dtype=dtype))
    return t.requires_grad_(requires_grad)


# ---------------------------------------------------------------------------- node and graph
def test_node_class_name_next_functions_and_repr():
    def f(lib):
        class MyFn(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, w, k):
                return x * w * k

            @staticmethod
            def backward(ctx, g):
                return g * 2, None, None

        x, w = leaf(lib), leaf(lib, requires_grad=False)
        y = MyFn.apply(x, w, 2)
        node = y.grad_fn
        r = repr(y).replace("ember", "torch")
        nrepr = repr(node).split(" object at")[0].replace("ember", "torch")
        return (y, fn_name(node), node.name(), edges(y), r, nrepr, type(node).__qualname__,
                isinstance(node, lib.autograd.graph.Node), node.requires_grad, node.metadata)
    check_same(f)


def test_nested_class_name():
    def f(lib):
        class Outer:
            class Inner(lib.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x * 2

                @staticmethod
                def backward(ctx, g):
                    return g

        y = Outer.Inner.apply(leaf(lib))
        return fn_name(y.grad_fn), y.grad_fn.name()
    check_same(f)


def test_no_node_without_grad():
    def f(lib):
        class MyFn(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

        a = MyFn.apply(leaf(lib, requires_grad=False))
        with lib.no_grad():
            b = MyFn.apply(leaf(lib))
        return a, b, a.grad_fn is None, b.grad_fn is None
    check_same(f)


def test_forward_runs_without_grad_and_ops_inside_not_recorded():
    def f(lib):
        seen = []

        class MyFn(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                seen.append(lib.is_grad_enabled())
                y = x.exp()
                seen.append(y.requires_grad)
                return y

            @staticmethod
            def backward(ctx, g):
                seen.append(lib.is_grad_enabled())
                return g

        x = leaf(lib)
        y = MyFn.apply(x)
        y.sum().backward()
        return seen, x.grad, edges(y)
    check_same(f)


def test_sequence_order_and_engine_order():
    def f(lib):
        log = []

        class Tag(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, name):
                ctx.name = name
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                log.append(ctx.name)
                return g, None

        x = leaf(lib)
        a = Tag.apply(x, "a")
        b = Tag.apply(x * 2, "b")
        c = Tag.apply(a * b, "c")
        d = Tag.apply(x, "d")
        (c + d).sum().backward()
        seqs = [t.grad_fn._sequence_nr() for t in (a, b, c, d)]
        return log, x.grad, [s - seqs[0] > 0 for s in seqs[1:]]
    check_same(f)


def test_ctx_attributes_readable_on_node_and_needs_input_grad():
    def f(lib):
        seen = []

        class MyFn(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, w, k):
                ctx.k = k
                ctx.note = "hi"
                seen.append(ctx.needs_input_grad)
                return x * w * k

            @staticmethod
            def backward(ctx, g):
                seen.append(ctx.needs_input_grad)
                return g * ctx.k, None, None

        x = leaf(lib)
        y = MyFn.apply(x, leaf(lib, requires_grad=False), 3)
        res = (y.grad_fn.k, y.grad_fn.note, y.grad_fn.needs_input_grad)
        y.sum().backward()
        with lib.no_grad():
            MyFn.apply(x, leaf(lib, requires_grad=False), 3)
        MyFn.apply(leaf(lib, requires_grad=False), leaf(lib, requires_grad=False), 3)
        return res, seen, x.grad
    check_same(f)


def test_keyword_arguments_bound_to_forward_parameters():
    def f(lib):
        seen = []

        class KW(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, w=None, k=1):
                seen.append((ctx.needs_input_grad, k))
                return x * k * (w if w is not None else 1)

            @staticmethod
            def backward(ctx, g):
                return g, g, None

        x, w = leaf(lib), leaf(lib)
        y = KW.apply(x, k=3, w=w)
        y.sum().backward()
        return seen, edges(y), x.grad, w.grad
    check_same(f)


def test_keyword_argument_unknown():
    def f(lib):
        class KW(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, **kw):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

        return KW.apply(leaf(lib), z=3)
    check_same(f)


def test_setup_context_style():
    def f(lib):
        seen = []

        class SC(lib.autograd.Function):
            @staticmethod
            def forward(x, k=2.0):
                seen.append(lib.is_grad_enabled())
                return x * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                seen.append((lib.is_grad_enabled(), len(inputs), type(output).__name__))
                ctx.save_for_backward(inputs[0])
                ctx.k = inputs[1]
                ctx.out = output

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * ctx.k + x * 0, None

        x = leaf(lib)
        y = SC.apply(x)
        same = y.grad_fn.out is y
        y.sum().backward()
        return y, fn_name(y.grad_fn), same, seen, x.grad, y.grad_fn.needs_input_grad
    check_same(f)


def test_hooks_on_custom_nodes():
    def f(lib):
        log = []

        class MyFn(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                log.append("backward")
                return g * 2

        x = leaf(lib)
        y = MyFn.apply(x)
        y.grad_fn.register_prehook(lambda g: log.append(("pre", len(g))))
        y.grad_fn.register_hook(lambda gi, go: log.append(("post", len(gi), len(go))))
        y.register_hook(lambda g: log.append("tensor") or g * 10)
        y.retain_grad()
        y.sum().backward()
        return log, x.grad, y.grad
    check_same(f)


# ---------------------------------------------------------------------------- saved tensors
def test_save_for_backward_identity_and_none():
    def f(lib):
        seen = []
        box = {}

        class S(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, w):
                ctx.save_for_backward(x, None, w)
                return x * w

            @staticmethod
            def backward(ctx, g):
                a, n, b = ctx.saved_tensors
                again = ctx.saved_tensors
                seen.append((a is box["x"], n, b is box["w"], a.requires_grad, len(again)))
                return g * b, g * a

        x, w = leaf(lib), leaf(lib, (4.0, 5.0, 6.0), requires_grad=False)
        box.update(x=x, w=w)
        y = S.apply(x, w)
        early = y.grad_fn.saved_tensors[0] is x
        y.sum().backward()
        return early, seen, x.grad
    check_same(f)


def test_saved_output_is_new_tensor_attached_to_node():
    def f(lib):
        seen = []
        box = {}

        class SO(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                y, = ctx.saved_tensors
                seen.append((y is box["y"], fn_name(y.grad_fn), y.requires_grad, y._version))
                return g * y

        x = leaf(lib)
        y = SO.apply(x)
        box["y"] = y
        same = y.grad_fn.saved_tensors[0] is y
        y.sum().backward()
        return same, seen, x.grad
    check_same(f)


@pytest.mark.parametrize("case", ["output", "input", "intermediate"])
def test_saved_tensor_modified_in_place(case):
    def f(lib):
        class S(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                t = x * 2
                ctx.t = t
                ctx.save_for_backward({"output": y, "input": x, "intermediate": t}[case])
                return y

            @staticmethod
            def backward(ctx, g):
                s, = ctx.saved_tensors
                return g * s

        x = leaf(lib)
        h = x * 1
        y = S.apply(h)
        with lib.no_grad():
            if case == "output":
                y.add_(1)
            elif case == "input":
                h.add_(1)
                h.add_(1)
            else:
                y.grad_fn.t.mul_(3)
        y.sum().backward()
    check_same(f)


def test_saved_version_not_checked_unless_read():
    def f(lib):
        class S(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = leaf(lib)
        h = x * 1
        y = S.apply(h)
        h.add_(1)
        y.sum().backward()
        return x.grad
    check_same(f)


@pytest.mark.parametrize("saves", ["tensor", "none", "nothing"])
def test_saved_tensors_after_free(saves):
    def f(lib):
        class S(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                if saves == "tensor":
                    ctx.save_for_backward(x)
                elif saves == "none":
                    ctx.save_for_backward(None)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                ctx.saved_tensors
                return g * 2

        y = S.apply(leaf(lib))
        y.sum().backward()
        return y.grad_fn.saved_tensors
    check_same(f)


def test_second_backward_freed_and_retain_graph():
    def f(lib):
        class S(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * 2

        x = leaf(lib)
        y = S.apply(x)
        y.sum().backward(retain_graph=True)
        y.sum().backward()
        first = x.grad.clone()
        y.sum().backward()
        return first
    check_same(f)


def test_save_for_backward_non_tensor():
    def f(lib, grad):
        class NT(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

        return NT.apply(leaf(lib, requires_grad=grad))
    check_same(f, True)
    check_same(f, False)


def test_saved_tensors_before_processing_and_without_graph():
    def f(lib):
        seen = []
        ctxs = []

        class S(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                seen.append(ctx.saved_tensors)
                ctxs.append(ctx)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

        S.apply(leaf(lib, requires_grad=False))
        return seen, ctxs[0].saved_tensors, ctxs[0].next_functions, fn_name(ctxs[0])
    check_same(f)


# ---------------------------------------------------------------------------- backward results
def _grad_return_case(lib, ret, args):
    class F(lib.autograd.Function):
        @staticmethod
        def forward(ctx, *a):
            return [t for t in a if isinstance(t, lib.Tensor)][0] * 2

        @staticmethod
        def backward(ctx, g):
            return ret(lib, g)

    built = [leaf(lib, (1.0, 2.0)) if a == "x" else
             leaf(lib, (1.0, 2.0), requires_grad=False) if a == "p" else a for a in args]
    F.apply(*built).sum().backward()
    return tuple(b.grad for b in built if isinstance(b, lib.Tensor) and b.requires_grad)


GRAD_RETURNS = {
    "too_few": (lambda lib, g: (g,), ("x", "x")),
    "extra_none": (lambda lib, g: (g, g, None), ("x", "x")),
    "too_many": (lambda lib, g: (g, g, g), ("x", "x")),
    "many_extra_not_none": (lambda lib, g: (g, None, g, 5), ("x", 2, "p")),
    "many_extra_nones": (lambda lib, g: (g, None, g, None, None), ("x", 2, "p")),
    "grad_for_non_tensor": (lambda lib, g: (g, g), ("x", 2)),
    "int_for_non_tensor": (lambda lib, g: (g, 3), ("x", 2)),
    "count_before_type": (lambda lib, g: (3,), ("x", 2)),
    "single_for_two": (lambda lib, g: g, ("x", 2)),
    "bad_shape": (lambda lib, g: (lib.ones(3),), ("x",)),
    "smaller_broadcastable": (lambda lib, g: (lib.ones(1),), ("x",)),
    "larger_broadcast_summed": (lambda lib, g: (lib.ones(2, 2),), ("x",)),
    "bad_shape_index_counts_tensors": (lambda lib, g: (None, lib.ones(3), lib.ones(3)),
                                       (2, "p", "x")),
    "bad_shape_for_no_grad_input_ok": (lambda lib, g: (g, lib.ones(5)), ("x", "p")),
    "float64_cast": (lambda lib, g: (lib.ones(2, dtype=lib.float64),), ("x",)),
    "int64_cast": (lambda lib, g: (lib.ones(2, dtype=lib.int64),), ("x",)),
    "int": (lambda lib, g: (3,), ("x",)),
    "bare_int": (lambda lib, g: 3, ("x",)),
    "list": (lambda lib, g: [g], ("x",)),
    "str": (lambda lib, g: (g, "s"), ("x", "x")),
    "none": (lambda lib, g: None, ("x",)),
    "none_for_one": (lambda lib, g: (g, None), ("x", "x")),
}


@pytest.mark.parametrize("case", sorted(GRAD_RETURNS))
def test_backward_return_checks(case):
    ret, args = GRAD_RETURNS[case]
    check_same(lambda lib: _grad_return_case(lib, ret, args))


def test_missing_backward_and_forward():
    def no_backward(lib):
        class NoB(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
        y = NoB.apply(leaf(lib))
        name = fn_name(y.grad_fn)
        try:
            y.sum().backward()
        except NotImplementedError as e:
            return name, str(e)

    def no_forward(lib, grad):
        class NoF(lib.autograd.Function):
            @staticmethod
            def backward(ctx, g):
                return g
        return NoF.apply(leaf(lib, requires_grad=grad))

    check_same(no_backward)
    check_same(no_forward, True)
    check_same(no_forward, False)


def test_vjp_instead_of_backward_and_both():
    def f(lib, both):
        class V(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def vjp(ctx, g):
                return g * 5

        class B(V):
            @staticmethod
            def backward(ctx, g):
                return g

        x = leaf(lib)
        (B if both else V).apply(x).sum().backward()
        return x.grad, lib.autograd.Function.vjp is lib.autograd.Function.backward
    check_same(f, False)
    check_same(f, True)


def test_instantiating_function_warns_and_calling_raises():
    def f(lib):
        class Inst(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g

        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            obj = Inst()
        msgs = [(x.category.__name__, str(x.message)) for x in w]
        try:
            obj(leaf(lib))
        except RuntimeError as e:
            return msgs, str(e)
    check_same(f)


def test_backward_exception_propagates():
    def f(lib):
        class Boom(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                raise ValueError("boom")

        Boom.apply(leaf(lib)).sum().backward()
    check_same(f)


# ---------------------------------------------------------------------------- outputs
def test_non_tensor_outputs_and_gradient_slots():
    def f(lib):
        seen = []

        class Mixed(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, 5, "a", x * 3

            @staticmethod
            def backward(ctx, g1, g2, g3, g4):
                seen.append((g1, g2, g3, g4))
                return g1 + g4

        class Five(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return 5

            @staticmethod
            def backward(ctx, g):
                return g

        class Lst(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return [x * 2, x * 3]

            @staticmethod
            def backward(ctx, g1, g2):
                return g1

        x = leaf(lib)
        r = Mixed.apply(x)
        r[0].sum().backward()
        lst = Lst.apply(x)
        return (type(r).__name__, r[1], r[2], r[0].output_nr, r[3].output_nr, seen, x.grad,
                Five.apply(x), type(lst).__name__, lst[0].grad_fn is None)
    check_same(f)


def test_namedtuple_output_becomes_tuple():
    def f(lib):
        import collections
        NT = collections.namedtuple("NT", "a b")

        class N(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return NT(x * 2, x * 3)

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 + g2

        r = N.apply(leaf(lib))
        return type(r).__name__, fn_name(r[0].grad_fn), r[1].output_nr
    check_same(f)


@pytest.mark.parametrize("materialize", [True, False])
def test_unused_outputs_materialized_or_none(materialize):
    def f(lib):
        seen = []

        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append((g1, g2))
                return g1 if g1 is not None else g2

        x = leaf(lib)
        a, b = Two.apply(x)
        a.sum().backward()
        return seen, x.grad
    check_same(f)


@pytest.mark.parametrize("materialize", [True, False])
def test_node_runs_when_no_gradient_arrives(materialize):
    def f(lib):
        seen = []

        class A(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                seen.append(g)
                return None if g is None else g * 2

        class B(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                return None

        x = leaf(lib)
        (B.apply(A.apply(x)) + x).sum().backward()
        return seen, x.grad
    check_same(f)


def test_mark_non_differentiable():
    def f(lib):
        seen = []

        class Sort(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                s, i = x.sort()
                ctx.mark_non_differentiable(i)
                ctx.save_for_backward(i)
                return s, i

            @staticmethod
            def backward(ctx, g1, g2):
                i, = ctx.saved_tensors
                seen.append((g2, i.requires_grad, i.grad_fn is None))
                return g1[i.argsort()]

        x = leaf(lib, (3.0, 1.0, 2.0))
        s, i = Sort.apply(x)
        (s * lib.arange(3.0)).sum().backward()
        return s, i, i.grad_fn is None, seen, x.grad
    check_same(f)


def test_only_output_non_differentiable():
    def f(lib):
        class MND(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x * 2
                ctx.mark_non_differentiable(y)
                return y

            @staticmethod
            def backward(ctx, g):
                return g

        class MNDin(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_non_differentiable(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        x = leaf(lib)
        y = MND.apply(x)
        z = MNDin.apply(x)
        info = (y.requires_grad, y.grad_fn is None, z is x, z._base is x, z.requires_grad)
        try:
            y.sum().backward()
        except RuntimeError as e:
            return info, str(e)
    check_same(f)


def test_integer_output_not_differentiable():
    def f(lib):
        seen = []

        class Int(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.long(), x * 2

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append((g1, g2))
                return g2

        x = leaf(lib)
        r = Int.apply(x)
        r[1].sum().backward()
        return r[0].requires_grad, r[0].grad_fn is None, r[1].output_nr, seen, x.grad
    check_same(f)


def test_returning_input_gives_view():
    def f(lib):
        class Id(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 3

        x = leaf(lib)
        h = x * 1
        r = Id.apply(h)
        info = [r is h, r._base is h, fn_name(r.grad_fn), fn_name(h.grad_fn), r._version,
                r.is_leaf, edges(r)]
        r.sum().backward()
        info.append(x.grad.clone())
        x.grad = None
        r2 = Id.apply(x)
        info += [r2 is x, r2._base is x, r2.requires_grad]
        r2.sum().backward()
        info.append(x.grad)
        p = leaf(lib, requires_grad=False)
        r3 = Id.apply(p)
        info += [r3 is p, r3._base is p, r3.requires_grad]
        with lib.no_grad():
            r4 = Id.apply(x)
        info += [r4 is x, r4._base is None, r4.requires_grad, r4.data_ptr() == x.data_ptr()]
        with lib.no_grad():
            r4.add_(0)
        info.append(x._version)
        return info
    check_same(f)


def test_returning_view_made_in_forward():
    def f(lib):
        class View(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x[0]

            @staticmethod
            def backward(ctx, g):
                return g.expand(3) * 3

        x = leaf(lib)
        r = View.apply(x)
        info = (r._base is x, fn_name(r.grad_fn), r._is_view(), r.requires_grad)
        r.backward()
        return info, x.grad
    check_same(f)


def test_same_tensor_returned_twice():
    def f(lib):
        seen = []

        class Twice(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x, x

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 + g2

        class Twice2(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x * 2
                return y, y

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append((g1, g2))
                return g1 + g2

        x = leaf(lib)
        a, b = Twice.apply(x)
        c, d = Twice2.apply(x)
        (c + d).sum().backward()
        return (a is b, a._base is x, b._base is x, a.output_nr, b.output_nr, c is d,
                c.output_nr, d.output_nr, seen, x.grad)
    check_same(f)


# ---------------------------------------------------------------------------- mark_dirty
def _dirty_cls(lib, returned=True, save=False):
    class Dirty(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            if save:
                ctx.save_for_backward(x)
            return x if returned else x * 2

        @staticmethod
        def backward(ctx, g):
            if save:
                x, = ctx.saved_tensors
            return g * 5
    return Dirty


def test_mark_dirty_non_leaf():
    def f(lib):
        x = leaf(lib)
        h = x * 1
        r = _dirty_cls(lib, save=True).apply(h)
        info = (r is h, h._version, fn_name(h.grad_fn), edges(h), h._is_view())
        r.sum().backward()
        return r, info, x.grad
    check_same(f)


def test_mark_dirty_errors_and_plain_tensors():
    def leaf_case(lib):
        return _dirty_cls(lib).apply(leaf(lib))

    def not_returned(lib, grad):
        x = leaf(lib)
        return _dirty_cls(lib, returned=False).apply(x * 1 if grad else x.detach())

    def plain(lib):
        p = leaf(lib, requires_grad=False)
        r = _dirty_cls(lib).apply(p)
        return r is p, p._version, r.requires_grad, r.grad_fn is None, p

    def no_grad_leaf(lib):
        x = leaf(lib)
        with lib.no_grad():
            r = _dirty_cls(lib).apply(x)
        return r is x, x._version, r.grad_fn is None, x.is_leaf
    check_same(leaf_case)
    check_same(not_returned, True)
    check_same(not_returned, False)
    check_same(plain)
    check_same(no_grad_leaf)


def test_mark_dirty_view_input():
    def f(lib):
        x = leaf(lib)
        b = x * 1
        v = b[:2]
        r = _dirty_cls(lib).apply(v)
        info = (r is v, fn_name(b.grad_fn), fn_name(v.grad_fn), edges(b), v._version)
        b.sum().backward()
        return info, b, x.grad
    check_same(f)


# ---------------------------------------------------------------------------- double backward
def _cube(lib, once=False):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2

    if once:
        Cube.backward = staticmethod(
            lib.autograd.function.once_differentiable(Cube.backward))
    return Cube


def test_double_backward_through_custom_function():
    def f(lib):
        x = leaf(lib, (2.0, -1.0))
        y = _cube(lib).apply(x)
        g, = lib.autograd.grad(y.sum(), x, create_graph=True)
        info = (g, fn_name(g.grad_fn))
        gg, = lib.autograd.grad(g.sum(), x)
        return info, gg
    check_same(f)


def test_once_differentiable():
    def f(lib):
        Cube = _cube(lib, once=True)
        seen = []
        inner = Cube.backward

        def spy(ctx, g):
            seen.append((lib.is_grad_enabled(), g.requires_grad))
            return inner(ctx, g)
        x = leaf(lib, (2.0, -1.0))
        y = Cube.apply(x)
        g1, = lib.autograd.grad(y.sum(), x, create_graph=True)
        info = [g1.requires_grad, g1.grad_fn is None, Cube.backward.__name__]
        w = Cube.apply(x) * x
        g2, = lib.autograd.grad(w.sum(), x, create_graph=True)
        err = g2.grad_fn.next_functions[1][0]
        info += [fn_name(g2.grad_fn), fn_name(err), err.name(),
                 [fn_name(n) for n, _ in err.next_functions]]
        info.append(lib.autograd.grad(g2.sum(), x, retain_graph=True))
        try:
            g2.sum().backward()
        except RuntimeError as e:
            info.append(str(e))
        return info, seen
    check_same(f)


def test_once_differentiable_with_none_result():
    def f(lib):
        class C(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x ** 3

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, g):
                return g * 3, None

        x = leaf(lib, (2.0,))
        g, = lib.autograd.grad((C.apply(x, 2) * x).sum(), x, create_graph=True)
        err = g.grad_fn.next_functions[1][0]
        return g, [(fn_name(n), nr) for n, nr in err.next_functions]
    check_same(f)


def test_backward_grad_mode_under_create_graph():
    def f(lib):
        seen = []

        class M(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                seen.append((lib.is_grad_enabled(), g.requires_grad))
                return g * 2

        x = leaf(lib)
        y = M.apply(x)
        lib.autograd.grad(y.sum(), x, create_graph=True)
        lib.autograd.grad(M.apply(x).sum(), x)
        return seen
    check_same(f)


def test_anomaly_mode_names_custom_node():
    def f(lib):
        class NaNB(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * float("nan")

        x = leaf(lib)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly():
                NaNB.apply(x).sum().backward()
    check_same(f)


def test_function_in_a_model_matches_builtin_gradients():
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((4, 3)).astype(np.float32)

    def f(lib):
        class Sigmoid(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = 1 / (1 + (-x).exp())
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                y, = ctx.saved_tensors
                return g * y * (1 - y)

        x = lib.from_numpy(xs.copy()).requires_grad_()
        out = (Sigmoid.apply(x * 2) * x.sin()).mean()
        out.backward()
        x2 = lib.from_numpy(xs.copy()).requires_grad_()
        ((x2 * 2).sigmoid() * x2.sin()).mean().backward()
        return out, x.grad, x2.grad
    e, t = check_same(f)
    assert_same(e[1], t[2])


def test_variable_returns_plain_tensor():
    def f(lib):
        t = leaf(lib, requires_grad=False)
        v = lib.autograd.Variable(t)
        w = lib.autograd.Variable(t, requires_grad=True)
        return type(v).__name__, v, w.requires_grad
    check_same(f)


def test_in_place_on_custom_function_view_output():
    def f(lib, case):
        class Id(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x if case == "input" else x[:2]

            @staticmethod
            def backward(ctx, g):
                return g * 3 if case == "input" else None

        r = Id.apply(leaf(lib) * 1)
        r.mul_(2)
    check_same(f, "input")
    check_same(f, "view")
