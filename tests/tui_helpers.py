"""Reading a running app the way a user reads the screen."""

import io

from rich.console import Console


def screen_text(app) -> str:
    """The whole screen as plain text, as a terminal would show it."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


def sidebar_rows(app) -> dict[str, list[str]]:
    """The sidebar's table: label -> a value per side."""
    text = str(app.query_one("#sidebar").content)
    sides = len(app.stage.sides)
    rows = {}
    blocks = text.split("\n\n")  # (a short sidebar puts a scenario's chart above the table)
    table = next((b for b in blocks if any(line.split()[:1] in (["admitted"], ["running"])
                                           for line in b.splitlines()[1:])), blocks[0])
    for line in table.splitlines()[1:]:  # the table, under its header line
        words = line.split()
        rows[" ".join(words[:-sides])] = words[-sides:]
    return rows


def sim_of(app):
    """The event simulation behind an app in event mode."""
    return app.stage.engine.sim
