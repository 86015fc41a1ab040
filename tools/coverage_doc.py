"""Write docs/coverage.md: how much of PyTorch's API ember has, from the shared checker.

    python tools/coverage_doc.py [--api ../shared/api] [--out docs/coverage.md]

Runs ``coverage.py --tier N --json`` for tiers 1-3 (existence of names only; the tests say
whether they behave like PyTorch) and renders the totals, the per-module counts of tier 3 and
the tier-3 names still missing.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIER_NAMES = {1: "the seed notes", 2: "what popular projects use", 3: "the public surface"}


def run_tier(api_dir, tier):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cov.json")
        subprocess.run([sys.executable, os.path.join(api_dir, "coverage.py"), "--tier", str(tier),
                        "--json", path], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        with open(path) as f:
            return json.load(f)


def render(results):
    today = datetime.date.today().isoformat()
    lines = ["# API coverage", "",
             f"Generated on {today} by `python tools/coverage_doc.py` from the shared checker "
             "`../shared/api/coverage.py`. It counts names that exist in ember; whether they "
             "behave like PyTorch is what the test suite checks.", "",
             "| tier | what it lists | present | total | percent |",
             "|---|---|---:|---:|---:|"]
    for tier, r in sorted(results.items()):
        lines.append(f"| {tier} | {TIER_NAMES[tier]} | {r['present']} | {r['total']} | "
                     f"{r['percent']:.1f}% |")
    top = results[max(results)]
    lines += ["", f"## Tier {max(results)} by module", "",
              "| module | present | total |", "|---|---:|---:|"]
    for mod, c in sorted(top["modules"].items()):
        lines.append(f"| `{mod}` | {c['present']} | {c['total']} |")
    lines += ["", f"## Missing from tier {max(results)} ({len(top['missing'])} names)", "",
              "Mostly TorchScript internals, quantization, sparse layouts and accelerator-"
              "specific kernels.", ""]
    lines += [f"- `{name.replace('torch', 'ember', 1)}`" for name in top["missing"]]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--api", default=os.path.join(ROOT, "..", "shared", "api"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "coverage.md"))
    args = ap.parse_args()
    results = {tier: run_tier(args.api, tier) for tier in (1, 2, 3)}
    with open(args.out, "w") as f:
        f.write(render(results))
    for tier, r in sorted(results.items()):
        print(f"tier {tier}: {r['present']}/{r['total']} ({r['percent']:.1f}%)")


if __name__ == "__main__":
    main()
