"""Paper for the families without the portal: their invoices in one PDF for the post and
the answer to a request as a letter; the address sits in the DL envelope's window."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pypdf
import pytest
from invoice_kit import QF, add_invoice
from reportlab.lib.units import mm

from backoffice.errors import UserError
from backoffice.models import (
    AccountState,
    Family,
    InvoiceRun,
    PortalRequest,
    RequestKind,
    RequestState,
    Role,
)
from backoffice.services.billing.paper_batch import paper_invoice_ids, write_paper_batch
from backoffice.services.common.actors import Actor, PermissionDenied
from backoffice.services.requests.answer_letters import write_answer_letter

ACCOUNTANT = Actor(None, "regis", Role.ACCOUNTANT, "Régis Seur")
AGENT = Actor(None, "mhuet", Role.AGENT, "Mélanie Huet")
PAGE_H = 297 * mm
# The address box of the invoice layout (right window of a DL envelope, sheet folded in
# three): 110 mm from the left edge, 48 mm from the top, 85 × 38 mm.
WINDOW = (110 * mm, 48 * mm, 195 * mm, 86 * mm)  # left, top, right, bottom (from the top)
# Poppler's pdftoppm renders the page for the ink check; where it is missing (Windows
# runners, a machine without poppler-utils) the text positions above still place the
# address in the window, as the other document tests do.
PDFTOPPM = shutil.which("pdftoppm")


def text_positions(page) -> dict[str, list[tuple[float, float]]]:
    """Each text run's places (x, distance from the top of the sheet), in points."""
    found: dict[str, list[tuple[float, float]]] = {}

    def visit(text, cm, tm, font, size):
        text = text.strip()
        if text:
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            found.setdefault(text, []).append((x, PAGE_H - y))

    page.extract_text(visitor_text=visit)
    return found


def assert_in_window(positions, *texts):
    left, top, right, bottom = WINDOW
    for text in texts:
        places = positions[text]
        inside = [(x, t) for x, t in places if left <= x <= right - 20 * mm and top <= t <= bottom]
        assert inside, (text, [(x / mm, t / mm) for x, t in places])


def png(pdf: Path, out: Path) -> Path:
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(out)], check=True)  # fmt: skip
    return out.with_suffix(".png")


def ink_in_window(image: Path) -> int:
    """Dark pixels of the rendered page (60 dpi) inside the envelope window."""
    from PIL import Image

    with Image.open(image) as page:
        grey = page.convert("L")
        px = 60 / 25.4  # pixels per millimetre
        left, top, right, bottom = (round(v / mm * px) for v in WINDOW)
        box = grey.crop((left, top, right, bottom))
        return box.point(lambda v: 255 if v < 128 else 0).histogram()[255]


@pytest.fixture
def online_family(billing_db, world):
    with billing_db.session() as s:
        family = Family(
            code="F00200",
            name="DURAND",
            login_email="durand@example.org",
            account_state=AccountState.ACTIVE,
        )
        s.add(family)
        s.flush()
        return replace(world, family_id=family.id)


