"""backoffice-cli speaks French, argparse's own words included."""

from __future__ import annotations

import subprocess
import sys

ENGLISH = ("usage:", "positional arguments", "show this help", "required:", "invalid choice")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backoffice.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_help_and_errors_are_french():
    help_text = _cli("--help")
    assert help_text.returncode == 0
    assert help_text.stdout.startswith("utilisation : backoffice-cli")
    assert "affiche cette aide et quitte" in help_text.stdout
    missing = _cli("invoices", "preview")
    assert missing.returncode == 2
    assert "Erreur : arguments obligatoires manquants : --regie, --period" in missing.stderr
    wrong = _cli("bogus")
    assert "choix invalide : 'bogus'" in wrong.stderr
    for out in (help_text.stdout, missing.stderr, wrong.stderr):
        assert not any(word in out for word in ENGLISH), out
