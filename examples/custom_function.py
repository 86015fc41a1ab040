"""Custom autograd Functions: a numerically stable softplus and a straight-through rounding.

    python examples/custom_function.py --steps 200

``StableSoftplus`` computes log(1 + exp(x)) without overflow and saves its input for the
backward pass; ``gradcheck`` compares its analytic gradient with finite differences (in
float64). ``RoundSTE`` rounds in the forward pass and lets the gradient through unchanged
(the straight-through estimator), which lets a network train with quantized activations.
"""
import argparse

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import Function, gradcheck


class StableSoftplus(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)


class RoundSTE(Function):
    @staticmethod
    def forward(ctx, x, levels):
        return torch.round(x * levels) / levels

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None  # straight through; no gradient for ``levels``


def softplus(x):
    return StableSoftplus.apply(x)


def quantize(x, levels=4):
    return RoundSTE.apply(x, levels)


class QuantizedMLP(nn.Module):
    """Hidden activations pass through softplus, then are rounded to quarter steps."""

    def __init__(self, dim_in=2, hidden=32, dim_out=2):
        super().__init__()
        self.fc1 = nn.Linear(dim_in, hidden)
        self.fc2 = nn.Linear(hidden, dim_out)

    def forward(self, x):
        return self.fc2(quantize(softplus(self.fc1(x))))


def two_moons(n, generator):
    """Two interleaved half circles with a little noise: a classic non-linear toy problem."""
    angle = torch.rand(n, generator=generator) * torch.pi
    label = torch.randint(0, 2, (n,), generator=generator)
    x = torch.where(label == 0, torch.cos(angle), 1 - torch.cos(angle))
    y = torch.where(label == 0, torch.sin(angle), 0.5 - torch.sin(angle))
    points = torch.stack([x, y], dim=1) + 0.1 * torch.randn(n, 2, generator=generator)
    return points, label


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)

    # 1. the custom backward agrees with finite differences, and the forward with F.softplus
    x = torch.randn(6, 5, dtype=torch.float64, requires_grad=True)
    print("gradcheck(StableSoftplus):", gradcheck(softplus, (x,), eps=1e-6, atol=1e-4))
    big = torch.tensor([-1000.0, -20.0, 0.0, 20.0, 1000.0])
    print("softplus at", big.tolist(), "->", softplus(big).tolist())
    assert torch.allclose(softplus(big), F.softplus(big)), "StableSoftplus disagrees with F.softplus"

    # 2. the straight-through estimator passes the upstream gradient unchanged
    w = torch.linspace(-1, 1, 5, requires_grad=True)
    quantize(w).mul(torch.arange(5.0)).sum().backward()
    print("RoundSTE forward:", quantize(w.detach()).tolist(), " grad:", w.grad.tolist())

    # 3. both inside a network trained end to end
    gen = torch.Generator().manual_seed(args.seed)
    train_x, train_y = two_moons(512, gen)
    test_x, test_y = two_moons(256, gen)
    model = QuantizedMLP()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for step in range(1, args.steps + 1):
        loss = F.cross_entropy(model(train_x), train_y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % max(1, args.steps // 4) == 0:
            print(f"step {step:4d}  loss {loss.item():.4f}")
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    print(f"test accuracy: {100 * accuracy:.2f}%")


if __name__ == "__main__":
    main()
