"""The requests desk against the real portal on loopback: parents book, a round pulls
the requests, the activity's rule decides what it may (automatic processing), the
agent decides the rest (a group, a refusal, a mistake undone before it left), a late
cancellation is accepted as billed and its place goes to the waiting list, the next
rounds push it all, the parents' plannings show it, and a further round moves nothing.

Capacities differ on purpose: the portal offers 1 place a day on « Journée », the
back-office 2 (1 on Monday 7): what the portal put on its waiting list, the
back-office may accept.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from portal_testkit import (
    CONTACT,
    MEDICAL,
    book,
    catalogue_body,
    cell,
    draft,
    new_key,
    planning,
    push_catalogue,
    register,
    set_now,
    validate,
)
from sqlalchemy import func, select
from sync_helpers import Parent, open_account

from backoffice.models import (
    Activity,
    ActivityKind,
    BillingBasis,
    Booking,
    BookingState,
    Capacity,
    Family,
    OutboxItem,
    OutboxState,
    Period,
    PeriodKind,
    PortalRequest,
    ProcessingRule,
    Regie,
    RequestKind,
    RequestState,
    Settlement,
    Site,
    Unit,
    WhenFull,
)
from backoffice.services.requests.decisions import (
    FREED_ANSWER,
    DecisionError,
    accept_requests,
    refuse_requests,
    undo_decisions,
)
from backoffice.sync import run_round
from backoffice.sync.push import family_push_body

pytestmark = pytest.mark.postgres
LOU, TOM = "sophie.lemoine@example.org", "paul.durand@example.org"
AUTO = "Réservation acceptée (traitement automatique)."
WAITING = (
    "Liste d'attente : plus de place le lundi 07/12/2026 (Journée, 1 place). "
    "La réservation sera acceptée si une place se libère, dans l'ordre des demandes."
)


def _catalogue(db) -> None:
    """The back-office's side of the portal's catalogue: same codes, its own places, and
    the rule « acceptation automatique, complet → liste d'attente »."""
    with db.session() as s:
        activity = Activity(
            code="ALSH-LUDE",
            name="Accueil de loisirs du Lude",
            kind=ActivityKind.ALSH,
            regie=Regie(
                code="ALSH",
                name="Régie ALSH enfance",
                invoice_prefix="ALSH",
                credit_note_prefix="AV-ALSH",
                settlement=Settlement.DESK_AND_ONLINE,
            ),
            site=Site(code="LUDE", name="Le Lude"),
            billing_basis=BillingBasis.BOOKINGS,
        )
        activity.rule = ProcessingRule(auto_accept=True, when_full=WhenFull.WAITING_LIST)
        activity.periods = [
            Period(
                code="DEC-2026",
                name="Décembre 2026",
                kind=PeriodKind.HOLIDAYS,
                start_date=date(2026, 11, 30),
                end_date=date(2026, 12, 31),
            )
        ]
        journee = Unit(code="JOURNEE", name="Journée", position=1, weekdays="1,2,3,4,5")
        journee.capacities = [
            Capacity(start_date=date(2026, 11, 30), end_date=date(2026, 12, 31), places=2),
            Capacity(start_date=date(2026, 12, 7), end_date=date(2026, 12, 7), places=1),
        ]
        matin = Unit(
            code="MATIN",
            name="Accueil du matin",
            position=2,
            start_time=time(7, 30),
            end_time=time(8, 30),
            weekdays="1,2,4,5",
        )
        activity.units = [journee, matin]
        s.add(activity)


def _child_file_complete(db, portal, family_id: int, code: str) -> int:
    with db.session() as s:
        body = family_push_body(s.get(Family, family_id))
    [child] = body["children"]
    child |= {"medical": MEDICAL, "emergency_contacts": [CONTACT], "authorised_pickups": [CONTACT]}
    r = portal.staff("PUT", f"/staff/families/{code}", new_key(), json=body)
    assert r.status_code == 200, r.text
    return int(child["ref"])


