"""``python -m ember demo | run SCRIPT [ARGS] | info``."""
import argparse
import runpy
import sys


DEMO = '''\
import ember as torch

print("ember", torch.__version__, "- PyTorch's programming model on NumPy")
x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
print("x =", x)
y = x * x + 2 * x
print("y = x * x + 2 * x =", y)
loss = y.sum()
loss.backward()
print("d(sum y)/dx = 2x + 2 =", x.grad)
print("views share storage:", x.detach().t().stride(), x.detach().t().is_contiguous())
print("promotion like PyTorch: int64 tensor * 0.5 ->", (torch.arange(3) * 0.5).dtype)
'''


def demo():
    """A short tour of tensors and autograd."""
    exec(compile(DEMO, "<ember demo>", "exec"), {"__name__": "__main__"})


def info():
    import numpy
    import ember
    print(f"ember {ember.__version__}")
    print(f"numpy {numpy.__version__}")
    print(f"cuda available: {ember.cuda.is_available()} (devices: {ember.cuda.device_count()})")


def run(script, args):
    """Run a PyTorch script with ``import torch`` served by ember."""
    from . import compat
    compat.install()
    sys.argv = [script] + list(args)
    runpy.run_path(script, run_name="__main__")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ember")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("demo", help="a short tour of tensors and autograd")
    sub.add_parser("info", help="versions and available devices")
    p = sub.add_parser("run", help="run a PyTorch script on ember")
    p.add_argument("script")
    p.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args(argv)
    if ns.cmd == "demo":
        demo()
    elif ns.cmd == "info":
        info()
    else:
        run(ns.script, ns.args)


if __name__ == "__main__":
    main()
