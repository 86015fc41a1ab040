"""glibc malloc tuning at `import ember` (ember/_malloc_tuning.py) and its opt-out variable.

Each case runs in a fresh interpreter: mallopt settings are process-wide and set at import.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

try:
    IS_GLIBC = (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
except (AttributeError, ValueError):     # Windows / musl, macOS
    IS_GLIBC = False

# Import ember, then allocate, touch and free a 64 MiB block 10 times (after one warm-up) and
# count the page faults per round: a block mmapped afresh faults in all of its pages again
# (16384 of 4 KiB, or 32 of 2 MiB where NumPy gets transparent huge pages).
PROBE = """
    import json, resource
    import numpy as np
    import ember
    from ember import _malloc_tuning
    def rounds(n):
        start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(n):
            a = np.empty(16 << 20, np.float32)
            a.fill(1.0)
            del a
        return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start) / n
    rounds(1)
    print(json.dumps({"applied": _malloc_tuning.APPLIED, "faults": rounds(10),
                      "works": float(ember.ones(3).sum())}))
"""


def probe(setting):
    env = dict(os.environ)
    env.pop("EMBER_MALLOC_TUNING", None)
    if setting is not None:
        env["EMBER_MALLOC_TUNING"] = setting
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(PROBE)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("setting", ["0", "false", "off", "no"])
def test_opt_out_disables_the_call(setting):
    got = probe(setting)
    assert got["applied"] is None
    assert got["works"] == 3.0


@pytest.mark.parametrize("setting", [None, "1", "yes"])
def test_applied_by_default_on_glibc(setting):
    got = probe(setting)
    assert got["works"] == 3.0
    if not IS_GLIBC:
        assert got["applied"] is None     # a no-op elsewhere, without error
        return
    assert got["applied"] is not None and got["applied"].startswith("mallopt(M_MMAP_THRESHOLD=")
    assert got["applied"].endswith("M_TRIM_THRESHOLD=1073741824)")


@pytest.mark.skipif(not IS_GLIBC, reason="glibc malloc only")
def test_big_blocks_are_reused_instead_of_refaulted():
    tuned, stock = probe(None), probe("0")
    if "M_MMAP_THRESHOLD=1073741824" not in tuned["applied"]:
        pytest.skip("this glibc caps M_MMAP_THRESHOLD below the 64 MiB probe block")
    assert stock["faults"] >= 32          # mmapped and unmapped every round
    assert tuned["faults"] < 4            # the same heap memory every round


def test_no_op_without_glibc(monkeypatch):
    from ember import _malloc_tuning

    def confstr_like_musl(name):     # musl and macOS know no CS_GNU_LIBC_VERSION
        raise ValueError(f"unrecognized configuration name: {name}")

    monkeypatch.setattr(_malloc_tuning.os, "confstr", confstr_like_musl)
    assert _malloc_tuning._glibc_mallopt() is None
    monkeypatch.delattr(_malloc_tuning.os, "confstr")
    assert _malloc_tuning._glibc_mallopt() is None
