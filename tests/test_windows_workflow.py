"""The Windows workflow cannot run here: check that what it calls exists (tasks.py's
command and its pytest options, build.py's steps, the installer's switches, the paths it
reads), and run build.py's signing step for real with a stand-in signing command."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "windows.yml").read_text("utf-8"))
STEPS = WORKFLOW["jobs"]["build"]["steps"]
RUNS = [step["run"] for step in STEPS if "run" in step]
BUILD = ROOT / "packaging" / "build.py"


def test_runs_on_windows_with_python_3_12_and_uploads_the_installer():
    job = WORKFLOW["jobs"]["build"]
    assert job["runs-on"] == "windows-latest"
    setup = next(s for s in STEPS if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "3.12"
    upload = next(s for s in STEPS if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "dist/PortailFamille-*-setup.exe"


def test_the_test_step_selects_markers_and_files_that_exist():
    (command,) = [r for r in RUNS if r.startswith("py tasks.py test")]
    args = shlex.split(command)[3:]
    markers = set(re.findall(r"[a-z_]+", args[args.index("-m") + 1])) - {"not", "and", "or"}
    declared = (ROOT / "pyproject.toml").read_text("utf-8")
    assert all(f'"{m}:' in declared for m in markers), markers
    # -k leaves out the PostgreSQL variants: the parameter id the fixtures give them.
    assert args[args.index("-k") + 1] == "not postgresql"
    conftest = (ROOT / "tests" / "conftest.py").read_text("utf-8")
    assert 'backends.append("postgresql")' in conftest
    ignored = [a.split("=", 1)[1] for a in args if a.startswith("--ignore=")]
    assert ignored and all((ROOT / path).is_file() for path in ignored)
    assert 'commands = {"run": run, "test": test}' in (ROOT / "tasks.py").read_text("utf-8")


def test_build_steps_named_by_the_workflow_exist():
    help_text = subprocess.run(
        [sys.executable, str(BUILD), "--help"], capture_output=True, text=True, check=True
    ).stdout
    for run in RUNS:
        for step in re.findall(r"packaging\\build\.py (\w+)", run):
            assert step in help_text, step


def test_the_install_and_self_test_steps_use_what_the_installer_makes():
    install = next(r for r in RUNS if "/VERYSILENT" in r)
    assert all(switch in install for switch in ("/ALLUSERS", "/SUPPRESSMSGBOXES", "/NORESTART"))
    iss = (ROOT / "packaging" / "installer.iss").read_text("utf-8")
    assert "OutputBaseFilename=PortailFamille-{#AppVersion}-setup" in iss
    assert r"DefaultDirName={autopf}\Portail Famille" in iss
    selftest = next(r for r in RUNS if "--self-test" in r)
    assert r"$env:ProgramFiles\Portail Famille" in selftest
    spec = (ROOT / "packaging" / "backoffice.spec").read_text("utf-8")
    assert 'name="backoffice-cli"' in spec and 'name="backoffice"' in spec


def test_sign_step_runs_the_configured_command_on_each_program(tmp_path):
    app = tmp_path / "dist" / "backoffice"
    app.mkdir(parents=True)
    for name in ("backoffice.exe", "backoffice-cli.exe"):
        (app / name).write_bytes(b"MZ")
    stamp = "import sys, pathlib; pathlib.Path(sys.argv[1] + '.signe').write_text('ok')"
    env = {**os.environ, "BACKOFFICE_SIGN_COMMAND": f'"{sys.executable}" -c "{stamp}" {{file}}'}
    result = subprocess.run(
        [sys.executable, str(BUILD), "sign", "--dist", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in app.glob("*.signe")) == [
        "backoffice-cli.exe.signe",
        "backoffice.exe.signe",
    ]


@pytest.mark.parametrize("command", ["", "signtool sign /a"])
def test_sign_step_without_a_usable_command(tmp_path, command):
    app = tmp_path / "dist" / "backoffice"
    app.mkdir(parents=True)
    (app / "backoffice.exe").write_bytes(b"MZ")
    env = {**os.environ, "BACKOFFICE_SIGN_COMMAND": command}
    result = subprocess.run(
        [sys.executable, str(BUILD), "sign", "--dist", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if command:
        assert result.returncode != 0 and "doit contenir {file}" in result.stderr
    else:
        assert result.returncode == 0 and "n'est pas signé" in result.stdout
