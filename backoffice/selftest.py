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
    for name in ("fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf", "codes-postaux.LICENSE"):
        paths.resource(*name.split("/"))
    if len(list(paths.resource("help").glob("*.md"))) < 8:  # « Aide » : one page per area
        raise RuntimeError(f"pages d'aide manquantes dans {paths.resource('help')}")
    return f"ressources trouvées dans {paths.resources_dir()} ({len(postcodes.all_communes())} communes)"


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


def check_keyring() -> str:
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return (
            "aucun trousseau du système disponible : le jeton du portail sera demandé "
            "à chaque synchronisation (jamais écrit dans un fichier)"
        )
    return f"trousseau du système : {type(backend).__module__}.{type(backend).__name__}"


CORE_CHECKS: dict[str, Check] = {
    "Migrations": check_migrations,
    "Ressources": check_resources,
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


def report(results: list[CheckResult]) -> int:
    """Print one French line per check (and log it); the exit code: 1 when one failed."""
    for result in results:
        print(result.line(), flush=True)
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
