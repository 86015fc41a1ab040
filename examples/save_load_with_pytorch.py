"""Checkpoints travel both ways between ember and PyTorch: the .pt files are PyTorch's own.

    python examples/save_load_with_pytorch.py --steps 50

ember trains a small classifier on the embedded digits and saves a checkpoint (model and Adam
state_dicts) and a dict of tensors (views sharing storage included) with ``torch.save``. If
real PyTorch is installed, it loads both with ``torch.load(..., weights_only=True)`` into the
same architecture and checks that the outputs match; then both resume training from the
checkpoint, PyTorch saves, and ember loads that.
Without PyTorch the PyTorch half is skipped and only ember's own round trip runs.
"""
import argparse
import os
import tempfile

import ember as torch
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
        nn.Linear(64, 48, bias=False),  # BatchNorm's shift takes the bias's place
        nn.BatchNorm1d(48),  # buffers too: running_mean, running_var, num_batches_tracked (int64)
        nn.ReLU(),
        nn.Linear(48, 10),
    )


def make_optimizer(lib, model, lr):
    return lib.optim.Adam(model.parameters(), lr=lr)


def train(lib, model, optimizer, images, labels, steps):
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
    parser.add_argument("--resume-steps", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", default=None,
                        help="where to write the .pt files (default: a temporary folder)")
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

    # 1. ember trains and saves a checkpoint to resume from, and a dict of tensors
    model = build_model(torch.nn)
    optimizer = make_optimizer(torch, model, args.lr)
    loss = train(torch, model, optimizer, images, labels, args.steps)
    with torch.no_grad():
        logits = model(probe)
    weight = model[1].weight.detach()
    checkpoint_path = os.path.join(folder, "ember_checkpoint.pt")
    tensors_path = os.path.join(folder, "ember_tensors.pt")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": args.steps},
               checkpoint_path)
    torch.save({"probe": probe, "logits": logits, "weight_t": weight.t(), "row0": weight[0]}, tensors_path)
    print(f"ember: trained {args.steps} steps (loss {loss:.4f}), saved {sorted(model.state_dict())}")

    # 2. ember reads its own files back
    checkpoint = torch.load(checkpoint_path, weights_only=True)
    again = build_model(torch.nn)
    again.load_state_dict(checkpoint["model"])
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
    checkpoint = pytorch.load(checkpoint_path, weights_only=True)
    theirs = build_model(pytorch.nn)
    theirs.load_state_dict(checkpoint["model"])
    theirs.eval()
    loaded = pytorch.load(tensors_path, weights_only=True)
    shared = loaded["weight_t"].untyped_storage().data_ptr() == loaded["row0"].untyped_storage().data_ptr()
    print(f"PyTorch read {os.path.basename(tensors_path)}: weight_t stride {loaded['weight_t'].stride()}, "
          f"shares storage with row0: {shared}")
    with pytorch.no_grad():
        diff = max_diff(theirs(loaded["probe"]), loaded["logits"])
    print(f"ember -> PyTorch: max |logits difference| = {diff:.3g}")
    assert diff < 1e-5 and shared

    # 4. both resume training from the checkpoint (Adam's moments and step counts included)
    their_optimizer = make_optimizer(pytorch, theirs, args.lr)
    their_optimizer.load_state_dict(checkpoint["optimizer"])
    pt_images, pt_labels = pytorch.from_numpy(images.numpy()), pytorch.from_numpy(labels.numpy())
    pt_loss = train(pytorch, theirs, their_optimizer, pt_images, pt_labels, args.resume_steps)
    loss = train(torch, model, optimizer, images, labels, args.resume_steps)
    print(f"resumed {args.resume_steps} steps: loss in PyTorch {pt_loss:.4f}, in ember {loss:.4f}")

    # 5. PyTorch saves; ember loads that and agrees with both its own run and PyTorch's outputs
    torch_path = os.path.join(folder, "pytorch_checkpoint.pt")
    with pytorch.no_grad():
        pytorch.save({"model": theirs.state_dict(), "optimizer": their_optimizer.state_dict(),
                      "logits": theirs(loaded["probe"])}, torch_path)
    back = torch.load(torch_path, weights_only=True)
    with torch.no_grad():
        drift = max_diff(model(probe), back["logits"])
        model.load_state_dict(back["model"])
        diff = max_diff(model(probe), back["logits"])
    optimizer.load_state_dict(back["optimizer"])
    print(f"PyTorch -> ember: max |logits difference| = {diff:.3g} "
          f"(ember's own resumed run: {drift:.3g} from PyTorch's)")
    assert diff < 1e-5 and drift < 1e-3
    print(f"num_batches_tracked: {int(model[2].num_batches_tracked)}, "
          f"Adam step: {int(optimizer.state_dict()['state'][0]['step'])}")
    print("round trips ok")


if __name__ == "__main__":
    main()
