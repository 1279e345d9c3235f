"""Regenerate every screenshot the README shows: `python scripts/screenshots.py [OUT_DIR]`.

Each picture is `fragtui screenshot` of the real app, so after any UI change this one command
brings the README's pictures up to date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fragtui.cli import main

# file name -> the `fragtui screenshot` options that make it
SHOTS = {
    "seed-step-0.svg": ["--steps", "0"],
    "seed-step-64.svg": ["--steps", "64"],
    "external-frag-step-13.svg": ["--scenario", "external-frag", "--steps", "13"],
    "churn-by-request.svg": ["--scenario", "churn", "--steps", "250", "--color-mode", "request"],
    "block-size-chart.svg": ["--scenario", "block-size", "--steps", "64"],
    "paper-serving.svg": ["--scenario", "paper", "--steps", "300"],
    "prefix-cache-step-49.svg": ["--scenario", "prefix-cache", "--steps", "49"],
    "help.svg": ["--press", "question_mark", "--size", "120x40"],
}


def make(out_dir: Path, names: list[str] | None = None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names or SHOTS:
        status = main(["screenshot", *SHOTS[name], "-o", str(out_dir / name)])
        if status:
            raise SystemExit(status)


if __name__ == "__main__":
    make(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "screenshots")
