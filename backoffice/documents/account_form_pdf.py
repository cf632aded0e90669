"""The account-opening form as a fillable PDF (AcroForm): a plain snapshot in, bytes out.

Page 1: the family, the two responsables légaux, allowances and QF. Page 2: the
children, the persons to call or allowed to pick them up, the consents the
activities ask. Then one fiche sanitaire page per child slot (compulsory vaccines
first). Field names are those of :mod:`backoffice.services.families.form_pdf`,
which also reads the form back; the layout only places them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from backoffice.documents.fonts import BOLD, REGULAR, register_fonts
from backoffice.documents.page_layout import (
    CONTENT_W,
    GREY_LINE,
    HEAD_FILL,
    MARGIN_L,
    MUTED,
    PAGE_H,
    PAGE_W,
    TEXT,
)

FIELD_H = 6.2 * mm
LABEL_GAP = 1.2 * mm
ROW_H = 11.5 * mm
BOX = 4.2 * mm
FIELD_FONT = "Helvetica"  # AcroForm fields use a standard font (the viewer renders them)
FIELD_FILL = colors.HexColor("#F3F6FA")


def _fields(canvas: Canvas) -> Any:
    """The canvas's AcroForm (its stubs say ``int`` coordinates; reportlab takes floats)."""
    return canvas.acroForm


@dataclass(frozen=True)
class ConsentLine:
    code: str
    label: str
    asks_detail: bool = False


@dataclass(frozen=True)
class FormLayoutData:
    """What the form shows besides its fields."""

    collectivity: str
    address_lines: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""
    child_slots: int = 3
    contact_slots: int = 2
    vaccines: Sequence[tuple[str, str]] = ()  # (code, label), compulsory ones first
    compulsory_note: str = ""
    diseases: Sequence[tuple[str, str]] = ()
    consents: Sequence[ConsentLine] = ()
    relationships: Sequence[str] = field(default_factory=tuple)
    version: str = "1"


