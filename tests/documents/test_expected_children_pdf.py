"""« Enfants attendus » as a PDF: per unit, French, A4, DejaVu, printed date and
« Page n/N »; health alerts printed only for the roles allowed medical data."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from test_planning import MONDAY, TODAY, build_world, make_actor

from backoffice.documents.expected_children_pdf import (
    render_expected_children,
    render_expected_children_bytes,
)
from backoffice.models import (
    Booking,
    BookingState,
    Child,
    Family,
    Registration,
    RegistrationState,
    Role,
    Setting,
    Sex,
)
from backoffice.services.bookings.expected_list import expected_list_document
from backoffice.services.bookings.planning import book_days

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PRINTED = datetime(2026, 11, 30, 7, 5, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def world(sqlite_db):
    world = build_world(sqlite_db)
    agent = make_actor(sqlite_db)
    with sqlite_db.session() as s:
        s.add(Setting(key="collectivity.name", value="Communauté de communes Sud Sarthe"))
        book_days(s, agent, world.children["Zoé"], world.matin, [MONDAY], TODAY)
        book_days(s, agent, world.children["Noé"], world.matin, [MONDAY], TODAY)
        # A busy evening: 40 more children, enough for a second page.
        family = Family(code="F00900", name="GRANDE", commune="Le Lude")
        s.add(family)
        for n in range(40):
            child = Child(last_name=f"ÉLÈVE{n:02d}", first_name="Anaïs", sex=Sex.FEMALE,
                          birth_date=date(2017, 1 + n % 12, 1), school_class="CE1")  # fmt: skip
            family.children.append(child)
            s.flush()
            reg = Registration(child_id=child.id, activity_id=world.aps, period_id=1,
                               state=RegistrationState.ACCEPTED)  # fmt: skip
            s.add(reg)
            s.flush()
            s.add(Booking(child_id=child.id, unit_id=world.soir, day=MONDAY,
                          registration_id=reg.id, state=BookingState.ACCEPTED))  # fmt: skip
    return world


def _text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() for page in reader.pages]


def test_expected_children_pdf_for_the_direction(sqlite_db, world, tmp_path):
    director = make_actor(sqlite_db, Role.DIRECTOR, "direction")
    with sqlite_db.session() as s:
        doc = expected_list_document(s, director, world.site, MONDAY, world.aps, now=PRINTED)
    assert doc.count == 42
    assert [(u.title, len(u.children)) for u in doc.units] == [
        ("Périscolaire du Lude — Matin (07:30–08:30)", 2),
        ("Périscolaire du Lude — Soir (16:30–18:30)", 40),
    ]
    pdf = render_expected_children_bytes(doc)
    reader, pages = _text(pdf)
    assert len(pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    first = pages[0]
    assert "Enfants attendus" in first
    assert "Pôle enfance du Lude — lundi 30 novembre 2026" in first
    assert "Communauté de communes Sud Sarthe" in first
    assert "Périscolaire du Lude — Matin (07:30–08:30) · 2 enfants" in first
    assert "MARTIN Zoé" in first and "PAI : protocole asthme" in first
    assert "Document contenant des données de santé" in first
    assert "Imprimé le 30/11/2026 à 07:05 par Mélanie Huet" in first
    assert "Page 1/2" in first and "Page 2/2" in pages[1]
    assert "Enfants attendus" in pages[1]  # every page says what it is
    fonts = {
        str(f["/BaseFont"])
        for page in reader.pages
        for f in page["/Resources"]["/Font"].get_object().values()
    }
    assert any("DejaVuSans" in f for f in fonts)

    path = tmp_path / "attendus.pdf"
    render_expected_children(doc, path)
    if shutil.which("pdftoppm"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(path),
             str(SCREENSHOTS / "expected-children-pdf")],
            check=True,
        )  # fmt: skip


def test_expected_children_pdf_keeps_health_data_from_the_desk(sqlite_db, world):
    agent = make_actor(sqlite_db, Role.AGENT, "accueil")
    with sqlite_db.session() as s:
        doc = expected_list_document(s, agent, world.site, MONDAY, now=PRINTED)
        closed = expected_list_document(s, agent, world.site, date(2026, 12, 25), now=PRINTED)
    _reader, pages = _text(render_expected_children_bytes(doc))
    text = "\n".join(pages)
    assert "MARTIN Zoé" in text and "PAI :" not in text and "arachide" not in text
    assert "visibles par la direction seulement" in text
    assert "Multi-accueil Les Lutins — Accueil à l'heure (08:00–18:00) · 0 enfant" in text
    assert "Aucun enfant attendu." in text
    _reader, pages = _text(render_expected_children_bytes(closed))
    assert "fermé : Jour férié (Noël)" in pages[0]


def test_printing_health_alerts_is_recorded_per_child(sqlite_db, world):
    """Health data going to paper: one « alertes imprimées » line per child concerned,
    in the family history of medical roles; nothing when no alert is printed."""
    from sqlalchemy import select

    from backoffice.models import AuditAction, AuditEvent
    from backoffice.services.families.history import family_history

    director = make_actor(sqlite_db, Role.DIRECTOR, "direction")
    agent = make_actor(sqlite_db, Role.AGENT, "accueil2")
    with sqlite_db.session() as s:
        expected_list_document(s, agent, world.site, MONDAY, world.aps, now=PRINTED)
    with sqlite_db.session() as s:
        assert not s.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW_MEDICAL)
        ).all()
        doc = expected_list_document(s, director, world.site, MONDAY, world.aps, now=PRINTED)
    with_alerts = {c.child_id for u in doc.units for c in u.children if c.alerts}
    assert with_alerts  # Zoé has a PAI in the test world
    with sqlite_db.session() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW_MEDICAL)
        ).all()
        assert {e.child_id for e in events} == with_alerts
        assert {e.staff_user_id for e in events} == {director.staff_id}
        family_id = events[0].family_id
        lines = family_history(s, director, family_id)
        assert lines[0].element.endswith("Alertes santé imprimées (liste des enfants attendus)")
        assert not any("imprimées" in e.element for e in family_history(s, agent, family_id))


def test_the_list_written_as_a_file(sqlite_db, world, tmp_path):
    """« Imprimer la liste »: the PDF file written by the service, by default into the
    lists folder; a folder that cannot be written is a French message."""
    from backoffice.errors import UserError
    from backoffice.paths import expected_lists_dir
    from backoffice.services.bookings.expected_list import write_expected_list_pdf

    agent = make_actor(sqlite_db, Role.AGENT, "accueil")
    path = write_expected_list_pdf(sqlite_db, agent, world.site, MONDAY, world.aps)
    assert path == expected_lists_dir() / f"enfants-attendus-{world.site}-2026-11-30.pdf"
    _reader, pages = _text(path.read_bytes())
    assert "MARTIN Zoé" in "\n".join(pages)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left

    blocker = tmp_path / "listes"
    blocker.write_text("x")
    with pytest.raises(UserError) as caught:
        write_expected_list_pdf(sqlite_db, agent, world.site, MONDAY, folder=blocker)
    assert str(caught.value) == (
        f"Impossible de créer le dossier {blocker} : "
        "un fichier porte déjà ce nom à la place du dossier."
    )
