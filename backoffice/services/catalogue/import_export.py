"""The catalogue file (TOML): read, validate, apply, export.

The format is described in docs/catalogue.md. The work is split by step:
``vocabulary`` (keys and values), ``parse`` (validation,
every error collected), ``apply`` (upsert in the caller's
transaction) and ``export`` (deterministic TOML).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from backoffice.errors import UserError
from backoffice.services.catalogue.apply import apply_catalogue
from backoffice.services.catalogue.export import export_catalogue
from backoffice.services.catalogue.import_report import CatalogueReport, KindCounts
from backoffice.services.catalogue.parse import parse_catalogue
from backoffice.services.catalogue.parsed import CatalogueDocument, CatalogueError, CatalogueIssue

__all__ = [
    "CatalogueDocument",
    "CatalogueError",
    "CatalogueIssue",
    "CatalogueReport",
    "KindCounts",
    "apply_catalogue",
    "export_catalogue",
    "export_catalogue_file",
    "import_catalogue_file",
    "parse_catalogue",
    "read_catalogue_file",
]


def _file_error(path: Path, message: str) -> CatalogueError:
    return CatalogueError(path.name, [CatalogueIssue("", message)])


def read_catalogue_file(path: Path) -> CatalogueDocument:
    """Read and validate a file (UTF-8); French :class:`CatalogueError` on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _file_error(path, f"fichier introuvable : {path}") from None
    except IsADirectoryError:
        raise _file_error(path, f"{path} est un dossier") from None
    except UnicodeDecodeError as exc:
        raise _file_error(
            path,
            f"le fichier n'est pas en UTF-8 (octet illisible en position {exc.start}) ; "
            "enregistrez-le en UTF-8",
        ) from None
    except OSError as exc:
        raise _file_error(path, f"lecture impossible de {path} : {exc.strerror or exc}") from exc
    return parse_catalogue(text, source=path.name)


def import_catalogue_file(session: Session, path: Path) -> CatalogueReport:
    """Validate then apply a catalogue file in the caller's transaction."""
    return apply_catalogue(session, read_catalogue_file(path))


def export_catalogue_file(session: Session, path: Path) -> None:
    """Write the catalogue to ``path`` (UTF-8, via a temporary file then a rename)."""
    path = Path(path)
    text = export_catalogue(session)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(
            f"Impossible d'écrire le catalogue dans {path} : {exc.strerror or exc}"
        ) from exc