class _Writer:
    """A cursor down the page, with helpers placing labels and fields on a grid."""

    def __init__(self, canvas: Canvas, data: FormLayoutData):
        self.c = canvas
        self.data = data
        self.y = PAGE_H
        self.page = 0

    # -- page furniture --------------------------------------------------------------

    def new_page(self, title: str) -> None:
        if self.page:
            self.c.showPage()
        self.page += 1
        c, d = self.c, self.data
        top = PAGE_H - 14 * mm
        c.setFillColor(TEXT)
        c.setFont(BOLD, 11)
        c.drawString(MARGIN_L, top, d.collectivity)
        c.setFont(REGULAR, 7.5)
        c.setFillColor(MUTED)
        contact = " · ".join(part for part in (*d.address_lines, d.phone, d.email) if part)
        c.drawString(MARGIN_L, top - 4 * mm, contact[:150])
        c.drawRightString(PAGE_W - MARGIN_L, top, f"Page {self.page}")
        c.setFillColor(HEAD_FILL)
        c.rect(MARGIN_L, top - 13 * mm, CONTENT_W, 7 * mm, stroke=0, fill=1)
        c.setFillColor(colors.white)
        c.setFont(BOLD, 10.5)
        c.drawString(MARGIN_L + 3 * mm, top - 10.7 * mm, title)
        self.y = top - 18 * mm

    def footer(self, text: str) -> None:
        self.c.setFont(REGULAR, 7)
        self.c.setFillColor(MUTED)
        self.c.drawString(MARGIN_L, 10 * mm, text)

    def section(self, title: str) -> None:
        c = self.c
        self.y -= 3.5 * mm
        c.setFillColor(HEAD_FILL)
        c.setFont(BOLD, 9.5)
        c.drawString(MARGIN_L, self.y, title)
        c.setStrokeColor(GREY_LINE)
        c.setLineWidth(0.6)
        c.line(MARGIN_L, self.y - 1.5 * mm, MARGIN_L + CONTENT_W, self.y - 1.5 * mm)
        self.y -= 5 * mm

    def note(self, text: str, size: float = 7.5) -> None:
        self.c.setFont(REGULAR, size)
        self.c.setFillColor(MUTED)
        self.c.drawString(MARGIN_L, self.y, text)
        self.y -= size * 0.3528 * mm + 2 * mm

    # -- fields ----------------------------------------------------------------------

    def label(self, x: float, y: float, text: str) -> None:
        self.c.setFont(REGULAR, 7)
        self.c.setFillColor(TEXT)
        self.c.drawString(x, y, text)

    def text(self, name: str, label: str, x: float, width: float, *, maxlen: int = 120) -> None:
        """A labelled text field on the current row (the row's top is ``self.y``)."""
        self.label(x, self.y - 2.5 * mm, label)
        _fields(self.c).textfield(
            name=name,
            tooltip=label,
            x=x,
            y=self.y - 2.5 * mm - LABEL_GAP - FIELD_H,
            width=width,
            height=FIELD_H,
            fontName=FIELD_FONT,
            fontSize=9,
            borderWidth=0.6,
            borderColor=GREY_LINE,
            fillColor=FIELD_FILL,
            textColor=TEXT,
            forceBorder=True,
            maxlen=maxlen,
        )

    def row(self, fields: Sequence[tuple[str, str, float]], *, maxlen: int = 120) -> None:
        """Text fields side by side: (name, label, share of the width)."""
        total = sum(share for _n, _l, share in fields)
        gap = 3 * mm
        usable = CONTENT_W - gap * (len(fields) - 1)
        x = MARGIN_L
        for name, label, share in fields:
            width = usable * share / total
            self.text(name, label, x, width, maxlen=maxlen)
            x += width + gap
        self.y -= ROW_H

    def checkbox(self, name: str, label: str, x: float, y: float) -> float:
        """A box then its label; returns the x after the label."""
        _fields(self.c).checkbox(
            name=name,
            tooltip=label,
            x=x,
            y=y - 0.9 * mm,
            size=BOX,
            buttonStyle="check",
            borderWidth=0.6,
            borderColor=GREY_LINE,
            fillColor=colors.white,
            textColor=TEXT,
            forceBorder=True,
        )
        self.c.setFont(REGULAR, 8)
        self.c.setFillColor(TEXT)
        self.c.drawString(x + BOX + 1.5 * mm, y, label)
        return x + BOX + 1.5 * mm + self.c.stringWidth(label, REGULAR, 8) + 5 * mm

    def choices(self, name: str, label: str, options: Sequence[tuple[str, str]], x: float) -> None:
        """A radio group on one line: « label :  ○ a  ○ b »."""
        y = self.y - 3.2 * mm
        self.c.setFont(REGULAR, 8)
        self.c.setFillColor(TEXT)
        if label:
            self.c.drawString(x, y, label)
            x += self.c.stringWidth(label, REGULAR, 8) + 3 * mm
        for value, text in options:
            _fields(self.c).radio(
                name=name,
                tooltip=f"{label} {text}".strip(),
                value=value,
                selected=False,
                x=x,
                y=y - 0.9 * mm,
                size=BOX,
                buttonStyle="circle",
                shape="square",
                borderStyle="solid",
                borderWidth=0.6,
                borderColor=GREY_LINE,
                fillColor=colors.white,
                textColor=TEXT,
                forceBorder=True,
            )
            self.c.setFont(REGULAR, 8)
            self.c.setFillColor(TEXT)
            self.c.drawString(x + BOX + 1.5 * mm, y, text)
            x += BOX + 1.5 * mm + self.c.stringWidth(text, REGULAR, 8) + 6 * mm


def _page_family(w: _Writer) -> None:
    w.new_page("Formulaire d'ouverture de compte famille")
    w.note(
        "Remplissez ce formulaire à l'écran ou à la main, en majuscules, puis renvoyez-le"
        " signé au service enfance."
    )
    w.note("Les champs marqués * sont obligatoires.")
    w.note(
        "Dates au format JJ/MM/AAAA. Sans adresse e-mail, le compte est géré sur papier"
        " (factures et réponses par courrier)."
    )
    w.section("1. La famille")
    w.row([("famille_nom", "Nom de la famille *", 1)])
    w.row(
        [("famille_adresse", "Adresse (n° et rue) *", 3), ("famille_complement", "Complément", 2)]
    )
    w.row(
        [
            ("famille_code_postal", "Code postal *", 1),
            ("famille_commune", "Commune *", 3),
            ("famille_telephone", "Téléphone du foyer", 2),
        ]
    )
    w.row(
        [
            ("famille_email", "E-mail (identifiant du portail famille)", 1),
            ("famille_email_facturation", "E-mail de facturation (si différent)", 1),
        ]
    )
    for rank in (1, 2):
        title = "2. Responsable légal 1" if rank == 1 else "3. Responsable légal 2 (facultatif)"
        star = " *" if rank == 1 else ""
        p = f"r{rank}_"
        w.section(title)
        w.row(
            [
                (p + "civilite", "Civilité", 1),
                (p + "nom", "Nom" + star, 3),
                (p + "prenom", "Prénom" + star, 3),
                (p + "lien", "Lien avec l'enfant", 2),
            ]
        )
        w.row(
            [
                (p + "portable", "Portable", 1),
                (p + "fixe", "Téléphone fixe", 1),
                (p + "professionnel", "Téléphone professionnel", 1),
            ]
        )
        w.row([(p + "email", "E-mail", 3), (p + "profession", "Profession", 2)])
    w.choices(
        "payeur",
        "Responsable payeur (reçoit les factures) * :",
        [("r1", "Responsable 1"), ("r2", "Responsable 2")],
        MARGIN_L,
    )
    w.y -= 8 * mm
    w.section("4. Prestations familiales et quotient familial")
    w.choices("regime", "Régime :", [("caf", "CAF"), ("msa", "MSA"), ("aucun", "Aucun")], MARGIN_L)
    w.y -= 7 * mm
    w.row(
        [
            ("allocataire_numero", "N° allocataire", 2),
            ("qf", "Quotient familial (QF)", 1),
            ("qf_du", "QF valable du", 1),
            ("qf_au", "au (facultatif)", 1),
        ]
    )
    w.footer("Suite du formulaire page suivante : les enfants, les personnes à prévenir.")


