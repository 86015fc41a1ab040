"""Checkpoints travel both ways between ember and PyTorch: the .pt files are PyTorch's own.

    python examples/save_load_with_pytorch.py --steps 50

ember trains a small classifier on the embedded digits and saves its state_dict and a dict of
tensors (views sharing storage included) with ``torch.save``. If real PyTorch is installed, it
loads both with ``torch.load(..., weights_only=True)`` into the same architecture and checks
that the outputs match; then PyTorch trains a little further and saves, and ember loads that.
Without PyTorch the PyTorch half is skipped and only ember's own round trip runs.
"""
import argparse
import os
import tempfile

import ember as torch
import ember.nn.functional as F
from ember.vision import datasets

try:  # real PyTorch, optional; under `python -m ember run` the name torch is ember itself
    import torch as pytorch
    if pytorch.__name__ != "torch":
        pytorch = None
except ImportError:
    pytorch = None


def build_model(nn):
    """The same architecture, written once, for whichever library's ``nn`` is passed in."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, 48),
        nn.BatchNorm1d(48),  # buffers too: running_mean, running_var, num_batches_tracked (int64)
        nn.ReLU(),
        nn.Linear(48, 10),
    )


def train(lib, model, images, labels, steps, lr):
    optimizer = lib.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    model.train()
    for _ in range(steps):
        loss = lib.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    return loss.item()


def max_diff(a, b):
    return float(abs(a - b).max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", default=None, help="where to write the .pt files (default: a temporary folder)")
    args = parser.parse_args()
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
        round_trips(args, args.dir)
    else:
        with tempfile.TemporaryDirectory(prefix="ember-pt-") as folder:
            round_trips(args, folder)


def round_trips(args, folder):
    torch.manual_seed(args.seed)
    digits = datasets.Digits(train=True)
    images = digits.data.float().div(16).unsqueeze(1)  # (N, 1, 8, 8)
    labels = digits.targets
    probe = images[:16]

    # 1. ember trains and saves
    model = build_model(torch.nn)
    loss = train(torch, model, images, labels, args.steps, args.lr)
    with torch.no_grad():
        logits = model(probe)
    weight = model[1].weight.detach()
    state_path = os.path.join(folder, "ember_state.pt")
    tensors_path = os.path.join(folder, "ember_tensors.pt")
    torch.save(model.state_dict(), state_path)
    torch.save({"probe": probe, "logits": logits, "weight_t": weight.t(), "row0": weight[0],
                "steps": args.steps}, tensors_path)
    print(f"ember: trained {args.steps} steps (loss {loss:.4f}), saved {sorted(model.state_dict())}")

    # 2. ember reads its own files back
    again = build_model(torch.nn)
    again.load_state_dict(torch.load(state_path, weights_only=True))
    again.eval()
    saved = torch.load(tensors_path, weights_only=True)
    with torch.no_grad():
        diff = max_diff(again(saved["probe"]), saved["logits"])
    print(f"ember -> ember: max |logits difference| = {diff:.3g}")
    assert diff == 0.0

    if pytorch is None:
        print("PyTorch is not installed (or `torch` is ember's alias here): the PyTorch half is skipped")
        print("round trips ok")
        return

    # 3. PyTorch loads what ember saved, into the same architecture written in torch.nn
    theirs = build_model(pytorch.nn)
    theirs.load_state_dict(pytorch.load(state_path, weights_only=True))
    theirs.eval()
    loaded = pytorch.load(tensors_path, weights_only=True)
    shared = loaded["weight_t"].untyped_storage().data_ptr() == loaded["row0"].untyped_storage().data_ptr()
    print(f"PyTorch read {os.path.basename(tensors_path)}: weight_t stride {loaded['weight_t'].stride()}, "
          f"shares storage with row0: {shared}")
    with pytorch.no_grad():
        diff = max_diff(theirs(loaded["probe"]), loaded["logits"])
    print(f"ember -> PyTorch: max |logits difference| = {diff:.3g}")
    assert diff < 1e-5 and shared

    # 4. PyTorch trains on a little and saves; ember loads that
    pt_images, pt_labels = pytorch.from_numpy(images.numpy()), pytorch.from_numpy(labels.numpy())
    pt_loss = train(pytorch, theirs, pt_images, pt_labels, 10, args.lr)
    torch_path = os.path.join(folder, "pytorch_state.pt")
    pytorch.save({"model": theirs.state_dict(), "logits": theirs(loaded["probe"]).detach()}, torch_path)
    back = torch.load(torch_path, weights_only=True)
    model.load_state_dict(back["model"])
    with torch.no_grad():
        diff = max_diff(model(probe), back["logits"])
    print(f"PyTorch -> ember: trained 10 more steps (loss {pt_loss:.4f}); max |logits difference| = {diff:.3g}")
    assert diff < 1e-5
    print(f"num_batches_tracked after both: {int(model[2].num_batches_tracked)}")
    print("round trips ok")


if __name__ == "__main__":
    main()
