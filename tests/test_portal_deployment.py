"""The portal deployment kit: its files agree with each other and with the code,
and the installed ``portal`` console script serves /health."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from portal.settings import ENV_PREFIX, Settings

KIT = Path(__file__).resolve().parent.parent / "packaging" / "portal"


def _env_example() -> dict[str, str]:
    values = {}
    for line in (KIT / "portal.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def test_every_variable_of_the_template_is_a_valid_setting():
    env = _env_example()
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    assert set(env) <= known, set(env) - known
    settings = Settings.from_env(env)
    assert settings.smtp_port == 587 and settings.smtp_starttls is True
    assert settings.public_base_url.startswith("https://")


def test_unit_proxy_and_readme_agree():
    unit = (KIT / "portail-famille.service").read_text(encoding="utf-8")
    proxy = (KIT / "nginx-portail-famille.conf").read_text(encoding="utf-8")
    readme = (KIT / "README.md").read_text(encoding="utf-8")
    port = re.search(r"--port (\d+)", unit).group(1)
    assert f"proxy_pass http://127.0.0.1:{port};" in proxy
    assert "--host 127.0.0.1" in unit  # only the proxy faces the network
    env_file = re.search(r"EnvironmentFile=(\S+)", unit).group(1)
    assert env_file in readme
    assert "ssl_certificate " in proxy and "return 301 https://" in proxy
    assert "create-staff-token" in readme


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_installed_console_script_serves_health(tmp_path):
    script = Path(sys.executable).with_name("portal.exe" if os.name == "nt" else "portal")
    assert script.exists(), "le script « portal » n'est pas installé dans l'environnement"
    port = _free_port()
    env = {
        **os.environ,
        **_env_example(),
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "PORTAL_DATA_DIR": str(tmp_path),
    }
    process = subprocess.Popen(
        [str(script), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Generous: on a busy machine the start is slow, which is not what is tested here.
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/health", timeout=60)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "le portail n'a pas démarré en 60 s"
                time.sleep(0.2)
        assert answer.status_code == 200
        assert answer.json()["status"] == "ok"
    finally:
        process.terminate()
        process.wait(timeout=60)
        process.stdout.close()
