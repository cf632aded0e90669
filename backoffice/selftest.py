"""``backoffice --self-test``: what a broken build or install would miss.

Each check returns a French line; any failure makes the self-test exit non-zero.
The Qt check lives in ``backoffice/ui/`` (the core imports no Qt) and is passed in.
"""

from __future__ import annotations

import io
import logging
import tempfile
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

log = logging.getLogger("backoffice.app")


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    trace: str = ""  # for the log file, not for the screen

    def line(self) -> str:
        return f"[{'OK' if self.ok else 'ÉCHEC'}] {self.name} : {self.detail}"


Check = Callable[[], str]  # returns a detail on success, raises on failure


def check_migrations() -> str:
    from backoffice import storage
    from backoffice.services.database import open_database

    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'selftest.sqlite3'}")
        try:
            revision = storage.current_revision(db.engine)
        finally:
            db.dispose()
    if revision != storage.head_revision():
        raise RuntimeError(f"révision {revision}, attendue {storage.head_revision()}")
    return f"schéma créé sur une base temporaire (révision {revision})"


def check_resources() -> str:
    from backoffice import paths
    from backoffice.services.common import postcodes

    communes = postcodes.communes_for_postcode("72800")
    if not communes:
        raise RuntimeError("aucune commune pour 72800 dans la table des codes postaux")
    paths.resource("codes-postaux.LICENSE")
    if len(list(paths.resource("help").glob("*.md"))) < 8:  # « Aide » : one page per area
        raise RuntimeError(f"pages d'aide manquantes dans {paths.resource('help')}")
    return f"ressources trouvées dans {paths.resources_dir()} ({len(postcodes.all_communes())} communes)"


BUNDLED_FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


def check_fonts() -> str:
    """The fonts the PDFs embed are in the bundle (Windows has no DejaVu of its own)."""
    from backoffice import paths

    found = [paths.resource("fonts", name) for name in BUNDLED_FONTS]
    empty = [str(f) for f in found if f.stat().st_size < 10_000]
    if empty:
        raise RuntimeError(f"police tronquée : {', '.join(empty)}")
    return f"polices livrées : {', '.join(BUNDLED_FONTS)}"


def check_timezone() -> str:
    """Europe/Paris from the system's or the bundled (tzdata) time-zone database."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        paris = ZoneInfo.no_cache("Europe/Paris")
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise RuntimeError(
            "le fuseau horaire Europe/Paris est introuvable (base des fuseaux absente : "
            "paquet tzdata)"
        ) from exc
    summer = datetime(2026, 7, 14, 12, tzinfo=UTC).astimezone(paris).utcoffset()
    winter = datetime(2026, 1, 5, 12, tzinfo=UTC).astimezone(paris).utcoffset()
    if (summer, winter) != (timedelta(hours=2), timedelta(hours=1)):
        raise RuntimeError(f"Europe/Paris donne des décalages inattendus ({summer}, {winter})")
    return "Europe/Paris chargé (heure d'été UTC+2, d'hiver UTC+1)"


def check_pdf() -> str:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from backoffice.documents.fonts import register_fonts

    regular, _ = register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setFont(regular, 12)
    pdf.drawString(72, 760, "Facture n° ALSH-2026-00042 — Léa Bérénice Œuvray : 12,50\u202f€")
    pdf.save()
    data = buffer.getvalue()
    if not data.startswith(b"%PDF") or b"DejaVuSans" not in data:
        raise RuntimeError("le PDF produit n'embarque pas la police DejaVu")
    return f"PDF avec accents et € rendu ({len(data)} octets)"


# The keyrings that keep the portal's token encrypted: Windows Credential Locker, macOS
# Keychain, the Secret Service (GNOME Keyring, KWallet) and keyrings.alt's encrypted file,
# which must then be chosen explicitly (PYTHON_KEYRING_BACKEND or keyringrc.cfg).
REAL_KEYRINGS = frozenset(
    {
        "keyring.backends.Windows.WinVaultKeyring",
        "keyring.backends.macOS.Keyring",
        "keyring.backends.SecretService.Keyring",
        "keyring.backends.libsecret.Keyring",
        "keyring.backends.kwallet.DBusKeyring",
        "keyrings.alt.file.EncryptedKeyring",
    }
)


def _name(backend: object) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def real_keyring(backend: object) -> str | None:
    """The name of the real keyring behind ``backend`` (a chain counts when one of its
    members is real), or None for the fail, null and plain-text backends."""
    members = getattr(backend, "backends", None)
    candidates = [backend, *members] if isinstance(members, list) else [backend]
    for candidate in candidates:
        if _name(candidate) in REAL_KEYRINGS:
            return _name(candidate)
    return None


def check_keyring() -> str:
    import keyring

    backend = keyring.get_keyring()
    found = real_keyring(backend)
    if found is None:
        raise RuntimeError(
            f"aucun trousseau chiffré du système (moteur « {_name(backend)} ») : le jeton du "
            "portail ne pourrait pas être gardé. Sous Windows, le Gestionnaire "
            "d'identification ; sous Linux, le Secret Service (GNOME Keyring) ou un fichier "
            "chiffré choisi explicitement (PYTHON_KEYRING_BACKEND)"
        )
    return f"trousseau du système : {found}"


CORE_CHECKS: dict[str, Check] = {
    "Migrations": check_migrations,
    "Ressources": check_resources,
    "Polices": check_fonts,
    "Fuseau horaire": check_timezone,
    "PDF": check_pdf,
    "Trousseau": check_keyring,
}


def run_checks(checks: Iterable[tuple[str, Check]]) -> list[CheckResult]:
    results = []
    for name, check in checks:
        try:
            results.append(CheckResult(name, True, check()))
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none hidden
            results.append(CheckResult(name, False, str(exc), traceback.format_exc()))
    return results


def report(results: list[CheckResult], *, logged: bool = True) -> int:
    """Print one French line per check (and log it); the exit code: 1 when one failed."""
    for result in results:
        print(result.line(), flush=True)
        if not logged:
            continue
        if result.ok:
            log.info("Auto-test : %s", result.line())
        else:
            log.error("Auto-test : %s\n%s", result.line(), result.trace)
    failed = [r.name for r in results if not r.ok]
    if failed:
        print(
            f"Auto-test en échec : {', '.join(failed)}. Cette installation est incomplète ; "
            "réinstallez le programme ou transmettez ce message au support.",
            flush=True,
        )
        return 1
    print("Auto-test réussi : l'installation est complète.", flush=True)
    return 0
