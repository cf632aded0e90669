"""The XML of a PES V2 « ORMC » file (PES_Aller with one recette bordereau and its PJ).

Pure: plain data in, ISO-8859-1 bytes out (what Hélios reads). Structure, as the
DGFiP's PES V2 recette describes it::

    n:PES_Aller
      Enveloppe/Parametres (Version, TypFic=PESORMC, NomFic), Emetteur
      EnTetePES (DteStr, IdPost, IdColl, CodCol, CodBud, LibelleColBud)
      PES_RecetteAller
        EnTeteRecette (IdVer=2, InfoDematerialisee=0)
        Bordereau
          BlocBordereau (Exer, IdBord, DteBordEm, TypBord=06, NbrPce, MtBordHt, DteAsp, Objet)
          Piece*   BlocPiece (IdPce, TypPce=15, NatPce=01, ObjPce, NumDette, PJRef, NumeroFacture)
                   LigneDePiece
                     BlocLignePiece (InfoLignePiece: IdLigne, ObjLignePce, CodProdLoc,
                                     Nature, Majo, TvaIntraCom, MtHT; InfoPrelevementSEPA)
                     Tiers (InfoTiers, Adresse, CpteBancaire when debited)
      PES_PJ
        EnTetePES_PJ (IdVer=1)
        PJ* (Contenu/Fichier MIMEType=application/pdf: base64; IdUnique, NomPJ, TypePJ, Description)

Every value sits in a ``V`` attribute, amounts with a dot and two decimals.
"""

from __future__ import annotations

import base64
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PES_NS = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
ENCODING = "ISO-8859-1"
SEQUENCE_CODES = {"FRST": "02", "RCUR": "03"}  # SequencePres


@dataclass(frozen=True, slots=True)
class PesDirectDebit:
    iban: str
    bic: str
    holder: str
    reference: str  # RUM
    signed_on: date
    sequence: str  # FRST / RCUR
    debit_on: date
    label: str


@dataclass(frozen=True, slots=True)
class PesPiece:
    piece_id: int  # IdPce
    invoice_number: str
    debt_number: str  # NumDette: digits of the invoice number
    subject: str  # ObjPce
    amount: Decimal
    civility: str
    last_name: str
    first_name: str
    street: str
    postcode: str
    commune: str
    attachment_id: str  # IdUnique of the PJ
    attachment_name: str  # NomPJ
    pdf: bytes
    debit: PesDirectDebit | None = None


@dataclass(frozen=True, slots=True)
class PesFile:
    file_name: str
    issued_on: date
    poste_comptable: str
    siret: str
    code_collectivite: str
    code_budget: str
    label: str
    year: int
    bordereau: int
    subject: str  # Objet du bordereau
    imputation: str  # Nature
    produit: str  # CodProdLoc
    pieces: tuple[PesPiece, ...]

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.pieces), Decimal("0.00"))


