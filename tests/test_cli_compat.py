"""The command line (`python -m ember ...`) and the opt-in `torch` import alias."""
import subprocess
import sys
import textwrap


def run_py(code, *args, cwd=None):
    return subprocess.run([sys.executable, *args, "-c", textwrap.dedent(code)] if code else
                          [sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_info_runs():
    r = subprocess.run([sys.executable, "-m", "ember", "info"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "CUDA available" in r.stdout


def test_run_serves_torch_from_ember(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import sys
        import torch
        import torch.nn
        from torch import autograd
        print(torch.__name__, torch.nn.__name__, autograd.__name__)
        print(torch.tensor([1, 2]) * 2)
        print(sys.argv[1:])
    """))
    r = subprocess.run([sys.executable, "-m", "ember", "run", str(script), "--x", "1"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "ember ember.nn ember.autograd"
    assert lines[1] == "tensor([2, 4])"
    assert lines[2] == "['--x', '1']"


def test_install_is_opt_in_and_gives_same_modules():
    r = run_py("""
        import ember
        import torch
        print(torch.__name__)             # real torch: importing ember aliases nothing
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "torch"
    r = run_py("""
        import ember, ember.compat
        ember.compat.install()
        import torch, torch.nn, torch.autograd
        from torch import nn
        assert torch is ember and torch.nn is ember.nn and nn is ember.nn
        assert torch.autograd is ember.autograd
        x = torch.ones(2, requires_grad=True)
        (x * 3).sum().backward()
        print(x.grad)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "tensor([3., 3.])"


def test_install_refuses_after_real_torch_import():
    r = run_py("""
        import torch
        import ember.compat
        try:
            ember.compat.install()
        except RuntimeError as e:
            print("refused")
    """)
    assert r.stdout.strip() == "refused", r.stderr
