"""The shape of the package: the model and the view stay pure, and data flows one way.

sim (the model) ← view (pictures and words) ← tui (the Textual app). The report modules are
words beside the view. Neither sim nor view nor the reports import Textual or Rich, so the
model and everything it says can be used, and tested, without a terminal.
"""

import ast
import subprocess
import sys
from pathlib import Path

import fragtui

PACKAGE = Path(fragtui.__file__).parent
PURE = ["fragtui.sim", "fragtui.view", "fragtui.report", "fragtui.lab"]
# What each layer may import from this package.
ALLOWED = {
    "fragtui.sim": ("fragtui.sim",),
    "fragtui.view": ("fragtui.sim", "fragtui.view"),
    "fragtui.report": ("fragtui.sim", "fragtui.view", "fragtui.lab", "fragtui.report"),
    "fragtui.lab": ("fragtui.sim",),
}


def modules(prefix: str) -> list[str]:
    """Every module under a package (or the module itself)."""
    path = PACKAGE / prefix.split(".", 1)[1].replace(".", "/")
    if path.is_dir():
        found = []
        for file in sorted(path.rglob("*.py")):
            parts = file.relative_to(path).with_suffix("").parts
            found.append(".".join((prefix, *parts[:-1])) if parts[-1] == "__init__" else ".".join((prefix, *parts)))
        return found
    return [prefix]


def fragtui_imports(module: str) -> set[str]:
    relative = module.split(".", 1)[1].replace(".", "/")
    path = PACKAGE / (relative + "/__init__.py" if (PACKAGE / relative).is_dir() else relative + ".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fragtui"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("fragtui"))
    return found


def test_the_pure_layers_import_neither_textual_nor_rich():
    names = [name for prefix in PURE for name in modules(prefix)]
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'rich'})\n"
        "print(bad)\n"
        "raise SystemExit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(names) > 30  # the walk found the modules


def test_data_flows_one_way():
    for layer, allowed in ALLOWED.items():
        for module in modules(layer):
            for target in fragtui_imports(module):
                assert target.startswith(allowed), f"{module} imports {target}"
