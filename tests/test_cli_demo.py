"""`python -m ember demo | info | run`: the digits CNN demo (accuracy, a checkpoint real PyTorch
loads and predicts with, the figure, seeded reproducibility, the tqdm fallback), the environment
report, and an unmodified PyTorch example script run through the import alias."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

import ember
from ember._backend.blas_threads import blas_threads, get_blas_threads, openblas_libraries
from ember._demo import figure
from ember._demo.model import DigitsCNN
from ember.vision.datasets import Digits

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROW = re.compile(r"^\s+(\d+)\s+([\d.]+)\s+([\d.]+)%\s+([\d.]+)%\s+([\d.e+-]+)\s+([\d.]+)$", re.M)


def ember_cli(*args, code=None, timeout=300):
    """Run ``python -m ember ARGS`` (or ``code`` then ember.cli.main(ARGS)) in a fresh process."""
    cmd = ([sys.executable, "-c", code + "\nfrom ember.cli import main\nmain(sys.argv[1:])", *args]
           if code else [sys.executable, "-m", "ember", *args])
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def torch_digits_cnn():
    """DigitsCNN written in torch.nn, layer for layer."""
    tnn = torch.nn

    class DigitsCNN(tnn.Module):
        def __init__(self):
            super().__init__()
            self.features = tnn.Sequential(
                tnn.Conv2d(1, 32, 3, padding=1), tnn.BatchNorm2d(32), tnn.ReLU(),
                tnn.Conv2d(32, 32, 3, padding=1), tnn.BatchNorm2d(32), tnn.ReLU(), tnn.MaxPool2d(2),
                tnn.Conv2d(32, 64, 3, padding=1), tnn.BatchNorm2d(64), tnn.ReLU(), tnn.MaxPool2d(2))
            self.classifier = tnn.Sequential(
                tnn.Flatten(), tnn.Dropout(0.25), tnn.Linear(256, 128), tnn.ReLU(),
                tnn.Dropout(0.25), tnn.Linear(128, 10))

        def forward(self, x):
            return self.classifier(self.features(x))

    return DigitsCNN()


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory):
    """The demo as a user runs it: default epochs, device and seed."""
    out = tmp_path_factory.mktemp("demo")
    r = ember_cli("demo", "--out", str(out))
    return r, out


def test_demo_reaches_97_percent_and_prints_the_table(full_demo):
    r, out = full_demo
    rows = ROW.findall(r.stdout)
    assert [int(row[0]) for row in rows] == list(range(1, 11))
    assert "epoch  train loss  train acc  test acc        lr  seconds" in r.stdout
    final = re.search(r"final test accuracy: ([\d.]+)% \((\d+)/360 digits\) after 10 epochs", r.stdout)
    assert final, r.stdout
    assert float(final.group(1)) >= 97.0
    assert float(rows[-1][3]) == float(final.group(1))
    assert float(rows[-1][1]) < float(rows[0][1])          # the loss went down
    # the progress bar (stderr) shows loss and accuracy in its postfix
    assert re.search(r"epoch 10/10: .*loss=[\d.]+, acc=[\d.]+%", r.stderr)
    assert "epoch 1/10:   0%|          | 0/23 [" in r.stderr     # tqdm's total: len(DataLoader)
    assert os.path.getsize(out / "digits_cnn.png") > 10_000


def test_checkpoint_loads_in_pytorch_and_predicts_the_same(full_demo):
    r, out = full_demo
    checkpoint = torch.load(out / "digits_cnn.pt")           # weights_only=True, the default
    assert checkpoint["epoch"] == 10 and checkpoint["seed"] == 0
    model = torch_digits_cnn()
    model.load_state_dict(checkpoint["model"])
    model.eval()
    test = Digits(train=False)
    images = torch.from_numpy(test.data.numpy().astype(np.float32) / 16.0).unsqueeze(1)
    labels = torch.from_numpy(test.targets.numpy())
    with torch.no_grad():
        torch_logits = model(images)
    torch_accuracy = (torch_logits.argmax(1) == labels).float().mean().item()
    assert torch_accuracy == pytest.approx(checkpoint["test_accuracy"], abs=1e-6)
    assert f"final test accuracy: {torch_accuracy:.2%}" in r.stdout
    # ember reads the same file back into its own DigitsCNN and computes the same logits
    ours = DigitsCNN()
    ours.load_state_dict(ember.load(out / "digits_cnn.pt")["model"])
    ours.eval()
    with ember.no_grad():
        ember_logits = ours(ember.from_numpy(images.numpy()))
    np.testing.assert_allclose(ember_logits.numpy(), torch_logits.numpy(), rtol=1e-4, atol=1e-4)


def test_seeded_runs_give_identical_checkpoints(tmp_path, capsys):
    # in-process (the CLI path is covered above): the same seed twice, then another seed
    from ember._demo.train import train
    runs = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        result = train(epochs=1, device="cpu", out=str(tmp_path / name), seed=seed, max_batches=3,
                       plotter="pillow", log=lambda *a: None)
        runs[name] = open(result["checkpoint"], "rb").read()
        assert re.search(r"epoch 1/1: .*\| 0/3 \[", capsys.readouterr().err)   # total: len(loader), capped
    assert runs["a"] == runs["b"]
    assert runs["a"] != runs["c"]


def test_without_tqdm_prints_plain_epoch_lines(tmp_path):
    r = ember_cli("demo", "--epochs", "2", "--max-batches", "2", "--out", str(tmp_path),
                  "--plotter", "pillow", code="import sys\nsys.modules['tqdm'] = None")
    assert "tqdm is not installed" in r.stdout
    assert [int(row[0]) for row in ROW.findall(r.stdout)] == [1, 2]
    assert "batch/s" not in r.stderr


def test_demo_rejects_zero_epochs():
    r = subprocess.run([sys.executable, "-m", "ember", "demo", "--epochs", "0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--epochs must be at least 1" in r.stderr


def _history(epochs):
    return {"epoch": list(range(1, epochs + 1)), "train_loss": list(np.linspace(2, 0.5, epochs)),
            "train_acc": list(np.linspace(0.3, 0.99, epochs)),
            "test_acc": list(np.linspace(0.5, 0.98, epochs)), "lr": [1e-3] * epochs}


@pytest.mark.parametrize("backend", ["pillow", "matplotlib"])
@pytest.mark.parametrize("epochs", [1, 12])
def test_figure_backends_draw_curves_and_digits(tmp_path, backend, epochs):
    if backend == "matplotlib":
        pytest.importorskip("matplotlib")
    from PIL import Image
    test = Digits(train=False)
    labels = test.targets.numpy()
    predictions = labels.copy()
    predictions[:3] = (labels[:3] + 1) % 10                  # three mistakes, drawn in red
    path = tmp_path / "report.png"
    used = figure.save_report(path, _history(epochs), test.data.numpy() / 16.0, labels, predictions,
                              backend=backend)
    assert used == backend
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size == (1000, 800)
        pixels = np.asarray(im.convert("RGB")).astype(int)
    red = (pixels[..., 0] > 150) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    assert red.sum() > 50                                   # the wrong predictions' captions/frames
    assert (pixels.sum(-1) < 100).sum() > 2000              # dark digit ink


def test_figure_auto_backend_prefers_matplotlib(tmp_path):
    try:
        import matplotlib  # noqa: F401
        expected = "matplotlib"
    except ImportError:
        expected = "pillow"
    labels = np.arange(10)
    assert figure.save_report(tmp_path / "r.png", _history(2), np.zeros((10, 8, 8)), labels,
                              labels) == expected


def test_figure_auto_backend_without_either_library_skips(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "PIL", None)
    labels = np.arange(10)
    assert figure.save_report(tmp_path / "r.png", _history(2), np.zeros((10, 8, 8)), labels,
                              labels) is None
    assert not (tmp_path / "r.png").exists()


def test_pick_digits_puts_mistakes_first():
    labels = np.array([0, 1, 2, 3, 4, 5])
    predictions = np.array([0, 9, 2, 9, 4, 5])
    assert figure.pick_digits(labels, predictions, count=4).tolist() == [1, 3, 0, 2]
    assert figure.pick_digits(labels, predictions, count=2).tolist() == [1, 0]


def test_nice_ticks_cover_the_data():
    for low, high in [(23.0, 100.0), (0.51, 2.3), (2.0, 2.0), (0.96, 0.99)]:
        ticks = figure._nice_ticks(low, high)
        assert ticks[0] <= low and ticks[-1] >= high and len(ticks) >= 3


def test_blas_threads_sets_and_restores():
    if not openblas_libraries():
        pytest.skip("NumPy does not use OpenBLAS here")
    before = get_blas_threads()
    with blas_threads(1):
        assert get_blas_threads() == 1
    assert get_blas_threads() == before


def test_info_reports_versions_blas_and_devices():
    import numpy
    import PIL
    out = ember_cli("info").stdout
    assert f"ember version: {ember.__version__}" in out
    assert f"Python version: {sys.version.split()[0]}" in out
    assert f"NumPy version: {numpy.__version__}" in out
    assert f"Pillow version: {PIL.__version__}" in out
    assert re.search(r"^tqdm version: \S+", out, re.M)
    assert re.search(r"^CuPy version: ", out, re.M)
    assert re.search(r"^NumPy BLAS: \S+", out, re.M)
    if openblas_libraries():
        assert re.search(r"^OpenBLAS threads: \d+$", out, re.M)
    assert f"CUDA available: {ember.cuda.is_available()}" in out
    assert re.search(r"^Distributed backends: gloo (yes|no) .*mpi (yes|no) .*nccl (yes|no)", out, re.M)


def test_run_executes_a_pytorch_example_unchanged(monkeypatch, capsys):
    import runpy
    script = os.path.join(REPO, "examples", "alias_run.py")
    args = ["--steps", "60", "--lr", "0.2"]
    ours = ember_cli("run", script, *args).stdout.splitlines()
    # the same script on real PyTorch, in this process (torch is imported here already)
    monkeypatch.setattr(sys, "argv", [script, *args])
    runpy.run_path(script, run_name="__main__")
    theirs = capsys.readouterr().out.splitlines()
    assert ours[0] == "torch module: ember, __name__: __main__, argv: ['--steps', '60', '--lr', '0.2']"
    assert theirs[0] == ours[0].replace("module: ember", "module: torch")
    # same seed, same generator stream, same SGD: the fitted line agrees with PyTorch's
    numbers = [np.array(re.findall(r"-?\d+\.\d+", lines[1]), dtype=float) for lines in (ours, theirs)]
    np.testing.assert_allclose(numbers[0], numbers[1], atol=2e-4)
