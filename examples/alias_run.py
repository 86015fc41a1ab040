"""A plain PyTorch script, run unchanged on ember:

    python -m ember run examples/alias_run.py --steps 200 --lr 0.1

`python -m ember run` serves `import torch` from ember, passes the arguments on in sys.argv and
runs the script as __main__, as `python examples/alias_run.py ...` would with PyTorch installed.
The script fits a line to noisy points with nn.Linear and SGD and prints what it learned.
"""
import argparse
import sys

import torch
from torch import nn


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()
    print(f"torch module: {torch.__name__}, __name__: {__name__}, argv: {sys.argv[1:]}")

    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 64).unsqueeze(1)
    y = 3 * x - 0.5 + 0.1 * torch.randn(64, 1)
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    for step in range(args.steps):
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"after {args.steps} steps: loss {loss.item():.6f}, weight {model.weight.item():.4f}, "
          f"bias {model.bias.item():.4f}")


if __name__ == "__main__":
    main()
