"""The app's files for its user (fragtui/tui/outputs.py) in a terminal: S writes the run so far
as `fragtui record` writes it, what-ifs included, in the working directory; at step 0 there is
nothing to record. (Served to a browser, both files arrive as downloads: test_serve.py,
test_browser.py.)"""

import subprocess
import sys
import threading
import time

from fragtui.sim.config.params import Params
from fragtui.tui.app import FragApp
from fragtui.tui.outputs import whole_writes


async def test_in_a_terminal_S_writes_the_run_so_far_as_record_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space", "space", "U")  # two steps and a what-if: 33 tokens a request
        await pilot.press("S")
        await app.outputs.making.wait()
        await pilot.pause()
        (note,) = app._notifications
    assert note.message == "saved fragtui-seed-steps-0-2.svg: 3 frames, steps 0 to 2"
    subprocess.run([sys.executable, "-m", "fragtui", "record", "--used-len", "33", "--to", "2", "--size", "120x40",
                    "-o", "command.svg"], check=True, capture_output=True)
    assert (tmp_path / "fragtui-seed-steps-0-2.svg").read_bytes() == (tmp_path / "command.svg").read_bytes()


async def test_a_long_run_is_recorded_as_a_time_lapse_at_the_apps_size_and_colours():
    app = FragApp(Params(arrivals=2000).validated(), start_step=1000, by_request=True)
    async with app.run_test(size=(100, 30)):
        argv = app.outputs.record_argv("out.svg")
    assert argv[3:] == ["record", "--arrivals", "2000", "--to", "1000", "--every", "5", "--size", "100x30",
                        "--color-mode", "request", "-o", "out.svg"]  # ⌈1000 / 239⌉ = 5: 201 frames, at most 240


async def test_at_step_0_there_is_nothing_to_record(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = FragApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("S")
        await pilot.pause()
        (note,) = app._notifications
    assert note.message == "at step 0 there is nothing to record yet: step on, then S records from step 0 to there"
    assert list(tmp_path.iterdir()) == []


def test_a_served_apps_packets_are_written_whole_whatever_the_threads():
    """Textual's web driver writes the screen and a file's chunks from two threads, each packet
    with one os.write, which may write part of it: under whole_writes every packet arrives whole
    and in one piece, though each write here takes at most 1,000 bytes and yields between."""
    pipe: list[bytes] = []

    def short_write(data: memoryview) -> int:
        time.sleep(0)  # (another thread may run here)
        pipe.append(bytes(data[:1000]))
        return min(len(data), 1000)

    write = whole_writes(short_write)
    packets = {name: name.encode() * 5000 for name in ("D", "P")}  # a screen update, a 5 KB chunk
    threads = [threading.Thread(target=lambda p=p: [write(p) for _ in range(20)]) for p in packets.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stream = b"".join(pipe)
    assert len(stream) == 2 * 20 * 5000
    assert [stream[i:i + 5000] in packets.values() for i in range(0, len(stream), 5000)] == [True] * 40