def test_the_paper_families_invoices_make_one_pdf_addressed_for_the_window(
    billing_db, world, online_family, tmp_path
):
    with billing_db.session() as s:
        run = InvoiceRun(regie_id=world.regie["ALSH"], period_start=date(2026, 7, 6),
                         period_end=date(2026, 7, 31))  # fmt: skip
        s.add(run)
        s.flush()
        run_id = run.id
    line = [(0, date(2026, 7, 6), "Journée (repas compris)", QF, "1", "14.20")]
    many = [
        (k % 2, date(2026, 7, 6 + k % 20), f"Sortie n° {k + 1}", QF, "1", "2.50") for k in range(60)
    ]
    add_invoice(billing_db, world, "ALSH", 1, line, run_id=run_id)
    add_invoice(
        billing_db, online_family, "ALSH", 2, line, run_id=run_id, billing_name="M. Ali DURAND"
    )
    add_invoice(billing_db, world, "ALSH", 3, many, run_id=run_id)  # two pages
    add_invoice(billing_db, world, "ALSH", 4, line)  # not in the run, still to pay

    with billing_db.session() as s:
        assert len(paper_invoice_ids(s, ACCOUNTANT, run_id)) == 2
        assert len(paper_invoice_ids(s, ACCOUNTANT)) == 3  # every one still to pay
        with pytest.raises(PermissionDenied, match="régisseur"):
            paper_invoice_ids(s, AGENT, run_id)

    out = tmp_path / "courrier" / "factures-papier.pdf"
    batch = write_paper_batch(billing_db, ACCOUNTANT, out, run_id)
    assert batch.numbers == ("ALSH-2026-00001", "ALSH-2026-00003")
    reader = pypdf.PdfReader(out)
    assert batch.pages == len(reader.pages) == 3
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "ALSH-2026-00002" not in text and "DURAND" not in text  # the portal family
    assert "En ligne sur le Portail Famille" not in text  # they have no portal account
    assert "communiquez-nous une adresse e-mail" in text
    for first_page in (reader.pages[0], reader.pages[1]):
        assert_in_window(text_positions(first_page), "Mme Élodie MARTIN",
                         "12 rue de la Gaudinière", "72800 Le Lude")  # fmt: skip
    # Printed double-sided, each invoice starts on its own sheet.
    duplex = write_paper_batch(
        billing_db, ACCOUNTANT, tmp_path / "recto-verso.pdf", run_id, duplex=True
    )
    assert duplex.pages == 4  # 1 + a blank back, then 2
    if PDFTOPPM:  # the rendered page shows the address in the window
        assert ink_in_window(png(out, tmp_path / "factures-papier")) > 200

    with pytest.raises(UserError, match="aucune famille sans portail"):
        write_paper_batch(billing_db, ACCOUNTANT, tmp_path / "vide.pdf", run_id + 1)


def test_the_answer_to_a_request_is_a_one_page_letter(billing_db, world, tmp_path):
    with billing_db.session() as s:
        from backoffice.models import Guardian

        family = s.get(Family, world.family_id)
        family.address_line1, family.postcode, family.commune = (
            "La Grange Neuve",
            "72800",
            "Le Lude",
        )
        family.guardians.append(Guardian(rank=1, civility="Mme", last_name="MARTIN",
                                         first_name="Élodie", is_payer=True))  # fmt: skip
        request = PortalRequest(
            kind=RequestKind.REGISTRATION,
            family_id=world.family_id,
            child_id=world.children[0],
            state=RequestState.REFUSED,
            received_at=datetime(2026, 6, 2, 9, 0, tzinfo=UTC),
            decided_at=datetime(2026, 6, 5, 9, 0, tzinfo=UTC),
            answer_text="L'accueil de loisirs est complet en juillet.\n"
            "Nous vous proposons la liste d'attente d'août.",
        )
        pending = PortalRequest(kind=RequestKind.BOOKING, family_id=world.family_id)
        s.add_all([request, pending])
        s.flush()
        rid, pending_id = request.id, pending.id

    out = tmp_path / "reponse.pdf"
    with billing_db.session() as s:
        write_answer_letter(s, AGENT, rid, out, date(2026, 6, 8))
        with pytest.raises(UserError, match="pas encore décidée"):
            write_answer_letter(s, AGENT, pending_id, tmp_path / "x.pdf", date(2026, 6, 8))
        with pytest.raises(PermissionDenied):
            write_answer_letter(s, ACCOUNTANT, rid, tmp_path / "y.pdf", date(2026, 6, 8))
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in (
        "Communauté de communes Sud Sarthe",
        "Le Lude, le 08/06/2026",
        "Objet : Réponse à votre demande (inscription)",
        "inscription pour Léa Martin, reçue le",
        "Votre demande est refusée.",
        "L'accueil de loisirs est complet en juillet.",
        "Réf. famille : F00137",
    ):
        assert expected in text, expected
    assert_in_window(text_positions(reader.pages[0]), "Mme Élodie MARTIN", "La Grange Neuve",
                     "72800 Le Lude")  # fmt: skip
    if PDFTOPPM:
        assert ink_in_window(png(out, tmp_path / "reponse")) > 200
