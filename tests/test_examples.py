"""The programs in examples/ run, reach their results, and print what PyTorch prints.

Each example runs three ways, as a subprocess with small settings:

- as written (``import ember as torch``): exit code 0 and a result past a threshold;
- rewritten to ``import torch`` / ``torchvision`` and run through ``python -m ember run``: the
  alias must serve every name, and the output must be identical to the direct run;
- rewritten to ``import torch`` and run on real PyTorch (the embedded digits set fed in through
  a small shim, since torchvision has none): every printed number must agree within float
  tolerance, every printed word and sample exactly.
"""
import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# pytest -n 2 already keeps both cores busy: a BLAS thread pool per subprocess only thrashes.
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

# Small settings: a few seconds each, still long enough for the result line to mean something.
SETTINGS = {
    "mlp_digits.py": ["--epochs", "5", "--workers", "2"],  # worker processes, persistent
    "cnn_digits.py": ["--epochs", "2", "--train-size", "320"],
    "char_lstm.py": ["--steps", "40", "--seq-len", "32", "--sample-length", "40"],
    "tiny_gpt.py": ["--steps", "40", "--sample-length", "30"],
    "custom_function.py": ["--steps", "100"],
    "save_load_with_pytorch.py": ["--steps", "5", "--resume-steps", "5"],
}

# What real PyTorch gets instead of ember.vision.datasets.Digits: the same images and split,
# read from ember's data file (the path comes in DIGITS_FILE; the class mirrors ember's).
DIGITS_SHIM = '''
import os
import numpy as np
import torch


class Digits(torch.utils.data.Dataset):
    def __init__(self, root=None, train=None, transform=None):
        with np.load(os.environ["DIGITS_FILE"]) as f:
            images, targets = f["images"], f["targets"].astype(np.int64)
        if train is not None:
            part = slice(None, 1437) if train else slice(1437, None)
            images, targets = images[part], targets[part]
        self.data = torch.from_numpy(np.ascontiguousarray(images))
        self.targets = torch.from_numpy(np.ascontiguousarray(targets))
        self.transform = transform

    def __getitem__(self, index):
        img = (self.data[index].to(torch.float32) / 16.0).unsqueeze(0)
        if self.transform is not None:
            img = self.transform(img)
        return img, int(self.targets[index])

    def __len__(self):
        return len(self.data)
'''

# torchvision 0.28 is a CUDA build; beside CPU torch it imports with register_fake made a no-op
TORCHVISION_SHIM = '''
import torch
_register_fake = torch.library.register_fake
torch.library.register_fake = lambda *args, **kwargs: (lambda fn: fn)
from torchvision import transforms  # noqa: E402,F401
torch.library.register_fake = _register_fake
'''


def digits_file():
    import ember.vision.datasets.digits
    return ember.vision.datasets.digits._DATA_FILE


def to_torch_imports(source):
    """The example as a PyTorch user would write it: ``torch`` and ``torchvision`` imports."""
    source = re.sub(r"(?m)^import ember as torch$", "import torch", source)
    source = re.sub(r"(?m)^import ember\.", "import torch.", source)
    source = re.sub(r"(?m)^from ember\.vision import", "from torchvision import", source)
    source = re.sub(r"(?m)^from ember\.vision\.", "from torchvision.", source)
    source = re.sub(r"(?m)^from ember\.", "from torch.", source)
    assert not re.search(r"(?m)^\s*(import|from) ember", source), "an import the rewrite misses"
    return source


def to_real_pytorch(source):
    source = to_torch_imports(source)
    source = source.replace("from torchvision import datasets, transforms",
                            "import digits_shim as datasets\nfrom torchvision_shim import transforms")
    return source.replace("from torchvision import datasets", "import digits_shim as datasets")


def run(argv, cwd=None, extra_path=None):
    env = dict(ENV, DIGITS_FILE=digits_file())
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    r = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=300,
                       cwd=cwd, env=env)
    assert r.returncode == 0, f"{argv} failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return r.stdout


@functools.lru_cache(maxsize=None)  # the direct run is the reference of three tests
def run_example(name):
    return run([str(EXAMPLES / name), *SETTINGS[name]])


def run_alias(name, tmp_path):
    script = tmp_path / name
    script.write_text(to_torch_imports((EXAMPLES / name).read_text()))
    return run(["-m", "ember", "run", str(script), *SETTINGS[name]])


def run_pytorch(name, tmp_path):
    (tmp_path / "digits_shim.py").write_text(DIGITS_SHIM)
    (tmp_path / "torchvision_shim.py").write_text(TORCHVISION_SHIM)
    script = tmp_path / name
    script.write_text(to_real_pytorch((EXAMPLES / name).read_text()))
    return run([str(script), *SETTINGS[name]], extra_path=tmp_path)


