"""The PyInstaller build must not rot: build it, run its --self-test, and check that the
trimming of packaging/backoffice.spec left out nothing the app uses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "BACKOFFICE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
LINUX = sys.platform.startswith("linux")
SIZE_BUDGET_MO = 160  # issue #22 (#8 had 150): the Linux onedir build, ICU included

# Not in the build although libraries try them when present: Mako's optional syntax
# highlighting, keyring's Linux Secret Service backend (packaging/backoffice.spec), and
# the deprecated-API shims shiboken's signature loader tries (PyInstaller's PySide6 hooks
# leave them out; none concerns QtCore/QtGui/QtWidgets). The check below runs the app's
# code paths with them unavailable, as in the build.
ABSENT_ON_PURPOSE = ("pygments", "secretstorage", "cryptography", "PySide6.support")

pytestmark = pytest.mark.frozen

# Run with the project's interpreter: imports the back-office modules of the frozen build,
# walks the code paths that load modules or data lazily, then prints what got loaded.
EXERCISE = r'''
import importlib, json, os, sys, sysconfig
from datetime import date
from decimal import Decimal
from pathlib import Path

tmp = Path.cwd()  # the test's tmp_path
os.environ["BACKOFFICE_DATA_DIR"] = str(tmp / "data")
os.environ["LANGUAGE"] = "fr"  # gettext catalogues (holidays) as on the agents' desktops
bundle = set(json.loads(Path(sys.argv[1]).read_text()))  # module names of the frozen build
frozen = {n for n in bundle if n.split(".")[0] == "backoffice"}
absent = tuple(json.loads(sys.argv[3]))  # left out of the build on purpose: absent here too


class LeftOut:
    def find_spec(self, name, path=None, target=None):
        if any(name == a or name.startswith(a + ".") for a in absent):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


sys.meta_path.insert(0, LeftOut())
site = [Path(sysconfig.get_paths()[k]).resolve() for k in ("purelib", "platlib")]
opened = set()


def audit(event, args):
    if event == "open" and isinstance(args[0], str):
        path = Path(args[0])
        if path.suffix not in (".py", ".pyc", ".so", ".pyd") and any(p in path.parents for p in site):
            opened.add(str(path))


sys.addaudithook(audit)
before = set(sys.modules)
for name in sorted(frozen):
    importlib.import_module(name)

import logging
import sqlalchemy
from backoffice import logs, storage
from backoffice.services.database import open_database

logs.setup_logging(logging.INFO)
logs.shutdown_logging()
db = open_database(f"sqlite:///{tmp / 'base.sqlite3'}")  # Alembic migrations
assert storage.current_revision(db.engine) == storage.head_revision()
db.dispose()
engine = sqlalchemy.create_engine(sys.argv[2], connect_args={"connect_timeout": 3})
try:
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text("select 1"))
except sqlalchemy.exc.OperationalError:
    pass  # the driver and the dialect are loaded either way
engine.dispose()

import keyring
keyring.get_keyring()

if frozen & {"backoffice.documents.deposit_slip_pdf", "backoffice.documents.invoice_pdf"}:
    # Logos in PNG and JPEG: reportlab reads them through Pillow.
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    from backoffice.paths import resource

    jpeg = tmp / "logo.jpg"
    Image.new("RGB", (80, 40), "navy").save(jpeg)
    pdf = canvas.Canvas(str(tmp / "logos.pdf"), pagesize=A4)
    for y, logo in ((700, resource("icons", "app.png")), (600, jpeg)):
        pdf.drawImage(str(logo), 72, y, width=80, height=40, preserveAspectRatio=True, mask="auto")
    pdf.save()

if "backoffice.documents.deposit_slip_pdf" in frozen:
    from backoffice.documents.deposit_slip_pdf import DepositCheque, DepositSlip, render_deposit_slip
    from backoffice.documents.invoice_data import Issuer

    issuer = Issuer(name="Communauté de communes", logo_path=str(tmp / "logo.jpg"))
    cheque = DepositCheque("Léa Bérénice", "Crédit Agricole", "1234567", Decimal("12.50"))
    render_deposit_slip(DepositSlip(issuer, "Régie ALSH", date(2026, 11, 27), (cheque,)),
                        tmp / "bordereau.pdf")

if "backoffice.services.common.validation" in frozen:
    from backoffice.services.common.validation import format_phone, normalise_email

    assert format_phone("02.43.94.00.00") == "02 43 94 00 00"
    assert format_phone("0692 12 34 56") and format_phone("+32 2 555 12 12").startswith("+32")
    for bad in ("12", "abc"):
        try:
            format_phone(bad)
        except ValueError:
            pass
    assert normalise_email("Lea.Berenice@Exemple.fr")
    try:
        normalise_email("lea@")
    except ValueError:
        pass

if "backoffice.services.billing.mail" in frozen:
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "Facture n° ALSH-2026-00042 — 12,50 €"
    message.set_content("Bonjour,\nVeuillez trouver votre facture.")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="f.pdf")
    message.as_bytes()

if "holidays" in bundle:
    import holidays

    assert date(2026, 7, 14) in holidays.France(years=2026, language="fr")
    assert date(2026, 7, 14) in holidays.France(years=[2025, 2026])

if "backoffice.services.catalogue.school_calendar" in frozen:
    from backoffice.services.catalogue.school_calendar import holiday_runs

    assert holiday_runs(2025, 2026)

if "backoffice.sync.client" in frozen:
    # The portal client against a loopback server (the harness's own modules are not
    # the app's), and the TLS context on certifi's CA bundle.
    import ssl, threading
    import certifi
    from backoffice.sync.client import PortalClient

    ssl.create_default_context(cafile=certifi.where())
    opened.add(str(Path(certifi.where()).resolve()))
    harness = set(sys.modules)
    from http.server import BaseHTTPRequestHandler, HTTPServer
    harness = set(sys.modules) - harness

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"changes": [], "nom": "Périne"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with PortalClient(f"http://127.0.0.1:{server.server_port}", "jeton") as client:
        assert client.request("GET", "/api/staff/changes", params={"after": 0}).ok
    server.shutdown()
    before |= harness

files = sorted({str(Path(f).resolve().relative_to(p)) for f in opened for p in site
                if p in Path(f).resolve().parents and Path(f).is_file()})


def from_a_file(name):
    """Not an alias (requests.packages.urllib3) nor a module made at run time (Cython's,
    shiboken's embedded signature support): what PyInstaller has to collect."""
    module = sys.modules[name]
    origin = getattr(getattr(module, "__spec__", None), "origin", None)
    return getattr(module, "__name__", None) == name and (
        origin in ("built-in", "frozen") or bool(origin) and os.path.isfile(origin))


modules = sorted(n for n in set(sys.modules) - before if from_a_file(n))
print(json.dumps({"modules": modules, "files": files}))
'''


@pytest.fixture(scope="module")
def frozen_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("frozen")
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "build.py"),
            "--skip-installer",
            "--dist",
            str(out / "dist"),
            "--work",
            str(out / "build"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    exe = out / "dist" / "backoffice" / ("backoffice.exe" if os.name == "nt" else "backoffice")
    assert exe.exists()
    return exe, result.stdout, result.stderr


@pytest.fixture(scope="module")
def frozen_app(frozen_build):
    return frozen_build[0]


def test_frozen_self_test_passes(frozen_app, tmp_path):
    """Every check passes in the build; on Linux but the keyring: the build leaves the
    Secret Service backend out (the desktops are Windows), and the self-test says so."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BACKOFFICE_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [str(frozen_app), "--self-test"], capture_output=True, text=True, timeout=120, env=env
    )
    checks = ("Migrations", "Ressources", "Polices", "Fuseau horaire", "PDF", "Qt", "Traductions")
    for check in checks:
        assert f"[OK] {check}" in result.stdout, result.stdout
    if LINUX:
        assert "[ÉCHEC] Trousseau : aucun trousseau chiffré du système" in result.stdout
        assert result.returncode == 1 and "Auto-test en échec : Trousseau." in result.stdout
    else:
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_command_line_is_in_the_bundle(frozen_app, tmp_path):
    cli = frozen_app.parent / ("backoffice-cli.exe" if os.name == "nt" else "backoffice-cli")
    env = {**os.environ, "BACKOFFICE_DATA_DIR": str(tmp_path)}
    version = subprocess.run(
        [str(cli), "--version"], capture_output=True, text=True, timeout=120, env=env
    )
    from backoffice import __version__

    assert version.stdout.strip() == f"backoffice-cli {__version__}", version.stderr
    selftest = subprocess.run(
        [str(cli), "--self-test"], capture_output=True, text=True, timeout=120, env=env
    )
    assert "[OK] Migrations" in selftest.stdout and "[OK] Fuseau horaire" in selftest.stdout
    assert "Qt" not in selftest.stdout  # the GUI's checks are backoffice --self-test's


def test_an_upgrade_over_a_stale_bundle_starts_and_migrates(frozen_app, tmp_path):
    """Version N installed with a migration since renamed: left in _internal it gives two
    heads (refused in French). The installer's rule (packaging/install_rules.py, the
    .iss's [InstallDelete]) clears the old bundle before copying N+1; the program then
    starts and migrates the agent's database, which the upgrade never touched."""
    import importlib.util
    import shutil

    from backoffice import storage

    spec = importlib.util.spec_from_file_location(
        "install_rules", ROOT / "packaging" / "install_rules.py"
    )
    assert spec and spec.loader
    rules = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rules)

    build = frozen_app.parent
    installed = tmp_path / "Portail Famille"
    shutil.copytree(build, installed, symlinks=True)
    versions = installed / "_internal" / "backoffice" / "migrations" / "versions"
    first = sorted(versions.glob("0001*.py"))[0].read_text(encoding="utf-8")
    stale = versions / "0002_ancien_nom.py"
    stale.write_text(
        first.replace('revision = "0001"', 'revision = "0002_ancien"').replace(
            "down_revision = None", 'down_revision = "0001"'
        ),
        encoding="utf-8",
    )
    data = tmp_path / "donnees"
    engine = storage.make_engine(f"sqlite:///{data / 'backoffice.sqlite3'}")
    storage.upgrade(engine, "0001")  # the agent's database, from an older version
    engine.dispose()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "BACKOFFICE_DATA_DIR": str(data),
        "BACKOFFICE_EXIT_AFTER_MS": "1500",
        "BACKOFFICE_USER": "agent.test",
    }
    cli = installed / ("backoffice-cli.exe" if os.name == "nt" else "backoffice-cli")
    before = subprocess.run(
        [str(cli), "--self-test"], capture_output=True, text=True, timeout=120, env=env
    )
    assert before.returncode == 1
    assert "plusieurs fins de migrations" in before.stdout, before.stdout

    removed = rules.apply_install_delete(installed)
    assert installed / "_internal" in removed and not stale.exists()
    shutil.copytree(build, installed, symlinks=True, dirs_exist_ok=True)  # [Files]

    program = installed / frozen_app.name
    result = subprocess.run([str(program)], capture_output=True, text=True, timeout=120, env=env)
    log = "\n".join(p.read_text(encoding="utf-8") for p in (data / "logs").glob("*.log"))
    assert result.returncode == 0, log + result.stderr
    assert "Base de données migrée de 0001 vers" in log, log
    engine = storage.make_engine(f"sqlite:///{data / 'backoffice.sqlite3'}")
    assert storage.current_revision(engine) == storage.head_revision()
    engine.dispose()


def test_frozen_self_test_fails_in_french_when_resources_are_missing(frozen_app, tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "BACKOFFICE_DATA_DIR": str(tmp_path),
        "BACKOFFICE_RESOURCES_DIR": str(tmp_path / "nulle-part"),
    }
    result = subprocess.run(
        [str(frozen_app), "--self-test"], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 1
    assert "[ÉCHEC] Ressources" in result.stdout
    assert "Ressource introuvable" in result.stdout


def test_frozen_app_opens_its_main_window_and_quits(frozen_app, tmp_path):
    """The real start: migrations of a new database, first agent, main window with every
    area, then the automatic close of the smoke tests (BACKOFFICE_EXIT_AFTER_MS)."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "BACKOFFICE_DATA_DIR": str(tmp_path),
        "BACKOFFICE_EXIT_AFTER_MS": "1500",
        "BACKOFFICE_USER": "agent.test",
    }
    result = subprocess.run([str(frozen_app)], capture_output=True, text=True, timeout=120, env=env)
    log = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "logs").glob("*.log"))
    assert result.returncode == 0, log + result.stderr
    assert "Agent : agent.test" in log and "Arrêt du back-office" in log, log
    assert " ERROR " not in log and "Traceback" not in log, log


def _mo(text: str) -> float:
    return float(text.replace(",", "."))


def test_build_reports_its_measured_size_with_icu_apart(frozen_build):
    exe, stdout, _stderr = frozen_build
    total = re.search(r"Application figée : .* — (\d+,\d) Mo", stdout)
    assert total, stdout
    files = [f for f in exe.parent.rglob("*") if f.is_file() and not f.is_symlink()]
    measured = sum(f.stat().st_size for f in files) / 1e6
    assert _mo(total.group(1)) == pytest.approx(measured, abs=0.05)
    icu = sum(f.stat().st_size for f in files if f.name.startswith("libicu")) / 1e6
    if icu:
        line = re.search(r"dont ICU \(Linux seulement\) : (\d+,\d) Mo", stdout)
        assert line and _mo(line.group(1)) == pytest.approx(icu, abs=0.05), stdout
    if LINUX:
        assert measured < SIZE_BUDGET_MO, (
            f"{measured:.1f} Mo (budget {SIZE_BUDGET_MO} Mo)\n{stdout}"
        )


def _frozen_contents(exe: Path) -> tuple[set[str], Path]:
    """Module names the frozen app can import, and its _internal folder."""
    from PyInstaller.archive.readers import pkg_archive_contents

    internal = exe.parent / "_internal"
    names = set(pkg_archive_contents(str(exe))) | set(sys.builtin_module_names)
    with zipfile.ZipFile(internal / "base_library.zip") as library:
        for entry in library.namelist():
            if entry.endswith(".pyc"):
                names.add(entry[:-4].replace("/", ".").removesuffix(".__init__"))
    for path in internal.rglob("*"):
        if path.name.endswith((".so", ".pyd")):  # extension modules (and plugins: harmless)
            parts = path.relative_to(internal).parts
            if "lib-dynload" in parts:
                parts = parts[parts.index("lib-dynload") + 1 :]
            names.add(".".join([*parts[:-1], parts[-1].split(".")[0]]))
    return names, internal


def test_every_module_and_data_file_the_app_loads_is_in_the_build(frozen_app, tmp_path):
    names, internal = _frozen_contents(frozen_app)
    assert "backoffice.ui.main_window" in names
    listing = tmp_path / "modules.json"
    listing.write_text(json.dumps(sorted(names)))
    result = subprocess.run(
        [sys.executable, "-c", EXERCISE, str(listing), PG_URL, json.dumps(ABSENT_ON_PURPOSE)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    loaded = json.loads(result.stdout.splitlines()[-1])
    missing = [m for m in loaded["modules"] if m not in names]
    assert not missing, f"modules used by the app but left out of the build: {missing}"
    assert any(f.startswith("certifi") for f in loaded["files"])
    # keyring and friends scan every installed distribution for plugins: only what the
    # app reads for itself must be there.
    lost = [
        f
        for f in loaded["files"]
        if not f.endswith(".dist-info/entry_points.txt") and not (internal / f).is_file()
    ]
    assert not lost, f"data files read by the app but left out of the build: {lost}"


def _elf_needed(folder: Path) -> dict[Path, list[str]]:
    """The libraries each ELF file of ``folder`` links against (its DT_NEEDED entries)."""
    needed = {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) != b"\x7fELF":
                    continue
            dynamic = subprocess.run(
                ["readelf", "-d", str(path)], capture_output=True, text=True, check=True
            ).stdout
            needed[path] = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    return needed


@pytest.mark.skipif(not LINUX, reason="shared libraries pruned on Linux only")
def test_no_kept_library_misses_a_library_it_links_against(frozen_build):
    """The spec prunes the libraries nothing kept references; whatever a kept binary links
    against must still be in the build, unless PyInstaller leaves it to the system
    (glibc, libGL...) or could not find it on the build machine either."""
    from PyInstaller.depend.dylib import include_library

    exe, _stdout, stderr = frozen_build
    internal = exe.parent / "_internal"
    bundled = {p.name for p in internal.rglob("*") if p.exists()}
    not_found_at_build = set(re.findall(r"could not resolve '([^']+)'", stderr))
    missing = sorted(
        f"{name} (for {binary.relative_to(exe.parent)})"
        for binary, names in _elf_needed(exe.parent).items()
        for name in names
        if name not in bundled
        and include_library(name)
        and name not in not_found_at_build
        and not name.startswith("ld-linux")  # the dynamic loader is always the system's
    )
    assert not missing, missing
    dangling = [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()]
    assert not dangling, dangling
    # What the pruning is for: Qt's network and Wayland libraries, GTK (their plugins are dropped).
    assert not any(
        n.startswith(("libQt6Network", "libgtk", "libQt6WaylandClient")) for n in bundled
    )
