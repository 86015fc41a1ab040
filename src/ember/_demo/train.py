"""The demo's training program: ``DigitsCNN`` on the embedded digits with a DataLoader, Adam and a
one-cycle learning-rate schedule; prints a per-epoch table and writes a checkpoint and a figure.

>>> from ember._demo.train import train
>>> result = train(epochs=1, out="ember-demo")    # doctest: +SKIP
"""
import itertools
import os
import time

import ember

from .. import nn
from .._backend.blas_threads import blas_threads
from ..utils.data import DataLoader
from ..vision import transforms
from ..vision.datasets import Digits
from . import figure
from .model import DigitsCNN

CHECKPOINT_NAME = "digits_cnn.pt"
FIGURE_NAME = "digits_cnn.png"
BATCH_SIZE = 64
MAX_LR = 1e-2
LABEL_SMOOTHING = 0.1

_HEADER = f"{'epoch':>5}  {'train loss':>10}  {'train acc':>9}  {'test acc':>8}  {'lr':>8}  {'seconds':>7}"


def default_device():
    """``"cuda"`` when ember sees a GPU, else ``"cpu"``.

    >>> default_device() in ("cpu", "cuda")
    True
    """
    return "cuda" if ember.cuda.is_available() else "cpu"


def _tqdm():
    try:
        from tqdm import tqdm
    except ImportError:    # a plain table row per epoch is still printed
        return None
    return tqdm


def _train_one_epoch(model, loader, steps, optimizer, scheduler, device, bar_label, tqdm):
    model.train()
    loss_sum, correct, seen = 0.0, 0, 0
    batches = itertools.islice(loader, steps)
    bar = None
    if tqdm is not None:
        batches = bar = tqdm(batches, total=steps, desc=bar_label, unit="batch", leave=False,
                             dynamic_ncols=True)
    for images, labels in batches:
        images, labels = images.to(device), labels.to(device)
        logits = model(images)
        loss = nn.functional.cross_entropy(logits, labels, label_smoothing=LABEL_SMOOTHING)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        lr = optimizer.param_groups[0]["lr"]
        scheduler.step()
        loss_sum += loss.item() * len(labels)
        correct += int((logits.argmax(1) == labels).sum())
        seen += len(labels)
        if bar is not None:
            bar.set_postfix({"loss": f"{loss_sum / seen:.4f}", "acc": f"{correct / seen:.1%}"})
    if bar is not None:
        bar.close()
    return loss_sum / seen, correct / seen, lr


@ember.no_grad()
def predict(model, loader, device):
    """The model's class predictions (int64, on the CPU) for every image of ``loader``."""
    model.eval()
    return ember.cat([model(images.to(device)).argmax(1).cpu() for images, _ in loader])


def _cpu_state_dict(model):
    state = model.state_dict()
    for name, tensor in state.items():
        state[name] = tensor.detach().cpu()
    return state


def train(epochs=10, device=None, out="ember-demo", seed=0, max_batches=None, plotter="auto",
          log=print):
    """Train ``DigitsCNN`` for ``epochs`` epochs and write ``out/digits_cnn.pt`` and
    ``out/digits_cnn.png``; returns a dict with the history, test accuracy and file paths.

    ``max_batches`` caps the batches per epoch (for quick checks); ``plotter`` is ``"auto"``,
    ``"matplotlib"`` or ``"pillow"``.
    """
    device = ember.device(device if device is not None else default_device())
    ember.manual_seed(seed)
    # RandomCrop with 1 pixel of padding shifts each training digit by up to a pixel: the last 360
    # digits (the test split) come from other writers, and the shifts carry over to them.
    train_set = Digits(train=True, transform=transforms.RandomCrop(8, padding=1))
    test_set = Digits(train=False)
    train_loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=len(test_set))
    steps = len(train_loader) if max_batches is None else min(len(train_loader), max_batches)

    model = DigitsCNN().to(device)
    optimizer = ember.optim.Adam(model.parameters(), lr=MAX_LR)
    scheduler = ember.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=MAX_LR,
                                                    total_steps=epochs * steps)
    tqdm = _tqdm()
    n_params = sum(p.numel() for p in model.parameters())
    log(f"ember {ember.__version__} demo: a {n_params:,}-parameter CNN learns {len(train_set):,} "
        f"8x8 digits and is tested on {len(test_set)} others (device {device}, seed {seed})")
    if tqdm is None:
        log("(tqdm is not installed: no progress bar, one line per epoch)")
    log(_HEADER)
    history = {"epoch": [], "train_loss": [], "train_acc": [], "test_acc": [], "lr": []}
    start = time.perf_counter()
    # NOTE: these GEMMs are small (64 images of 8x8): with more than one OpenBLAS thread they ran up
    # to 8x slower on a busy 2-core machine, and one thread also keeps seeded runs bit-identical.
    with blas_threads(1):
        for epoch in range(1, epochs + 1):
            epoch_start = time.perf_counter()
            train_loss, train_acc, lr = _train_one_epoch(model, train_loader, steps, optimizer,
                                                     scheduler, device, f"epoch {epoch}/{epochs}",
                                                     tqdm)
            predictions = predict(model, test_loader, device)
            test_acc = (predictions == test_set.targets).float().mean().item()
            for key, value in zip(history, (epoch, train_loss, train_acc, test_acc, lr)):
                history[key].append(value)
            log(f"{epoch:>5}  {train_loss:>10.4f}  {train_acc:>9.2%}  {test_acc:>8.2%}  {lr:>8.2e}  "
                f"{time.perf_counter() - epoch_start:>7.1f}")
    seconds = time.perf_counter() - start

    os.makedirs(out, exist_ok=True)
    checkpoint_path = os.path.join(out, CHECKPOINT_NAME)
    ember.save({"model": _cpu_state_dict(model), "epoch": epochs, "test_accuracy": test_acc,
                "seed": seed, "history": history}, checkpoint_path)
    figure_path = os.path.join(out, FIGURE_NAME)
    images = test_set.data.numpy() / 16.0
    used = figure.save_report(figure_path, history, images, test_set.targets.numpy(),
                              predictions.numpy(), backend=plotter)
    n_right = int((predictions == test_set.targets).sum())
    log(f"final test accuracy: {test_acc:.2%} ({n_right}/{len(test_set)} digits) after {epochs} "
        f"epoch{'s' if epochs != 1 else ''} in {seconds:.1f} s on {device}")
    log(f"checkpoint: {checkpoint_path}  (torch.load or ember.load; the weights are under 'model')")
    if used is None:
        figure_path = None
        log("figure:     skipped (install matplotlib or Pillow to get the PNG report)")
    else:
        log(f"figure:     {figure_path}  (drawn with {used})")
    return {"history": history, "test_accuracy": test_acc, "seconds": seconds,
            "checkpoint": checkpoint_path, "figure": figure_path}