@pytest.fixture
def families(db, agent, portal, smtp_sink, client):
    """Lou (Lemoine) and Tom (Durand) registered to ALSH-LUDE DEC-2026 through the
    portal and accepted at the desk; returns {name: (parent, child id, registration n°)}."""
    _catalogue(db)
    opened = {
        "Lou": (LOU, *open_account(db, agent, LOU)),
        "Tom": (TOM, *open_account(db, agent, TOM, family_name="Durand", first_name="Tom")),
    }
    portal_catalogue = catalogue_body(registration_auto_accept=False)
    portal_catalogue["activities"][0]["capacities"][0]["places"] = 1
    push_catalogue(portal, portal_catalogue)
    assert run_round(db, client).push.failed == 0
    set_now(portal, "2026-11-20 10:00")
    out = {}
    for name, (login, family_id, code) in opened.items():
        parent = Parent(portal, smtp_sink, login)
        child_id = _child_file_complete(db, portal, family_id, code)
        out[name] = (parent, child_id, register(portal, parent.token, str(child_id)))
    pulled = run_round(db, client)
    assert pulled.pull.by_kind == {"account.activated": 2, "registration.submitted": 2}
    with db.session() as s:
        ids = s.scalars(select(PortalRequest.id)).all()
        accept_requests(s, agent, ids, answer="Bienvenue !")
    pushed = run_round(db, client)
    assert pushed.ok and pushed.push.by_topic == {"registration.decision": 2}, pushed.summary()
    return out


def _requests(db, child_id: int, kind=RequestKind.BOOKING) -> dict[tuple[str, str], int]:
    with db.session() as s:
        rows = s.scalars(
            select(PortalRequest).where(
                PortalRequest.child_id == child_id, PortalRequest.kind == kind
            )
        ).all()
        return {(r.payload["unit"], r.payload["date"]): r.id for r in rows}


def _shown(portal, parent, reg: str, *cells: tuple[str, str]) -> dict:
    week = planning(portal, parent.token, reg, "2026-W50")
    return {
        (unit, day): (cell(week, day, unit)["state"], cell(week, day, unit)["answer"])
        for unit, day in cells
    }


