"""The look the app's dialogs share: centred, a rounded accent border on the surface colour."""

from __future__ import annotations


def modal_css(screen: str, box: str, height: str = "auto") -> str:
    """CSS for `screen` whose dialog is the widget `box` (a selector)."""
    return f"""
    {screen} {{ align: center middle; }}
    {screen} {box} {{
        width: 90%; max-width: 100; height: {height}; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }}
    """
