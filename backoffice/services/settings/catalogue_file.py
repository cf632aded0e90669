"""The catalogue TOML from « Paramètres › Catalogue (fichier TOML) »: the same import and
export as ``backoffice-cli catalogue import|export`` (one validation, one set of checks),
for the roles that prepare the year (administrators and directors)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from backoffice.models import Role
from backoffice.services.catalogue.import_export import (
    CatalogueReport,
    export_catalogue_file,
    import_catalogue_file,
)
from backoffice.services.common.actors import Actor, PermissionDenied

ROLES = frozenset({Role.ADMIN, Role.DIRECTOR})


def _require(actor: Actor) -> None:
    if actor.role not in ROLES:
        raise PermissionDenied(
            "Seuls un administrateur ou un directeur de site peuvent importer ou exporter "
            "le catalogue."
        )


def import_file(session: Session, actor: Actor, path: Path) -> CatalogueReport:
    """Validate then apply ``path`` in the caller's transaction (nothing if one error)."""
    _require(actor)
    return import_catalogue_file(session, Path(path))


def export_file(session: Session, actor: Actor, path: Path) -> Path:
    _require(actor)
    export_catalogue_file(session, Path(path))
    return Path(path)
