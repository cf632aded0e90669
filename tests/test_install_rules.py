"""The installer's upgrade rule: packaging/install_rules.py is what installer.iss declares,
it removes the old program files and keeps what decides where the data lives."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ISS = (ROOT / "packaging" / "installer.iss").read_text(encoding="utf-8")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "packaging" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rules = _load("install_rules")


def _section(name: str) -> str:
    found = re.search(rf"^\[{name}\]\n(.*?)(?=^\[|\Z)", ISS, re.M | re.S)
    assert found, f"section [{name}] absente de installer.iss"
    return f"[{name}]\n" + "".join(
        line + "\n" for line in found.group(1).splitlines() if line and not line.startswith(";")
    )


def test_the_iss_removes_exactly_what_the_python_rule_removes():
    assert _section("InstallDelete") == rules.iss_install_delete()
    assert 'Name: "{app}\\_internal"' in rules.iss_install_delete()


def test_the_uninstaller_keeps_the_flag_deciding_where_data_lives():
    flag = next(line for line in _section("Files").splitlines() if "portable.flag" in line)
    assert "uninsneveruninstall" in flag
    assert "[UninstallDelete]" not in ISS  # nothing beyond what was installed is removed
    portable = next(line for line in _section("Tasks").splitlines() if '"portable"' in line)
    assert "Check: not IsAdminInstallMode" in portable  # never under Program Files


def test_an_upgrade_clears_the_old_bundle_and_keeps_the_data(tmp_path):
    app = tmp_path / "Portail Famille"
    stale = app / "_internal" / "backoffice" / "migrations" / "versions" / "0005_ancien_nom.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("revision = '0005'\n")
    (app / "backoffice.exe").write_bytes(b"MZ")
    (app / "Backoffice-CLI.EXE").write_bytes(b"MZ")  # Windows names ignore case
    (app / "portable.flag").write_text("")
    (app / "data").mkdir()
    (app / "data" / "backoffice.sqlite3").write_bytes(b"SQLite format 3\0")

    removed = rules.apply_install_delete(app)

    assert sorted(p.name for p in removed) == ["Backoffice-CLI.EXE", "_internal", "backoffice.exe"]
    assert sorted(p.name for p in app.iterdir()) == ["data", "portable.flag"]
    assert (app / "data" / "backoffice.sqlite3").read_bytes() == b"SQLite format 3\0"


def test_linux_programs_without_suffix_follow_the_same_rule(tmp_path):
    for name in ("backoffice", "notes.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "backoffice-cli").symlink_to("backoffice")  # as packaging/build.py makes it
    rules.apply_install_delete(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
