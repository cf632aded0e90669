"""GUI fixtures: no dialogs ever shown, a small database of families, the main window."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert

from backoffice.models import (
    AccountState,
    AllowanceScheme,
    Child,
    ChildContact,
    ConsentDefinition,
    Family,
    FamilyQuotient,
    Guardian,
    MedicalRecord,
    Person,
    Role,
    Sex,
    StaffUser,
    Vaccination,
)
from backoffice.services.common.actors import Actor, current_actor
from backoffice.services.families.queries import refresh_search_text
from backoffice.text import fold
from backoffice.ui import dialogs
from backoffice.ui.tasks import SynchronousExecutor, TaskRunner

TODAY = date(2026, 11, 27)
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def no_dialogs():
    """Dialogs are recorded, never shown: a test can never hang on a modal box."""
    dialogs.set_no_dialogs(True)
    dialogs.recorded.clear()
    yield dialogs.recorded
    dialogs.recorded.clear()


def _family(code, name, commune, state=AccountState.ACTIVE, **fields):
    family = Family(
        code=code,
        name=name,
        commune=commune,
        postcode="72800",
        address_line1="3 rue des Tilleuls",
        account_state=state,
        login_email=f"{code.lower()}@example.org",
        phone="02 43 94 00 00",
        allowance_scheme=AllowanceScheme.CAF,
        allowance_number="1234567",
        **fields,
    )
    family.quotients.append(
        FamilyQuotient(quotient=740, valid_from=date(2026, 1, 1), source=AllowanceScheme.CAF)
    )
    return family


def populate_small(db) -> dict[str, int]:
    """Three families; MARTIN has a complete child (Zoé) and an incomplete one (Léo)."""
    with db.session() as s:
        consent = ConsentDefinition(code="image", label="Droit à l'image", mandatory=False)
        s.add(consent)
        martin = _family("F00001", "MARTIN", "Le Lude")
        martin.guardians += [
            Guardian(
                rank=1,
                civility="Mme",
                last_name="MARTIN",
                first_name="Claire",
                relationship_label="mère",
                is_payer=True,
                mobile_phone="06 12 34 56 78",
                email="claire.martin@example.org",
            ),
            Guardian(
                rank=2,
                civility="M.",
                last_name="MARTIN",
                first_name="Paul",
                relationship_label="père",
                work_phone="02 43 00 00 01",
            ),
        ]
        granny = Person(
            last_name="BERTIN",
            first_name="Odette",
            relationship_label="grand-mère",
            phone1="0243941234",
        )
        martin.persons.append(granny)
        zoe = Child(
            last_name="MARTIN",
            first_name="Zoé",
            sex=Sex.FEMALE,
            birth_date=date(2016, 3, 2),
            school="École Jean Moulin",
            school_class="CM1",
        )
        zoe.medical_record = MedicalRecord(
            doctor_name="Dr Leroy",
            doctor_phone="02 43 94 11 11",
            has_pai=True,
            pai_detail="protocole",
            allergy_food=True,
            allergy_detail="arachide",
        )
        zoe.vaccinations += [
            Vaccination(vaccine=v, done=True, last_date=date(2024, 1, 1))
            for v in ("diphterie", "tetanos", "poliomyelite")
        ]
        zoe.contacts.append(
            ChildContact(person=granny, emergency_contact=True, authorised_pickup=True)
        )
        leo = Child(last_name="MARTIN", first_name="Léo", sex=Sex.MALE, birth_date=date(2020, 6, 1))
        martin.children += [zoe, leo]
        durand = _family("F00002", "DURAND", "Mayet")
        durand.guardians.append(
            Guardian(
                last_name="DURAND", first_name="Inès", is_payer=True, mobile_phone="06 00 00 00 02"
            )
        )
        durand.children.append(
            Child(last_name="DURAND", first_name="Noé", sex=Sex.MALE, birth_date=date(2017, 9, 9))
        )
        lefevre = _family("F00003", "LEFÈVRE", "Aubigné-Racan", AccountState.AWAITING_ACTIVATION)
        lefevre.children.append(
            Child(
                last_name="LEFÈVRE", first_name="Chloé", sex=Sex.FEMALE, birth_date=date(2019, 1, 5)
            )
        )
        for family in (martin, durand, lefevre):
            refresh_search_text(family)
            s.add(family)
        s.flush()
        return {f.code: f.id for f in (martin, durand, lefevre)}


def bulk_families(db, count: int, start: int = 1) -> None:
    """``count`` families with one child each, inserted fast (Core executemany)."""
    rows = []
    for n in range(start, start + count):
        code, name = f"B{n:05d}", f"FAMILLE{n:05d}"
        rows.append(
            {
                "code": code,
                "name": name,
                "commune": "Vaas",
                "search_text": fold(f"{code} {name} vaas"),
            }
        )
    with db.session() as s:
        s.execute(insert(Family), rows)


@pytest.fixture
def family_ids(sqlite_db) -> dict[str, int]:
    """Populates ``sqlite_db`` with the three small families; their ids by code."""
    return populate_small(sqlite_db)


@pytest.fixture
def small_db(sqlite_db, family_ids):
    return sqlite_db


@pytest.fixture
def sync_runner(qtbot):
    return TaskRunner(executor=SynchronousExecutor())


def add_agent(db, login="mhuet", full_name="Mélanie Huet", role=Role.AGENT) -> Actor:
    """A staff user (desk agent by default) and the actor for it."""
    with db.session() as s:
        s.add(StaffUser(login=login, full_name=full_name, role=role))
    with db.session() as s:
        return current_actor(s, login)


def suggestions_readable(popup) -> bool:
    """Every suggestion of a completion list fits it: none is cut to « 72800 L… »."""
    metrics = popup.fontMetrics()
    model = popup.model()
    texts = [model.index(row, 0).data() for row in range(model.rowCount())]
    margin = 2 * (popup.style().pixelMetric(popup.style().PixelMetric.PM_FocusFrameHMargin) + 1)
    return bool(texts) and all(
        metrics.horizontalAdvance(text) + margin <= popup.viewport().width() for text in texts
    )


@pytest.fixture
def agent(sqlite_db) -> Actor:
    """The desk agent working in the window (no medical data)."""
    return add_agent(sqlite_db)


@pytest.fixture
def window(qtbot, small_db, agent):
    from backoffice.app import create_main_window

    win = create_main_window(small_db, agent, today=TODAY)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


@pytest.fixture
def french(qapp):
    """Qt in French as ``backoffice`` starts it: locale fr_FR and Qt's own translations
    (standard buttons, the file dialog); the previous default locale comes back after."""
    from backoffice.app import install_french
    from backoffice.ui.qt import QLocale

    previous = QLocale()
    translators = install_french(qapp)
    assert QLocale().name() == "fr_FR"
    yield translators
    for translator in translators:
        qapp.removeTranslator(translator)
    QLocale.setDefault(previous)


@pytest.fixture
def desk_window(qtbot, french, sync_runner):
    """``desk_window(db, actor, today=TODAY)``: the real main window as an agent sees it on
    a 1280×800 screen, in French, its work run synchronously (loaded when it returns)."""
    from backoffice.app import create_main_window

    windows = []

    def make(db, actor: Actor, today: date = TODAY):
        window = create_main_window(db, actor, runner=sync_runner, today=today)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
