"""Every console example in the README is run, and its output must be what the README shows.

A `console` block holds commands (`$ fragtui …`, pipes allowed) each followed by the output the
README promises; an example that shows no output must still succeed. Nothing is marked
variable today: every number printed is deterministic, so the comparison is exact.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"


def examples() -> list[tuple[str, str]]:
    """(command, expected output) for each `$ ` line of each console block."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", README.read_text(), flags=re.S):
        command, lines = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    found.append((command, "\n".join(lines)))
                command, lines = line[2:], []
            else:
                lines.append(line)
        if command is not None:
            found.append((command, "\n".join(lines)))
    return found


def test_the_readme_has_console_examples_to_check():
    assert len(examples()) >= 10


@pytest.mark.parametrize("command, expected", examples(), ids=[c[:60] for c, _ in examples()])
def test_a_readme_example_prints_what_the_readme_shows(command, expected, tmp_path):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "COLUMNS": "80", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert done.returncode in (0, 141), done.stderr  # (141: head closed the pipe, as in the README)
    if expected.strip():
        assert done.stdout.rstrip("\n") == expected.rstrip("\n")
