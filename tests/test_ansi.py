"""A recording's bytes leave exactly the frame on a terminal: drawn whole first, then only
what changed, however it is drawn (tests/terminal.py reads them)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from fragtui.media.ansi import ansi_update
from fragtui.media.frame import CellStyle, Frame
from terminal import Terminal, frame_looks

COLOURS = [(18, 18, 18), (86, 180, 233), (230, 159, 0), (224, 224, 224)]
styles = st.builds(CellStyle, st.sampled_from(COLOURS), st.sampled_from(COLOURS), st.booleans())
cells = st.tuples(st.sampled_from("▀▄█ ab7"), styles)


@st.composite
def frames(draw, width=12, height=4):
    rows = []
    for _ in range(height):
        row = draw(st.lists(cells, min_size=width, max_size=width))
        rows.append(tuple((char, style) for char, style in row))
    return Frame(width, height, tuple(rows))


@settings(max_examples=80, deadline=None)
@given(st.lists(frames(), min_size=1, max_size=5))
def test_each_update_leaves_the_frame_on_the_terminal(sequence):
    terminal = Terminal(12, 4)
    previous = None
    for frame in sequence:
        terminal.feed(ansi_update(frame, previous))
        assert terminal.looks() == frame_looks(frame)
        previous = frame


def test_an_unchanged_frame_sends_nothing_and_a_changed_cell_little():
    style = CellStyle((86, 180, 233), (18, 18, 18))
    before = Frame(40, 2, (((" " * 40, style),), ((" " * 40, style),)))
    after = Frame(40, 2, (((" " * 40, style),), ((" " * 20 + "x" + " " * 19, style),)))
    assert ansi_update(before, before) == ""
    sent = ansi_update(after, before)
    assert "\x1b[2;21H" in sent and sent.count("x") == 1 and len(sent) < 60
