"""What the non-interactive commands print, as text, JSON or CSV, a column (or a member, or a
record) per side: a run (runs.py, either mode), the papers' figures beside ours (paper.py), and
sweeps (sweeps.py), laid out one way (tables.py)."""
