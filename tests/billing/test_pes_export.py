"""PES V2 « ORMC » export of a demo month, parsed back (issue #19, item 1)."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from collection_world import ACCUEIL, GOOD_BIC, GOOD_IBAN, OCTOBER, REGISSEUR, TODAY, demo_month
from sqlalchemy import select

from backoffice.models import Family, Invoice, InvoiceState, PesExport, SepaMandate, SequenceType
from backoffice.services.billing import BillingError, issue_credit_note
from backoffice.services.billing.collection_settings import save_collection_settings
from backoffice.services.billing.guards import ImmutableDocument
from backoffice.services.billing.ledger import figures
from backoffice.services.billing.pes import export_pes, list_exports
from backoffice.services.billing.pes_xml import PES_NS, latin1
from backoffice.services.billing.sepa import save_mandate
from backoffice.services.common.actors import PermissionDenied

pytestmark = pytest.mark.postgres
D = Decimal
ISSUED_ON = date(2026, 11, 20)

# What Hélios needs to find in each part of the file (checked since no public XSD was found).
REQUIRED = {
    "Enveloppe/Parametres": ("Version", "TypFic", "NomFic"),
    "EnTetePES": ("DteStr", "IdPost", "IdColl", "CodCol", "CodBud"),
    "PES_RecetteAller/EnTeteRecette": ("IdVer",),
    "PES_RecetteAller/Bordereau/BlocBordereau": (
        "Exer",
        "IdBord",
        "DteBordEm",
        "TypBord",
        "NbrPce",
        "MtBordHt",
    ),
}
PIECE_REQUIRED = ("IdPce", "TypPce", "NatPce", "ObjPce")
LINE_REQUIRED = ("IdLigne", "Nature", "MtHT")
TIERS_REQUIRED = ("CatTiers", "NatJur", "Nom")


def v(el: ET.Element, path: str) -> str:
    found = el.find(path)
    assert found is not None, path
    return found.attrib["V"]


def test_a_demo_month_as_one_pes_file_parsed_back(db, tmp_path):
    demo_month(db, "PERI")
    with db.session() as s:
        expected = {
            i.number: i for i in s.scalars(select(Invoice).where(Invoice.number.like("PERI-%")))
        }
        owed = {i.number: f.balance for i in expected.values() for f in [figures(s, [i.id])[i.id]]}
        debtor = next(iter(expected.values())).family_id
        code = s.get(Family, debtor).code
        save_mandate(
            s,
            REGISSEUR,
            code,
            debtor_name="Titulaire Du Compte",
            iban=GOOD_IBAN,
            bic=GOOD_BIC,
            signed_on=date(2026, 9, 1),
        )
    assert len(expected) >= 20
    progress: list[tuple[int, int]] = []
    with db.session() as s:
        report = export_pes(
            s,
            REGISSEUR,
            "PERI",
            *OCTOBER,
            tmp_path,
            on_date=ISSUED_ON,
            progress=lambda done, total: progress.append((done, total)),
        )
    data = report.path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == report.sha256
    assert progress[-1] == (len(expected), len(expected))
    assert data.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert b"&#" not in data  # every text in the file's own encoding, no character references

    root = ET.fromstring(data)
    assert root.tag == f"{{{PES_NS}}}PES_Aller"
    for path, children in REQUIRED.items():
        for child in children:
            assert root.find(f"{path}/{child}") is not None, f"{path}/{child}"
    assert v(root, "Enveloppe/Parametres/TypFic") == "PESORMC"
    assert v(root, "EnTetePES/IdColl") == "21450123400017"
    assert v(root, "EnTetePES/CodCol") == "045" and v(root, "EnTetePES/IdPost") == "045012"

    bordereaux = root.findall("PES_RecetteAller/Bordereau")
    assert len(bordereaux) == 1
    bordereau = bordereaux[0]
    pieces = bordereau.findall("Piece")
    numbers = [v(p, "BlocPiece/NumeroFacture") for p in pieces]
    # Every invoice once, nothing else.
    assert sorted(numbers) == sorted(expected) and len(set(numbers)) == len(numbers)
    # Amounts add up per bordereau.
    amounts = [D(v(p, "LigneDePiece/BlocLignePiece/InfoLignePiece/MtHT")) for p in pieces]
    assert D(v(bordereau, "BlocBordereau/MtBordHt")) == sum(amounts) == report.total
    assert sum(amounts) == sum(owed.values())
    assert int(v(bordereau, "BlocBordereau/NbrPce")) == len(pieces) == report.invoice_count
    for p, number in zip(pieces, numbers, strict=True):
        assert D(v(p, "LigneDePiece/BlocLignePiece/InfoLignePiece/MtHT")) == owed[number]
        for child in PIECE_REQUIRED:
            assert p.find(f"BlocPiece/{child}") is not None
        for child in LINE_REQUIRED:
            assert p.find(f"LigneDePiece/BlocLignePiece/InfoLignePiece/{child}") is not None
        for child in TIERS_REQUIRED:
            assert p.find(f"LigneDePiece/Tiers/InfoTiers/{child}") is not None
        assert v(p, "LigneDePiece/BlocLignePiece/InfoLignePiece/Nature") == "7067"
        assert v(p, "LigneDePiece/Tiers/InfoTiers/Nom")
    # Identifiers unique.
    for path in ("BlocPiece/IdPce", "BlocPiece/NumDette", "BlocPiece/PJRef/IdUnique"):
        ids = [v(p, path) for p in pieces]
        assert len(set(ids)) == len(ids), path

    # Each PDF attached once, decodable, referenced by its pièce.
    attachments = root.findall("PES_PJ/PJ")
    assert v(root, "PES_PJ/EnTetePES_PJ/IdVer") == "1"
    by_id = {v(pj, "IdUnique"): pj for pj in attachments}
    assert len(by_id) == len(attachments) == len(pieces)
    for p in pieces:
        pj = by_id[v(p, "BlocPiece/PJRef/IdUnique")]
        fichier = pj.find("Contenu/Fichier")
        assert fichier is not None and fichier.attrib["MIMEType"] == "application/pdf"
        pdf = base64.b64decode(fichier.text or "", validate=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 1000
        assert v(pj, "NomPJ") == v(p, "BlocPiece/PJRef/NomPJ")

    # The family with a mandate: its pièce carries the debit and the account.
    debited = [p for p in pieces if p.find("LigneDePiece/BlocLignePiece/InfoPrelevementSEPA")]
    assert debited and report.debits == len(debited)
    sepa = debited[0].find("LigneDePiece/BlocLignePiece/InfoPrelevementSEPA")
    assert v(sepa, "SequencePres") == "02" and v(sepa, "RefUniMdt").startswith("PF-")
    assert v(debited[0], "LigneDePiece/Tiers/CpteBancaire/IBAN") == "FR7630006000011234567890189"

    with db.session() as s:
        states = {i.state for i in s.scalars(select(Invoice).where(Invoice.number.in_(numbers)))}
        assert states == {InvoiceState.SENT_TO_TRESOR}
        assert s.scalar(select(SepaMandate.sequence)) is SequenceType.RECURRENT
        rows = list_exports(s, REGISSEUR)
        assert [(r.regie, r.bordereau, r.invoice_count, r.total, r.sha256) for r in rows] == [
            ("PERI", 1, len(pieces), report.total, report.sha256)
        ]
        assert s.get(PesExport, rows[0].id).file_name == report.file_name
        # Exported invoices are frozen: no credit note here, and never exported twice.
        with pytest.raises(ImmutableDocument, match="transmise au Trésor public"):
            issue_credit_note(s, numbers[0], "Erreur de pointage")
    with db.session() as s, pytest.raises(BillingError, match="Aucune facture"):
        export_pes(s, REGISSEUR, "PERI", *OCTOBER, tmp_path, on_date=ISSUED_ON)


def test_a_second_file_takes_the_next_bordereau_and_only_new_invoices(db, tmp_path):
    demo_month(db, "PERI", "MAC")
    with db.session() as s:
        first = export_pes(s, REGISSEUR, "PERI", date(2026, 10, 1), date(2026, 10, 31), tmp_path)
    with db.session() as s:
        mac = export_pes(s, REGISSEUR, "MAC", *OCTOBER, tmp_path, on_date=TODAY)
        mac_count = s.scalar(
            select(PesExport.invoice_count).where(PesExport.file_name == mac.file_name)
        )
    assert first.bordereau == 1 and mac.bordereau == 1 and mac_count == mac.invoice_count
    assert first.file_name != mac.file_name


def test_texts_are_made_latin_1():
    assert latin1("Régie ALSH — Œuvre’s Łukasz") == "Régie ALSH - OEuvre's Lukasz"


def test_pes_refuses_the_desk_role_and_desk_regies_and_missing_codes(db, tmp_path):
    demo_month(db, "PERI")
    out = tmp_path / "pes"
    with db.session() as s:
        with pytest.raises(PermissionDenied, match="régisseur ou administrateur"):
            export_pes(s, ACCUEIL, "PERI", *OCTOBER, out)
        with pytest.raises(PermissionDenied):
            list_exports(s, ACCUEIL)
        with pytest.raises(PermissionDenied):
            save_collection_settings(s, ACCUEIL, {"pes.siret": "21450123400017"})
        with pytest.raises(BillingError, match="n'est pas recouvrée par le Trésor public"):
            export_pes(s, REGISSEUR, "ALSH", *OCTOBER, out)
        with pytest.raises(BillingError, match="imputation de la régie JEUN|Trésor public"):
            export_pes(s, REGISSEUR, "JEUN", *OCTOBER, out)
        with pytest.raises(BillingError, match="14 chiffres"):
            save_collection_settings(s, REGISSEUR, {"pes.siret": "1234"})
        with pytest.raises(BillingError, match="poste comptable"):
            save_collection_settings(s, REGISSEUR, {"pes.poste_comptable": "12AB"})
    assert not out.exists()
