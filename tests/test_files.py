"""Output files are never lost: written beside the target and renamed over it; every failure is
one line (exit status 2 on the command line) and the old file stays as it was."""

import errno
import os

import pytest

from fragtui import files
from fragtui.cli import main
from fragtui.files import write_text
from fragtui.sim.errors import FragtuiError


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_new_file_gets_the_umask_mode_and_an_old_one_keeps_its_mode(tmp_path):
    new = tmp_path / "new.svg"
    write_text(str(new), "fresh")
    umask = os.umask(0)
    os.umask(umask)
    assert new.read_text() == "fresh" and new.stat().st_mode & 0o777 == 0o666 & ~umask
    old = tmp_path / "old.svg"
    old.write_text("before")
    old.chmod(0o640)
    write_text(str(old), "after")
    assert old.read_text() == "after" and old.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []


def test_a_symlink_to_a_file_is_followed(tmp_path):
    target = tmp_path / "target.svg"
    target.write_text("before")
    (tmp_path / "link.svg").symlink_to(target)
    write_text(str(tmp_path / "link.svg"), "after")
    assert (tmp_path / "link.svg").is_symlink() and target.read_text() == "after"


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, where):
    old = tmp_path / "shot.svg"
    old.write_text("the old picture")

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, where, full)
    with pytest.raises(FragtuiError) as error:
        write_text(str(old), "x" * 100_000)
    assert str(error.value) == f"-o {old}: cannot write: No space left on device"
    assert old.read_text() == "the old picture" and leftovers(tmp_path) == []


def test_bytes_are_written_the_same_way(tmp_path):
    old = tmp_path / "demo.gif"
    old.write_bytes(b"GIF89a old")
    files.write_bytes(str(old), b"GIF89a new\x00\xff")
    assert old.read_bytes() == b"GIF89a new\x00\xff" and leftovers(tmp_path) == []


def test_an_error_while_writing_removes_the_temporary(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with files.atomic_writer(str(tmp_path / "x.cast")) as f:
            f.write("half")
            1 / 0
    assert list(tmp_path.iterdir()) == []


def test_refused_targets(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "plain").write_text("x")
    os.mkfifo(tmp_path / "fifo")
    cases = {
        str(tmp_path / "a"): "cannot write: Too many levels of symbolic links",
        str(tmp_path / "plain" / "x.svg"): "cannot write: Not a directory",
        str(tmp_path / "no" / "x.svg"): f"no such directory {tmp_path / 'no'}",
        str(tmp_path): "is a directory; give the name of a file to write",
        str(tmp_path / "fifo"): "is a FIFO; give the name of a file to write",
        "/dev/full": "is a device; give the name of a file to write",
    }
    for path, problem in cases.items():
        with pytest.raises(FragtuiError) as error:
            write_text(path, "x")
        assert str(error.value) == f"-o {path}: {problem}"
    assert (tmp_path / "plain").read_text() == "x"


@pytest.mark.parametrize("output, problem", [
    ("/dev/full", "-o /dev/full: is a device"),
    ("loop", "-o loop: cannot write: Too many levels of symbolic links"),
    ("", "-o '': must name a file"),
    ("no/such/x.svg", "-o no/such/x.svg: no such directory"),
    ("\x1b]0;owned\x07.svg/x", "-o \\x1b]0;owned\\x07.svg/x: no such directory"),
])
@pytest.mark.parametrize("command", ["screenshot", "record"])
def test_the_commands_refuse_before_the_work(tmp_path, monkeypatch, capsys, command, output, problem):
    monkeypatch.chdir(tmp_path)
    os.symlink("loop", "loop")
    assert main([command, "-o", output]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"fragtui: {problem}") and err.count("\n") == 1
