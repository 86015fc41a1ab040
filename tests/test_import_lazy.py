"""`import ember` loads the tensor core only; nn, optim, data loading, serialization, hub, fft,
special, func ... load on first use (ember/_lazy.py), with the same namespace as eager imports.

Each check runs in a fresh interpreter, since this test process has long imported everything.
"""
import json
import subprocess
import sys
import textwrap

import pytest


def run_fresh(code):
    """Run ``code`` in a new interpreter; return what it printed as JSON on its last line."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


# What a plain `import ember` must not load: ember's own lazily loaded packages, and the heavy
# third-party / standard-library modules that only they need.
NOT_AT_IMPORT = [
    "ember.nn", "ember.optim", "ember.utils.data", "ember.vision", "ember.hub",
    "ember.serialization", "ember.fft", "ember.special", "ember.func",
    "ember.autograd.functional", "ember.distributions", "ember.distributed", "ember.testing",
    "ember.jit", "ember.compat",
    "torch", "PIL", "scipy", "einops", "multiprocessing", "concurrent.futures", "subprocess",
    "json", "urllib.request", "zipfile",
]


def test_plain_import_loads_no_optional_packages():
    loaded = run_fresh(f"""
        import sys
        before = set(sys.modules)     # (site may import some of them at startup)
        import ember
        loaded = [m for m in {NOT_AT_IMPORT!r} if m in sys.modules and m not in before]
        import json
        print(json.dumps(loaded))
    """)
    assert loaded == []


def test_lazy_names_resolve_every_way():
    got = run_fresh("""
        import json, sys
        import ember
        out = {"nn": ember.nn.Linear.__module__,
               "optim": ember.optim.SGD.__module__,
               "data": ember.utils.data.DataLoader.__module__,
               "save": ember.save.__module__, "load": ember.load.__module__,
               "fft": type(ember.fft).__name__, "special": ember.special.__name__,
               "functional": ember.autograd.functional.__name__}
        import ember.nn.functional as F
        from ember import optim
        from ember.utils.data import TensorDataset
        out["F"] = F.__name__
        out["from_import"] = optim is ember.optim
        out["cached"] = "nn" in vars(ember)
        try:
            ember.no_such_name
        except AttributeError as e:
            out["error"] = str(e)
        out["has_all"] = hasattr(ember, "__all__")
        print(json.dumps(out))
    """)
    assert got == {"nn": "ember.nn.modules.linear", "optim": "ember.optim.sgd",
                   "data": "ember.utils.data.dataloader", "save": "ember.serialization",
                   "load": "ember.serialization", "fft": "module", "special": "ember.special",
                   "functional": "ember.autograd.functional", "F": "ember.nn.functional",
                   "from_import": True, "cached": True,
                   "error": "module 'ember' has no attribute 'no_such_name'", "has_all": False}


# The namespace after a plain import: every registered op (ember.<op>, Tensor.<op>) and, through
# dir() and `import *`, every lazy name. Loading the lazy packages afterwards must add no op:
# an op registered only by a lazily loaded file would be missing from `ember` until then.
SNAPSHOT = """
    import json, sys
    {preload}
    import ember
    from ember import _dispatch
    state = {{"functions": sorted(_dispatch.FUNCTIONS), "tensor": sorted(vars(ember.Tensor))}}
    state["dir"] = dir(ember)
    star = {{}}
    exec("from ember import *", star)
    state["star"] = sorted(k for k in star if k != "__builtins__")
    state["utils_dir"] = dir(ember.utils)
    state["autograd_dir"] = [n for n in dir(ember.autograd) if not n.startswith("_")]
    print(json.dumps(state))
"""
# dir() loads every entry of a package's lazy table (including ones added after this test)
EVERYTHING = "import ember; dir(ember); dir(ember.utils); dir(ember.autograd)"


def test_namespace_same_as_eager_import():
    lazy = run_fresh(SNAPSHOT.format(preload=""))
    eager = run_fresh(SNAPSHOT.format(preload=EVERYTHING))
    for key in ("functions", "tensor", "star", "utils_dir", "autograd_dir"):
        assert lazy[key] == eager[key], key
    # dir() is the complete namespace; only the loader's own helpers differ in what is loaded
    assert set(lazy["dir"]) == set(eager["dir"])
    for name in ("nn", "optim", "save", "load", "conv2d", "layer_norm", "igamma", "fft"):
        assert name in lazy["star"] and name in lazy["dir"], name


def test_unpickle_module_in_fresh_process(tmp_path):
    # .pt files name classes by module path (ember.nn.modules.linear.Linear or torch.nn...):
    # unpickling must import them although `import ember` did not.
    path = tmp_path / "model.pt"
    run_fresh(f"""
        import json, ember
        ember.manual_seed(0)
        ember.save(ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.ReLU()), {str(path)!r})
        print(json.dumps(0))
    """)
    got = run_fresh(f"""
        import json, sys, ember
        assert "ember.nn" not in sys.modules
        m = ember.load({str(path)!r}, weights_only=False)
        print(json.dumps([type(m).__module__, list(m.state_dict()), m[0].weight.shape[1]]))
    """)
    assert got == ["ember.nn.modules.container", ["0.weight", "0.bias"], 3]


@pytest.mark.parametrize("statement", [
    "import torch; torch.nn.Linear", "import torch.nn as nn; nn.ReLU",
    "from torch.utils.data import DataLoader", "import torch; torch.optim.SGD; torch.utils.data.Dataset"])
def test_compat_alias_serves_lazy_packages(statement):
    got = run_fresh(f"""
        import json, ember.compat
        ember.compat.install()
        {statement}
        import torch
        print(json.dumps([torch.__name__, torch.nn.__name__]))
    """)
    assert got == ["ember", "ember.nn"]


def test_lazy_table_with_a_module_that_fails_to_import():
    # dir() and `import *` stay usable; using the name raises the import error itself
    from ember._lazy import attach
    namespace = {"__name__": "ember", "present": 1}
    getattr_, dir_ = attach(namespace, submodules={"broken": "._no_such_module", "lin": ".linalg"},
                            attributes={"inv": (".linalg", "inv")})
    assert dir_() == ["__name__", "broken", "inv", "lin", "present"]
    import ember.linalg
    assert namespace["lin"] is ember.linalg and namespace["inv"] is ember.linalg.inv
    with pytest.raises(ModuleNotFoundError, match="ember._no_such_module"):
        getattr_("broken")
    with pytest.raises(AttributeError, match="module 'ember' has no attribute 'other'"):
        getattr_("other")
