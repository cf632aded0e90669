"""« Paramètres › Collectivité »: the documents' header checked (SIRET key, logo, contact),
stored under the keys the invoices read, audited, administrators only."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice import paths
from backoffice.documents.invoice_data import issuer_from_settings
from backoffice.models import AuditEvent, Role, StaffUser
from backoffice.services.common.actors import PermissionDenied, current_actor
from backoffice.services.common.validation import FieldErrors
from backoffice.services.settings import collectivity
from backoffice.services.settings.collectivity import Collectivity

SIRET = "21720035200011"  # a valid Luhn key


def png(path: Path) -> Path:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"\x00\xff\xff\xff"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw[:1] + raw[1:]))
        + chunk(b"IEND", b"")
    )
    return path


def actor(db, role=Role.ADMIN, login="admin"):
    with db.session() as s:
        s.add(StaffUser(login=login, full_name=login, role=role))
    with db.session() as s:
        return current_actor(s, login)


HEADER = Collectivity(
    name="Communauté de communes Sud Sarthe",
    address="2 rue de la Mairie\n\n72800 Le Lude ",
    siret="217 200 352 00011",
    email="Enfance@ComComSudSarthe.fr",
    phone="0243940000",
    legal_mentions="Régie de recettes instituée par délibération du 12/03/2024.",
)


def test_header_saved_under_the_keys_the_invoices_read(sqlite_db, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKOFFICE_DATA_DIR", str(tmp_path / "data"))
    admin = actor(sqlite_db)
    logo = png(tmp_path / "logo-original.png")
    with sqlite_db.session() as s:
        saved = collectivity.save(s, admin, Collectivity(**{**vars_of(HEADER), "logo": str(logo)}))
    logo.unlink()  # the PDFs use the copy
    with sqlite_db.session() as s:
        issuer = issuer_from_settings(s)
    assert issuer.name == "Communauté de communes Sud Sarthe"
    assert issuer.address_lines == ("2 rue de la Mairie", "72800 Le Lude")
    assert issuer.siret == SIRET and issuer.siret_display == "217 200 352 00011"
    assert issuer.email == "Enfance@comcomsudsarthe.fr"
    assert issuer.phone == "02 43 94 00 00"
    assert issuer.legal_mentions.startswith("Régie de recettes instituée")
    assert Path(issuer.logo_path) == tmp_path / "data" / "logo" / "logo.png"
    assert Path(issuer.logo_path).read_bytes().startswith(b"\x89PNG")
    assert saved.logo == issuer.logo_path
    with sqlite_db.session() as s:
        fields = set(s.scalars(select(AuditEvent.field).where(AuditEvent.entity == "setting")))
    assert "collectivity.siret" in fields and "collectivity.name" in fields


def vars_of(c: Collectivity) -> dict:
    return {name: getattr(c, name) for name in c.__dataclass_fields__}


def test_every_wrong_field_is_said_at_once(sqlite_db, tmp_path):
    admin = actor(sqlite_db)
    not_an_image = tmp_path / "logo.png"
    not_an_image.write_text("bonjour")
    wrong = Collectivity(
        name="",
        siret="217 200 352 00012",
        email="pas-une-adresse",
        phone="12",
        logo=str(not_an_image),
        pdf_folder="relatif/pdf",
    )
    with sqlite_db.session() as s, pytest.raises(FieldErrors) as refused:
        collectivity.save(s, admin, wrong)
    errors = refused.value.errors
    assert set(errors) == {"name", "siret", "email", "phone", "logo", "pdf_folder"}
    assert "clé de contrôle incorrecte" in errors["siret"]
    assert errors["logo"] == "Logo « logo.png » : ce n'est pas une image PNG ou JPEG."
    with sqlite_db.session() as s:
        assert collectivity.load(s) == Collectivity()  # nothing stored


def test_default_folders_become_the_programs(sqlite_db, tmp_path):
    admin = actor(sqlite_db)
    folder = tmp_path / "PDF mairie"
    try:
        with sqlite_db.session() as s:
            collectivity.save(
                s,
                admin,
                Collectivity(name="CC", pdf_folder=str(folder), exports_folder=str(tmp_path)),
            )
        assert paths.invoices_dir(3) == folder / "factures" / "lot-00003"
        assert paths.slips_dir() == folder / "bordereaux"
        assert paths.exports_dir() == tmp_path
    finally:
        paths.set_output_folders(None, None)


def test_only_an_administrator(sqlite_db):
    director = actor(sqlite_db, Role.DIRECTOR, "directrice")
    with sqlite_db.session() as s, pytest.raises(PermissionDenied, match="administrateur"):
        collectivity.save(s, director, HEADER)
