"""ember.utils.dlpack against torch.utils.dlpack: legacy capsules both ways, memory sharing,
strides, every dtype (bfloat16 included), one-shot capsules and the errors."""
import numpy as np
import pytest
import torch
import torch.utils.dlpack as tdl

import ember
import ember.utils.dlpack as edl
from oracle import ALL_DTYPE_NAMES, Arr


@pytest.mark.parametrize("name", ALL_DTYPE_NAMES)
@pytest.mark.parametrize("layout", [None, "transposed", "strided"])
def test_both_ways_share_memory(name, layout):
    vals = (np.arange(12).reshape(3, 4) % 5).astype("float64")
    e = Arr(vals, dtype=name, layout=layout).make(ember)
    t = Arr(vals, dtype=name, layout=layout).make(torch)
    cap = edl.to_dlpack(e)
    assert type(cap).__name__ == "PyCapsule" and type(cap) is type(tdl.to_dlpack(t))
    into_torch = tdl.from_dlpack(cap)                  # ember -> torch
    assert into_torch.dtype == t.dtype and into_torch.stride() == t.stride()
    assert torch.equal(into_torch, t)
    assert into_torch.data_ptr() == e.data_ptr()
    into_ember = edl.from_dlpack(tdl.to_dlpack(t))     # torch -> ember
    assert str(into_ember.dtype)[6:] == str(t.dtype)[6:]
    assert into_ember.stride() == t.stride() and into_ember.data_ptr() == t.data_ptr()
    assert into_ember.tolist() == t.tolist()


def test_zero_dim_and_empty():
    for make in (lambda lib: lib.tensor(3.5), lambda lib: lib.zeros(0, 2)):
        e, t = make(ember), make(torch)
        back = tdl.from_dlpack(edl.to_dlpack(e))
        assert back.shape == t.shape and torch.equal(back, t)
        mine = edl.from_dlpack(tdl.to_dlpack(t))
        assert tuple(mine.shape) == tuple(t.shape) and mine.tolist() == t.tolist()


def test_writes_are_shared():
    e = ember.zeros(3)
    tdl.from_dlpack(edl.to_dlpack(e))[1] = 7.
    assert e.tolist() == [0., 7., 0.]
    t = torch.zeros(3)
    edl.from_dlpack(tdl.to_dlpack(t))[2] = 5.
    assert t.tolist() == [0., 0., 5.]


def test_requires_grad_is_exported_like_torch():
    # the legacy exporter, unlike __dlpack__, does not refuse tensors that require grad
    e = ember.ones(2, requires_grad=True)
    t = torch.ones(2, requires_grad=True)
    assert tdl.from_dlpack(edl.to_dlpack(e)).tolist() == tdl.from_dlpack(tdl.to_dlpack(t)).tolist()


def test_capsule_consumed_once_and_bad_inputs():
    cap_e, cap_t = edl.to_dlpack(ember.ones(2)), tdl.to_dlpack(torch.ones(2))
    edl.from_dlpack(cap_e)
    tdl.from_dlpack(cap_t)
    with pytest.raises(RuntimeError) as theirs:
        tdl.from_dlpack(cap_t)
    with pytest.raises(RuntimeError) as ours:
        edl.from_dlpack(cap_e)
    assert str(ours.value) == str(theirs.value)
    for bad in (3, None, [1.0]):
        with pytest.raises(TypeError) as theirs:
            tdl.to_dlpack(bad)
        with pytest.raises(TypeError) as ours:
            edl.to_dlpack(bad)
        assert str(ours.value) == str(theirs.value)


def test_module_surface():
    assert edl.from_dlpack is ember.from_dlpack
    assert ember.utils.dlpack is edl
    assert {k: int(v) for k, v in edl.DLDeviceType.__members__.items()} == \
        {k: int(v) for k, v in tdl.DLDeviceType.__members__.items()}