def _page_children(w: _Writer) -> None:
    d = w.data
    w.new_page("Les enfants, les personnes à prévenir, les autorisations")
    w.section("5. Enfants (une fiche sanitaire par enfant, pages suivantes)")
    for slot in range(1, d.child_slots + 1):
        p = f"e{slot}_"
        w.c.setFont(BOLD, 8)
        w.c.setFillColor(TEXT)
        w.c.drawString(MARGIN_L, w.y - 2.5 * mm, f"Enfant {slot}")
        w.choices(p + "sexe", "Sexe :", [("F", "Fille"), ("M", "Garçon")], MARGIN_L + 20 * mm)
        w.y -= 6 * mm
        w.row(
            [
                (p + "prenom", "Prénom", 3),
                (p + "nom", "Nom (si différent de la famille)", 3),
                (p + "naissance", "Date de naissance", 2),
            ]
        )
        w.row([(p + "ecole", "École", 3), (p + "classe", "Classe (PS, CP, CM2…)", 1)])
    w.section("6. Personnes à prévenir en cas d'urgence et autorisées à venir chercher les enfants")
    w.note("Valables pour tous les enfants de ce formulaire (autres que les responsables légaux).")
    for slot in range(1, d.contact_slots + 1):
        p = f"p{slot}_"
        w.row(
            [
                (p + "nom", f"Personne {slot} : nom", 3),
                (p + "prenom", "Prénom", 3),
                (p + "lien", "Lien avec l'enfant", 2),
                (p + "telephone", "Téléphone", 2),
            ]
        )
        x = w.checkbox(p + "urgence", "à prévenir en cas d'urgence", MARGIN_L, w.y - 1 * mm)
        w.checkbox(p + "recuperer", "autorisée à venir chercher les enfants", x, w.y - 1 * mm)
        w.y -= 8 * mm
    if d.consents:
        w.section("7. Autorisations (pour tous les enfants de ce formulaire)")
        for consent in d.consents:
            label = consent.label if len(consent.label) <= 70 else consent.label[:69] + "…"
            w.c.setFont(REGULAR, 8)
            w.c.setFillColor(TEXT)
            w.c.drawString(MARGIN_L, w.y - 3.2 * mm, label)
            w.choices(
                f"autorisation_{consent.code}",
                "",
                [("oui", "Oui"), ("non", "Non")],
                MARGIN_L + 112 * mm,
            )
            if consent.asks_detail:
                w.y -= 5.5 * mm
                w.row([(f"autorisation_{consent.code}_precision", "Précision (heure…)", 1)])
            else:
                w.y -= 6.5 * mm
    w.y -= 3 * mm
    w.section("Signature")
    w.note(
        "Je certifie l'exactitude des renseignements portés sur ce formulaire."
        "   Fait à ………………………… le ……/……/…………    Signature :"
    )
    w.footer("Les fiches sanitaires de liaison suivent, une page par enfant.")


