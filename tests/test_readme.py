"""The README opens with the two commands, and tasks.py knows them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_starts_with_exactly_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```\n(.*?)```", text, re.S).group(1)
    assert first_block.strip().splitlines() == ["python3 tasks.py run", "python3 tasks.py test"]
    assert text.index("```") < 80  # nothing long before them


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 tasks.py test" in ci and "CI=true" in ci


def test_tasks_rejects_unknown_commands_with_its_usage():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tasks.py"), "nope"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "python3 tasks.py run" in result.stdout