def test_the_desk_round_trip(db, agent, portal, smtp_sink, client, families):
    (lou, lou_id, lou_reg), (tom, tom_id, tom_reg) = families["Lou"], families["Tom"]
    # Friday 4 December, 15:00: Thursday 10 is in time; Monday 7 and Tuesday 8 are late.
    set_now(portal, "2026-12-04 15:00")
    book(portal, lou.token, lou_reg, "2026-12-10")  # the portal's only place: accepted
    book(portal, tom.token, tom_reg, "2026-12-10")  # full on the portal: its waiting list
    book(portal, lou.token, lou_reg, "2026-12-07", "2026-12-08")
    book(portal, tom.token, tom_reg, "2026-12-07")
    book(portal, tom.token, tom_reg, "2026-12-07", unit="MATIN")
    assert cell(planning(portal, tom.token, tom_reg, "2026-W50"), "2026-12-10")["state"] == (
        "waiting_list"
    )

    pulled = run_round(db, client)

    # Tom's Thursday: the back-office has a second place; the rule accepts it at once and
    # the same round tells the portal. The late days wait for an agent.
    assert pulled.ok and pulled.pull.by_kind == {"booking.submitted": 6}, pulled.summary()
    assert pulled.auto_decided == 1 and pulled.push.by_topic == {"booking.decisions": 1}
    assert "Traitement automatique : 1 jour(s) décidé(s)." in pulled.summary()
    assert _shown(portal, tom, tom_reg, ("JOURNEE", "2026-12-10")) == {
        ("JOURNEE", "2026-12-10"): ("booked", AUTO)
    }
    lou_days, tom_days = _requests(db, lou_id), _requests(db, tom_id)
    with db.session() as s:
        pending = s.scalar(
            select(func.count(PortalRequest.id)).where(PortalRequest.state == RequestState.PENDING)
        )
        assert pending == 4
        auto = s.get(PortalRequest, tom_days[("JOURNEE", "2026-12-10")])
        assert (auto.state, auto.decided_by_id) == (RequestState.ACCEPTED, None)

    # The agent accepts Monday for both (one place: the first asked gets it, the other
    # waits), refuses Lou's Tuesday, accepts Tom's morning by mistake and undoes it.
    with db.session() as s:
        accept_requests(
            s, agent, [tom_days[("JOURNEE", "2026-12-07")], lou_days[("JOURNEE", "2026-12-07")]]
        )
    with db.session() as s:
        refuse_requests(s, agent, [lou_days[("JOURNEE", "2026-12-08")]], "Sortie complète.")
    morning = tom_days[("MATIN", "2026-12-07")]
    with db.session() as s:
        accept_requests(s, agent, [morning])
    with db.session() as s:
        undo_decisions(s, agent, [morning])
    with db.session() as s:
        refuse_requests(s, agent, [morning], "Accueil du matin réservé aux inscrits du matin.")

    pushed = run_round(db, client)

    assert pushed.ok and pushed.push.failed == 0, pushed.summary()
    # One item per family and call (Monday ×2, Tuesday, the morning's refusal); the undone
    # acceptance never left.
    assert pushed.push.by_topic == {"booking.decisions": 4} and pushed.auto_decided == 0
    assert _shown(portal, lou, lou_reg, ("JOURNEE", "2026-12-07"), ("JOURNEE", "2026-12-08")) == {
        ("JOURNEE", "2026-12-07"): ("booked", "Réservation acceptée."),
        ("JOURNEE", "2026-12-08"): ("refused", "Sortie complète."),
    }
    assert _shown(portal, tom, tom_reg, ("JOURNEE", "2026-12-07"), ("MATIN", "2026-12-07")) == {
        ("JOURNEE", "2026-12-07"): ("waiting_list", WAITING),
        ("MATIN", "2026-12-07"): ("refused", "Accueil du matin réservé aux inscrits du matin."),
    }
    # Tom was e-mailed the morning's refusal only, never its undone acceptance.
    [morning_mail] = [m for m in smtp_sink.to(TOM) if "(Accueil du matin)" in m.body]
    assert "Réservations refusées" in morning_mail.body
    assert "Réservations acceptées" not in morning_mail.body
    with db.session() as s, pytest.raises(DecisionError, match="déjà été transmise au portail"):
        undo_decisions(s, agent, [lou_days[("JOURNEE", "2026-12-08")]])

    # Lou cancels Monday after « J-1 à 10:00 »: a request; accepted as billed, her place
    # goes to Tom, first (and only) on the waiting list.
    draft(
        portal, lou.token, lou_reg, {"action": "unbook", "unit": "JOURNEE", "dates": ["2026-12-07"]}
    )
    [line] = validate(portal, lou.token, lou_reg)["lines"]
    assert line["decision"] == "cancel_requested"
    cancelling = run_round(db, client)
    assert cancelling.pull.requests == 1 and cancelling.auto_decided == 0
    [cancellation] = _requests(db, lou_id, RequestKind.CANCELLATION).values()
    with db.session() as s:
        accept_requests(s, agent, [cancellation], billed=True)
    with db.session() as s:
        given = s.get(PortalRequest, tom_days[("JOURNEE", "2026-12-07")])
        assert (given.state, given.answer_text) == (RequestState.ACCEPTED, FREED_ANSWER)

    told = run_round(db, client)

    assert told.ok and told.push.by_topic == {"booking.decisions": 2}, told.summary()
    lou_monday = cell(planning(portal, lou.token, lou_reg, "2026-W50"), "2026-12-07")
    assert lou_monday["state"] != "booked"
    assert lou_monday["answer"] == (
        "Annulation acceptée : cette journée reste facturée (absence non justifiée)."
    )
    assert "facturée" in smtp_sink.last_to(LOU).body
    assert _shown(portal, tom, tom_reg, ("JOURNEE", "2026-12-07")) == {
        ("JOURNEE", "2026-12-07"): ("booked", FREED_ANSWER)
    }
    with db.session() as s:
        monday = s.scalars(
            select(Booking)
            .join(Unit)
            .where(Unit.code == "JOURNEE", Booking.day == date(2026, 12, 7))
        ).all()
        assert sorted((b.child_id, b.state, b.cancellation_billed) for b in monday) == sorted(
            [(lou_id, BookingState.CANCELLED, True), (tom_id, BookingState.ACCEPTED, False)]
        )

    again = run_round(db, client)
    assert again.ok and again.moved == 0 and again.auto_decided == 0, again.summary()
    with db.session() as s:
        assert (
            s.scalar(
                select(func.count(OutboxItem.id)).where(
                    OutboxItem.state != OutboxState.ACKNOWLEDGED
                )
            )
            == 0
        )