def _page_medical(w: _Writer, slot: int) -> None:
    d = w.data
    p = f"e{slot}_"
    w.new_page(f"Fiche sanitaire de liaison — enfant {slot}")
    w.note("Données de santé : lues uniquement par les directeurs de site. Remplissez une fiche")
    w.note(f"par enfant (l'enfant {slot} de la page 2). Dates au format JJ/MM/AAAA.")
    w.section("Vaccinations (dernier rappel)")
    if d.compulsory_note:
        w.note(d.compulsory_note)
    half = (CONTENT_W - 6 * mm) / 2
    for index, (code, label) in enumerate(d.vaccines):
        column, line = index % 2, index // 2
        x = MARGIN_L + column * (half + 6 * mm)
        y = w.y - line * 8.5 * mm
        _fields(w.c).checkbox(
            name=f"{p}vaccin_{code}",
            tooltip=f"{label} : fait",
            x=x,
            y=y - 4.6 * mm,
            size=BOX,
            buttonStyle="check",
            borderWidth=0.6,
            borderColor=GREY_LINE,
            fillColor=colors.white,
            textColor=TEXT,
            forceBorder=True,
        )
        w.c.setFont(REGULAR, 8)
        w.c.setFillColor(TEXT)
        w.c.drawString(x + BOX + 1.5 * mm, y - 3.7 * mm, label)
        w.c.setFont(REGULAR, 7)
        w.c.drawRightString(x + half - 27 * mm, y - 3.7 * mm, "le")
        _fields(w.c).textfield(
            name=f"{p}vaccin_{code}_date",
            tooltip=f"{label} : date du dernier rappel",
            x=x + half - 25 * mm,
            y=y - 5.4 * mm,
            width=25 * mm,
            height=FIELD_H,
            fontName=FIELD_FONT,
            fontSize=9,
            borderWidth=0.6,
            borderColor=GREY_LINE,
            fillColor=FIELD_FILL,
            textColor=TEXT,
            forceBorder=True,
            maxlen=10,
        )
    w.y -= ((len(d.vaccines) + 1) // 2) * 8.5 * mm + 2 * mm
    if d.diseases:
        w.section("Maladies déjà eues")
        x, y = MARGIN_L, w.y - 3 * mm
        for code, label in d.diseases:
            width = BOX + 1.5 * mm + w.c.stringWidth(label, REGULAR, 8) + 5 * mm
            if x + width > MARGIN_L + CONTENT_W:
                x, y = MARGIN_L, y - 6 * mm
            x = w.checkbox(f"{p}maladie_{code}", label, x, y)
        w.y = y - 6 * mm
    w.section("Allergies")
    x = MARGIN_L
    for key, label in (
        ("asthme", "Asthme"),
        ("alimentaire", "Alimentaire"),
        ("medicament", "Médicamenteuse"),
        ("autre", "Autre"),
    ):
        x = w.checkbox(f"{p}allergie_{key}", label, x, w.y - 3 * mm)
    w.y -= 6 * mm
    w.row([(f"{p}allergies_precision", "Précisez (cause, conduite à tenir)", 1)], maxlen=500)
    w.section("Santé, recommandations, médecin")
    x = MARGIN_L
    for key, label in (
        ("lunettes", "Lunettes"),
        ("lentilles", "Lentilles"),
        ("appareil_dentaire", "Appareil dentaire"),
        ("appareil_auditif", "Appareil auditif"),
        ("pai", "PAI (projet d'accueil individualisé)"),
    ):
        x = w.checkbox(f"{p}{key}", label, x, w.y - 3 * mm)
    w.y -= 6 * mm
    w.row([(f"{p}pai_precision", "PAI : précisions", 1)], maxlen=500)
    w.row([(f"{p}antecedents", "Difficultés de santé, antécédents", 1)], maxlen=500)
    w.row([(f"{p}observations", "Recommandations des parents", 1)], maxlen=500)
    w.row(
        [
            (f"{p}medecin_nom", "Médecin traitant", 3),
            (f"{p}medecin_telephone", "Téléphone du médecin", 2),
            (f"{p}medecin_commune", "Commune du médecin", 2),
        ]
    )
    w.footer(
        f"Formulaire version {d.version} — à renvoyer au service enfance avec les pages"
        " précédentes."
    )


def render_account_form(data: FormLayoutData) -> bytes:
    """The blank fillable form, as PDF bytes."""
    buffer = BytesIO()
    register_fonts()  # on the first PDF, not at import
    canvas = Canvas(buffer, pagesize=(PAGE_W, PAGE_H))
    canvas.setTitle(f"Formulaire d'ouverture de compte famille — {data.collectivity}")
    canvas.setAuthor(data.collectivity)
    canvas.setSubject(f"portail-famille-formulaire v{data.version}")
    w = _Writer(canvas, data)
    _page_family(w)
    _page_children(w)
    for slot in range(1, data.child_slots + 1):
        _page_medical(w, slot)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
