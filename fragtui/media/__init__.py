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
- `gif` — `write_gif`. Rendered with Pillow, an optional extra (`pip install 'fragtui[media]'`)
  so the core install stays lean: it is the maintained, ubiquitous imaging library for Python,
  its GIF writer already does what a terminal recording needs (a global palette, cropping each
  frame to what changed, transparency for unchanged pixels, per-frame durations, looping), and it
  has wheels for every platform. We rasterize the cells ourselves: backgrounds and block glyphs
  are pixel-exact rectangles, and text comes from a bitmap font shipped in the package (the
  public-domain X11 "misc-fixed" 7x14 and 7x14B, see `fonts/README.md`), so no system font is
  needed and every machine draws the same pixels.
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