def amount_text(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


_PLAIN = str.maketrans(
    {"—": "-", "–": "-", "’": "'", "‘": "'", "œ": "oe", "Œ": "OE", "€": "EUR"}
    | {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i"}  # no decomposition of their own
)


def latin1(text: str) -> str:
    """``text`` in ISO-8859-1 (the file's encoding): dashes and quotes made plain, any
    other foreign letter reduced to its base letter (Ł → L), the rest dropped."""
    text = text.translate(_PLAIN)
    if all(ord(c) < 256 for c in text):
        return text
    out = []
    for c in text:
        if ord(c) < 256:
            out.append(c)
        else:
            base = unicodedata.normalize("NFKD", c)[:1]
            out.append(base if ord(base) < 256 else "")
    return "".join(out)


def _v(parent: ET.Element, tag: str, value: str) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.set("V", latin1(value))
    return el


def _civility(text: str) -> str:
    text = (text or "").strip().rstrip(".")
    return {"M": "M", "Mme": "Mme", "Mlle": "Mme"}.get(text, "")


def _piece(bordereau: ET.Element, f: PesFile, p: PesPiece) -> None:
    piece = ET.SubElement(bordereau, "Piece")
    bloc = ET.SubElement(piece, "BlocPiece")
    _v(bloc, "IdPce", str(p.piece_id))
    _v(bloc, "TypPce", "15")  # titre ordinaire de recette (ORMC)
    _v(bloc, "NatPce", "01")  # ordinaire
    _v(bloc, "ObjPce", p.subject[:160])
    _v(bloc, "NumDette", p.debt_number[:15])
    ref = ET.SubElement(bloc, "PJRef")
    _v(ref, "Support", "01")  # électronique
    _v(ref, "IdUnique", p.attachment_id)
    _v(ref, "NomPJ", p.attachment_name)
    _v(bloc, "NumeroFacture", p.invoice_number[:20])

    line = ET.SubElement(piece, "LigneDePiece")
    bloc_line = ET.SubElement(line, "BlocLignePiece")
    info = ET.SubElement(bloc_line, "InfoLignePiece")
    _v(info, "IdLigne", "1")
    _v(info, "ObjLignePce", p.subject[:160])
    if f.produit:
        _v(info, "CodProdLoc", f.produit[:4])
    _v(info, "Nature", f.imputation)
    _v(info, "Majo", "0")
    _v(info, "TvaIntraCom", "0")
    _v(info, "MtHT", amount_text(p.amount))
    if p.debit is not None:
        d = p.debit
        sepa = ET.SubElement(bloc_line, "InfoPrelevementSEPA")
        _v(sepa, "NatPrel", "01")
        _v(sepa, "PerPrel", "07")  # ponctuel
        _v(sepa, "DtePrel", d.debit_on.isoformat())
        _v(sepa, "MtPrel", amount_text(p.amount))
        _v(sepa, "SequencePres", SEQUENCE_CODES[d.sequence])
        _v(sepa, "DateSignMandat", d.signed_on.isoformat())
        _v(sepa, "RefUniMdt", d.reference)
        _v(sepa, "LibPrel", d.label[:140])

    tiers = ET.SubElement(line, "Tiers")
    info_tiers = ET.SubElement(tiers, "InfoTiers")
    _v(info_tiers, "CatTiers", "01")  # personne physique
    _v(info_tiers, "NatJur", "01")  # particulier
    _v(info_tiers, "TypTiers", "01")
    if civility := _civility(p.civility):
        _v(info_tiers, "Civilite", civility)
    _v(info_tiers, "Nom", p.last_name[:38])
    if p.first_name:
        _v(info_tiers, "Prenom", p.first_name[:38])
    address = ET.SubElement(tiers, "Adresse")
    _v(address, "TypAdr", "1")  # principale
    _v(address, "Adr2", p.street[:38])
    _v(address, "CP", p.postcode[:5])
    _v(address, "Ville", p.commune[:38])
    _v(address, "CodRes", "0")  # résident en France
    if p.debit is not None:
        account = ET.SubElement(tiers, "CpteBancaire")
        _v(account, "BIC", p.debit.bic)
        _v(account, "IBAN", p.debit.iban)
        _v(account, "TitCpte", p.debit.holder[:32])


def build_pes(f: PesFile, sender: str = "Portail Famille") -> bytes:
    """The PES_Aller document of ``f``, encoded in ISO-8859-1."""
    ET.register_namespace("n", PES_NS)
    root = ET.Element(f"{{{PES_NS}}}PES_Aller")
    envelope = ET.SubElement(root, "Enveloppe")
    params = ET.SubElement(envelope, "Parametres")
    _v(params, "Version", "2")
    _v(params, "TypFic", "PESORMC")
    _v(params, "NomFic", f.file_name[:100])
    emitter = ET.SubElement(envelope, "Emetteur")
    _v(emitter, "Sigle", sender[:30])
    _v(emitter, "Adresse", (f.label or sender)[:100])

    head = ET.SubElement(root, "EnTetePES")
    _v(head, "DteStr", f.issued_on.isoformat())
    _v(head, "IdPost", f.poste_comptable)
    _v(head, "IdColl", f.siret)
    _v(head, "CodCol", f.code_collectivite)
    _v(head, "CodBud", f.code_budget)
    if f.label:
        _v(head, "LibelleColBud", f.label[:50])

    recette = ET.SubElement(root, "PES_RecetteAller")
    head_recette = ET.SubElement(recette, "EnTeteRecette")
    _v(head_recette, "IdVer", "2")
    _v(head_recette, "InfoDematerialisee", "0")
    bordereau = ET.SubElement(recette, "Bordereau")
    bloc = ET.SubElement(bordereau, "BlocBordereau")
    _v(bloc, "Exer", str(f.year))
    _v(bloc, "IdBord", str(f.bordereau))
    _v(bloc, "DteBordEm", f.issued_on.isoformat())
    _v(bloc, "TypBord", "06")  # ordres de recette multi-créanciers
    _v(bloc, "NbrPce", str(len(f.pieces)))
    _v(bloc, "MtBordHt", amount_text(f.total))
    _v(bloc, "DteAsp", f.issued_on.isoformat())
    _v(bloc, "Objet", f.subject[:160])
    for p in f.pieces:
        _piece(bordereau, f, p)

    pj = ET.SubElement(root, "PES_PJ")
    _v(ET.SubElement(pj, "EnTetePES_PJ"), "IdVer", "1")
    for p in f.pieces:
        item = ET.SubElement(pj, "PJ")
        content = ET.SubElement(item, "Contenu")
        fichier = ET.SubElement(content, "Fichier")
        fichier.set("MIMEType", "application/pdf")
        fichier.text = base64.b64encode(p.pdf).decode("ascii")
        _v(item, "IdUnique", p.attachment_id)
        _v(item, "NomPJ", p.attachment_name)
        _v(item, "TypePJ", "007")  # facture
        _v(item, "Description", f"Facture {p.invoice_number}")
    return ET.tostring(root, encoding=ENCODING, xml_declaration=True)
