"""The model must stay importable without the UI (DESIGN §8)."""

import subprocess
import sys


def test_the_model_imports_neither_textual_nor_rich():
    code = (
        "import sys, fragtui.sim, fragtui.lab\n"
        "import fragtui.sim.simulation, fragtui.sim.snapshot, fragtui.sim.workloads\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'rich'})\n"
        "print(bad)\n"
        "raise SystemExit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
