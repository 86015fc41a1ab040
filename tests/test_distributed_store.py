"""TCPStore (in-process, with threads) against PyTorch's TCPStore doing the same operations,
and the process-group API that needs no running job: ReduceOp, Backend, errors before init."""
import threading
import time
from datetime import timedelta

import pytest
import torch.distributed as tdist

import ember.distributed as edist


def _stores(lib):
    master = lib.TCPStore("127.0.0.1", 0, 1, True, timeout=timedelta(seconds=1))
    return master


def _script(s):
    out = [s.num_keys()]
    s.set("a", "xy")
    out += [s.get("a"), s.num_keys()]
    s.set("b", b"\x00\xff")
    out += [s.get("b"), s.add("c", 3), s.add("c", -1), s.get("c")]
    out += [s.check(["a", "c"]), s.check(["a", "zz"])]
    out += [s.compare_set("a", "xy", "new"), s.get("a")]
    out += [s.compare_set("a", "wrong", "zzz"), s.get("a")]
    out += [s.compare_set("nokey", "", "d1"), s.get("nokey")]
    out += [s.compare_set("nokey2", "x", "d2"), s.check(["nokey2"])]
    out += [s.delete_key("a"), s.delete_key("a"), s.num_keys(), s.timeout]
    return out


def test_store_semantics_match_pytorch():
    assert _script(_stores(edist)) == _script(_stores(tdist))


@pytest.mark.parametrize("call", ["get", "wait"])
def test_store_timeout_message(call):
    msgs = []
    for lib in (edist, tdist):
        s = _stores(lib)
        with pytest.raises(lib.DistStoreError) as e:
            if call == "get":
                s.get("missing")
            else:
                s.wait(["m1", "m2"], timedelta(seconds=0.3))
        assert isinstance(e.value, RuntimeError) and isinstance(e.value, lib.DistError)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_store_get_blocks_until_set_by_another_client():
    master = edist.TCPStore("127.0.0.1", 0, 3, True, wait_for_workers=False,
                            timeout=timedelta(seconds=10))
    clients = [edist.TCPStore("127.0.0.1", master.port, 3, False) for _ in range(2)]
    got = []

    def reader():
        got.append(clients[0].get("late"))
    t = threading.Thread(target=reader)
    t.start()
    time.sleep(0.2)
    assert not got
    clients[1].set("late", b"value")
    t.join(5)
    assert got == [b"value"]
    # concurrent adds from threads are atomic
    threads = [threading.Thread(target=lambda c=c: [c.add("n", 1) for _ in range(50)])
               for c in [master, *clients]]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert master.get("n") == b"150"


def test_store_waits_for_workers_and_connect_error():
    box = []
    # the master waits for the second client before returning
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    th = threading.Thread(target=lambda: box.append(
        edist.TCPStore("127.0.0.1", port, 2, True, timeout=timedelta(seconds=5))))
    th.start()
    time.sleep(0.3)
    assert not box
    worker = edist.TCPStore("127.0.0.1", port, 2, False, timeout=timedelta(seconds=5))
    th.join(5)
    assert box and box[0].port == port and worker.num_keys() == 1
    with pytest.raises(edist.DistNetworkError, match=r"The client socket has timed out after "
                       r"300ms while trying to connect to \(127.0.0.1, 1\)."):
        edist.TCPStore("127.0.0.1", 1, 1, False, timeout=timedelta(seconds=0.3))


def test_reduce_op_and_backend_match_pytorch():
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR", "PREMUL_SUM"):
        e, t = getattr(edist.ReduceOp, name), getattr(tdist.ReduceOp, name)
        assert (repr(e), str(e)) == (repr(t), str(t))
        assert (e == e.value) == (t == t.value)
    assert edist.ReduceOp.SUM != edist.ReduceOp.MAX
    for name in ("GLOO", "MPI", "NCCL", "UNDEFINED"):
        assert getattr(edist.Backend, name) == getattr(tdist.Backend, name)
    assert edist.Backend("GLOO") == tdist.Backend("GLOO") == "gloo"
    assert edist.GroupMember.NON_GROUP_MEMBER == tdist.GroupMember.NON_GROUP_MEMBER


@pytest.mark.parametrize("fn", ["get_rank", "get_world_size", "get_backend", "barrier"])
def test_errors_before_init_match_pytorch(fn):
    msgs = []
    for lib in (edist, tdist):
        assert not lib.is_initialized() and lib.GroupMember.WORLD is None
        with pytest.raises(ValueError) as e:
            getattr(lib, fn)()
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_collective_before_init_and_availability():
    import ember
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        edist.all_reduce(ember.ones(2))
    assert edist.is_available() and edist.is_initialized() is False


@pytest.mark.cuda
def test_nccl_world_size_one_round_trip():
    import ember
    if not ember.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    store = edist.TCPStore("127.0.0.1", 0, 1, True)
    edist.init_process_group("nccl", store=store, rank=0, world_size=1)
    try:
        t = ember.arange(6, dtype=ember.float32, device="cuda")
        edist.all_reduce(t)
        w = edist.broadcast(t, src=0, async_op=True)
        w.wait()
        out = [ember.zeros(6, device="cuda")]
        edist.all_gather(out, t)
        assert out[0].cpu().tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
        h = ember.ones(3, dtype=ember.bfloat16, device="cuda")
        edist.all_reduce(h, op=edist.ReduceOp.AVG)
        assert h.cpu().float().tolist() == [1.0, 1.0, 1.0]
    finally:
        edist.destroy_process_group()
