"""Terminal frames as pictures for slides and pages: static SVG, animated SVG, GIF.

The pieces:

- `frame` — the model. A `Frame` is width × height cells, each a character and a `CellStyle`
  (foreground and background as truecolor RGB, bold/italic/underline/strike). `frame_from_app`
  reads what a running Textual app shows (the compositor's strips: Rich segments) and resolves
  every colour once, applying `reverse` and `dim`, so renderers need no Rich. Frames are
  immutable and compare by value, so repeated frames are merged (`merge_repeats`).
- `glyphs` / `layout` — block, shade and box-drawing characters as geometry, and a row of
  cells as merged primitives (background runs, rectangles, text runs), shared by both renderers.
- `svg` — `svg_frame` and `svg_animation`: no web font, no script, no external reference of
  any kind. Geometry is drawn as paths; other text is `<text>` in the generic monospace family
  with `textLength` so each run fills exactly its cells in whatever font the viewer has. The
  animation is CSS keyframes over per-frame overlays of only the changed cells, so it plays in
  a browser and as an `<img>` on a repository page.
- `reel` — `Reel`: frames kept as a recording makes them, each costing what it changed, for
  the renderers that need them all at once. `ansi` — frames as the bytes a terminal is sent
  (the changed rows), for asciicasts.
- `gif` — `write_gif` / `gif_bytes`. Encoded with Pillow, an optional extra
  (`pip install 'fragtui[media]'`) so the core install stays lean; without it, GIF output fails
  with one line naming the extra. Pillow because it is the maintained, ubiquitous imaging
  library for Python, with wheels for every platform, and its GIF encoder (LZW, palettes,
  graphic control blocks) is all a recording needs; the rest is done here so the output does
  not depend on Pillow's heuristics: cells rasterized as pixel-exact rectangles (backgrounds,
  block glyphs, box lines) and text in a bitmap font shipped in the package (the public-domain
  X11 "misc-fixed" 7x14 and 7x14B, see `fonts/README.md`), so no system font is needed and every
  machine draws the same pixels; one global palette; each frame stored as the box around what
  changed, unchanged pixels transparent; frames encoded one at a time, so memory stays flat.

Measured on the seed (65 frames at 160×50): `frame_from_app` ~3 ms a frame; animated SVG
~190 KB; GIF 1120×700 ~150 KB in about half a second.
"""

from fragtui.media.frame import (
    Cell,
    CellStyle,
    Frame,
    add_caption,
    frame_from_app,
    frame_from_lines,
    frame_from_text,
    merge_repeats,
)
from fragtui.media.gif import gif_bytes, write_gif
from fragtui.media.svg import svg_animation, svg_frame

__all__ = [
    "Cell",
    "CellStyle",
    "Frame",
    "add_caption",
    "frame_from_app",
    "frame_from_lines",
    "frame_from_text",
    "gif_bytes",
    "merge_repeats",
    "svg_animation",
    "svg_frame",
    "write_gif",
]
