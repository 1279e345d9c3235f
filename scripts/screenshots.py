"""Regenerate every picture the README shows: `python scripts/screenshots.py [OUT_DIR]`.

Each still is `fragtui screenshot` of the real app and each animation `fragtui record`, all
SVG drawn by fragtui.media (no web font, no script), so they render the same anywhere, with no
network; after any UI change this one command brings the README's pictures up to date, byte
for byte the same from the same code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fragtui.cli import main

# file name -> the `fragtui record` options that make it (the README opens with the first)
RECORDINGS = {
    "seed-animation.svg": ["--clean", "--script", str(Path(__file__).resolve().parent.parent / "demos" / "seed.tape")],
}
# file name -> the `fragtui screenshot` options that make it
SHOTS = {
    "seed-step-0.svg": ["--steps", "0"],
    "external-frag-step-13.svg": ["--scenario", "external-frag", "--at", "next-fragmented"],
    "churn-by-request.svg": ["--scenario", "churn", "--steps", "250", "--color-mode", "request"],
    "block-size-chart.svg": ["--scenario", "block-size", "--steps", "64"],
    "paper-serving.svg": ["--scenario", "paper", "--steps", "900"],
    "placements.svg": ["--scenario", "placements", "--steps", "250"],
    "prefix-cache-step-49.svg": ["--scenario", "prefix-cache", "--steps", "49"],
    "help.svg": ["--press", "question_mark", "--size", "120x40"],
    "mooncake-capacity.svg": ["--scenario", "mooncake-chat", "--at", "end", "--press", "y,y,y"],
    "vattention-page-size.svg": ["--scenario", "page-size", "--steps", "1200"],
    "vattention-retained.svg": ["--scenario", "page-size", "--at", "end", "--sides",
                                "vattention:page_size=64KiB:slots=128,vattention:page_size=64KiB:slots=128:space=virtual"],
}


def make(out_dir: Path, names: list[str] | None = None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names or [*RECORDINGS, *SHOTS]:
        command = ["record", *RECORDINGS[name]] if name in RECORDINGS else ["screenshot", *SHOTS[name]]
        status = main([*command, "-o", str(out_dir / name)])
        if status:
            raise SystemExit(status)


if __name__ == "__main__":
    make(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "screenshots")