def value(pattern, text):
    """The number captured by ``pattern`` in the last line that matches it."""
    found = re.findall(pattern, text)
    assert found, f"no line matching {pattern!r} in:\n{text}"
    return float(found[-1])


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def assert_same_printout(ours, theirs, rtol, atol):
    """Same lines with the same words; numbers equal within tolerance."""
    ours, theirs = ours.splitlines(), theirs.splitlines()
    assert len(ours) == len(theirs), (ours, theirs)
    for a, b in zip(ours, theirs):
        assert NUMBER.sub("#", a) == NUMBER.sub("#", b), (a, b)
        for x, y in zip(NUMBER.findall(a), NUMBER.findall(b)):
            assert abs(float(x) - float(y)) <= atol + rtol * abs(float(y)), (a, b)


def test_every_example_is_tested_and_listed():
    names = sorted(p.name for p in EXAMPLES.glob("*.py") if p.name != "alias_run.py")
    assert names == sorted(SETTINGS)
    readme = (EXAMPLES / "README.md").read_text()
    for name in names:
        assert f"python examples/{name}" in readme, name


def test_mlp_digits():
    out = run_example("mlp_digits.py")
    losses = [float(x) for x in re.findall(r"train loss (\d+\.\d+)", out)]
    assert len(losses) == 5 and losses[-1] < losses[0] / 4, out
    assert value(r"test accuracy: (\d+\.\d+)%", out) > 85, out


def test_cnn_digits():
    out = run_example("cnn_digits.py")
    assert "BatchNorm2d(8, eps=1e-05" in out
    losses = [float(x) for x in re.findall(r"train loss (\d+\.\d+)", out)]
    assert len(losses) == 2 and losses[1] < losses[0], out
    assert value(r"final test accuracy: (\d+\.\d+)%", out) > 60, out


def test_char_lstm():
    out = run_example("char_lstm.py")
    initial, final = value(r"initial loss (\d+\.\d+)", out), value(r"final loss (\d+\.\d+)", out)
    assert final < initial / 3, out
    sample = re.search(r"(?m)^sample: (.*)$", out).group(1)
    assert sample.startswith("the ") and len(sample) == 4 + 40, out


def test_tiny_gpt():
    out = run_example("tiny_gpt.py")
    assert "head tied to embedding: True" in out
    before = value(r"loss before training (\d+\.\d+)", out)
    after = value(r"loss after training (\d+\.\d+)", out)
    assert after < before - 1.0, out
    sample = re.search(r"(?m)^sample: (.*)$", out).group(1)
    assert sample.startswith("the model ") and len(sample) == 10 + 30, out


def test_custom_function():
    out = run_example("custom_function.py")
    assert "gradcheck(StableSoftplus): True" in out
    assert "grad: [0.0, 1.0, 2.0, 3.0, 4.0]" in out  # straight through
    assert value(r"test accuracy: (\d+\.\d+)%", out) > 85, out


def test_save_load_with_pytorch():
    pytest.importorskip("torch")
    out = run_example("save_load_with_pytorch.py")
    assert value(r"ember -> PyTorch: max \|logits difference\| = (\S+)", out) < 1e-5, out
    assert value(r"PyTorch -> ember: max \|logits difference\| = (\S+) ", out) < 1e-5, out
    assert value(r"ember's own resumed run: (\S+) from PyTorch's", out) < 1e-3, out
    pt_loss, our_loss = re.search(r"loss in PyTorch (\S+), in ember (\S+)", out).groups()
    assert pt_loss == our_loss, out
    assert "num_batches_tracked: 10, Adam step: 10" in out  # 5 steps, saved, 5 more resumed
    assert "shares storage with row0: True" in out
    assert out.rstrip().endswith("round trips ok")


@pytest.mark.parametrize("name", sorted(set(SETTINGS) - {"save_load_with_pytorch.py"}))
def test_runs_unchanged_under_the_torch_alias(name, tmp_path):
    assert run_alias(name, tmp_path) == run_example(name)


def test_save_load_under_the_torch_alias_skips_the_pytorch_half(tmp_path):
    out = run_alias("save_load_with_pytorch.py", tmp_path)
    assert "ember -> ember: max |logits difference| = 0" in out
    assert "the PyTorch half is skipped" in out and out.rstrip().endswith("round trips ok")


@pytest.mark.parametrize("name, rtol, atol", [
    ("mlp_digits.py", 1e-3, 1e-4),
    # float32 rounding in conv and batch-norm reductions differs from PyTorch's kernels; after a
    # few hundred SGD steps a test image near a decision boundary may flip (1/360 = 0.28%)
    ("cnn_digits.py", 1e-2, 1e-4),
    ("char_lstm.py", 1e-3, 1e-4),
    ("tiny_gpt.py", 1e-3, 1e-4),
    ("custom_function.py", 1e-3, 1e-4),
])
def test_prints_what_pytorch_prints(name, rtol, atol, tmp_path):
    pytest.importorskip("torch")
    assert_same_printout(run_example(name), run_pytorch(name, tmp_path), rtol, atol)
