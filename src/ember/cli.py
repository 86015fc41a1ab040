"""``python -m ember demo | info | run SCRIPT [ARGS]``: the argument parser and dispatcher; the
programs themselves live in ember._demo, ember.utils.collect_env and ember.compat."""
import argparse
import runpy
import sys


def demo(ns):
    """Train a small CNN on the embedded digits (see ember._demo.train)."""
    from ._demo.train import train
    train(epochs=ns.epochs, device=ns.device, out=ns.out, seed=ns.seed,
          max_batches=ns.max_batches, plotter=ns.plotter)


def info():
    """Versions, BLAS, devices and backends (see ember.utils.collect_env)."""
    from .utils.collect_env import main as collect_env_main
    collect_env_main()


def run(script, args):
    """Run a PyTorch script with ``import torch`` served by ember."""
    from . import compat
    compat.install()
    sys.argv = [script] + list(args)
    runpy.run_path(script, run_name="__main__")


def _parser():
    parser = argparse.ArgumentParser(prog="python -m ember")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("demo", help="train a small CNN on the embedded 8x8 digits",
                       description="Train a small CNN on ember's embedded 8x8 digits; print a "
                       "per-epoch table; write a .pt checkpoint (loads in PyTorch) and a PNG.")
    p.add_argument("--epochs", type=int, default=10, help="training epochs (default 10)")
    p.add_argument("--device", default=None,
                   help="cpu or cuda[:N] (default: cuda when available, else cpu)")
    p.add_argument("--out", default="ember-demo",
                   help="folder for digits_cnn.pt and digits_cnn.png (default ./ember-demo)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    # for quick checks and tests: fewer batches per epoch, a chosen figure backend
    p.add_argument("--max-batches", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--plotter", choices=("auto", "matplotlib", "pillow"), default="auto",
                   help=argparse.SUPPRESS)
    sub.add_parser("info", help="versions, BLAS, devices and backends")
    p = sub.add_parser("run", help="run a PyTorch script on ember")
    p.add_argument("script")
    p.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv=None):
    ns = _parser().parse_args(argv)
    if ns.cmd == "demo":
        if ns.epochs < 1:
            _parser().error("--epochs must be at least 1")
        demo(ns)
    elif ns.cmd == "info":
        info()
    else:
        run(ns.script, ns.args)


if __name__ == "__main__":
    main()
