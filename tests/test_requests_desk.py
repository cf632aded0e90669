# Long module: one shared world of requests, the desk read side tested around it.
"""The requests desk's read side: the queue (one query, filters in SQL and in memory
agree), grouping, capacity with the « if accepted » projection, the child's alerts
(medical details by role, access recorded), the family balance, late cancellations.

Real databases (SQLite and PostgreSQL): a small catalogue built here (two sites,
one unit with 2 places on 02/12/2026, an age-group capacity), requests landed
like the portal's (one day each, ``payload["booking_id"]``), plus the demo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backoffice.demo.load import load_demo
from backoffice.demo.requests import add_portal_requests
from backoffice.models import (
    Activity,
    ActivityKind,
    AgeGroup,
    AuditAction,
    AuditEvent,
    BillingBasis,
    Booking,
    BookingState,
    Capacity,
    Child,
    ChildContact,
    Family,
    MedicalRecord,
    Period,
    PeriodKind,
    Person,
    PortalRequest,
    ProcessingRule,
    Regie,
    Registration,
    RegistrationState,
    RequestBooking,
    RequestKind,
    RequestState,
    Role,
    Settlement,
    Sex,
    Site,
    StaffUser,
    Unit,
)
from backoffice.services.common.actors import current_actor
from backoffice.services.families.queries import refresh_search_text
from backoffice.services.requests.queue import (
    Grouping,
    RequestFilter,
    count_pending,
    desk_choices,
    filter_rows,
    grouped,
    pending_requests,
)
from backoffice.services.requests.side_panel import (
    REFUSAL_REASONS,
    cancel_deadline,
    capacity_for,
    child_alerts,
    family_unpaid,
    late_cancellations,
    unit_days_of,
)

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 27)
FULL_DAY = date(2026, 12, 2)  # LUDE JOURNEE: 2 places, 1 taken
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def build_desk(db) -> dict:
    """Two ALSH sites, families MARTIN (Zoé, PAI), DURAND (Noé), PETIT (Lina, Tom);
    JOURNEE at Le Lude has 2 places on 02/12 (1 taken), 1 place for the 3-5 ans.
    Pending: 3 booking requests for 02/12 at Le Lude, 1 at Mayet, a late
    cancellation, a registration, a file change. Returns ids by name."""
    ids: dict = {}
    with db.session() as s:
        regie = Regie(
            code="ALSH",
            name="Régie ALSH enfance",
            invoice_prefix="ALSH",
            credit_note_prefix="AV-ALSH",
            settlement=Settlement.DESK_AND_ONLINE,
        )
        activities = {}
        for code, name in (("LUDE", "Le Lude"), ("MAYET", "Mayet")):
            site = Site(code=code, name=name, commune=name)
            activity = Activity(
                code=f"ALSH-{code}",
                name=f"Accueil de loisirs {name}",
                kind=ActivityKind.ALSH,
                regie=regie,
                site=site,
                billing_basis=BillingBasis.BOOKINGS,
            )
            activity.age_groups = [
                AgeGroup(code="MAT", name="3-5 ans", min_age_months=36, max_age_months=71),
                AgeGroup(code="ELEM", name="6-11 ans", min_age_months=72, max_age_months=143),
            ]
            activity.periods = [
                Period(
                    code="DEC-2026",
                    name="Décembre 2026",
                    kind=PeriodKind.HOLIDAYS,
                    start_date=date(2026, 11, 30),
                    end_date=date(2026, 12, 31),
                )
            ]
            unit = Unit(
                code="JOURNEE",
                name="Journée",
                position=1,
                start_time=time(8, 30),
                end_time=time(17, 30),
                weekdays="1,2,3,4,5",
            )
            activity.units = [unit]
            activity.rule = ProcessingRule(cancel_notice_days=2, cancel_notice_time=time(12, 0))
            s.add(activity)
            activities[code] = activity
        s.flush()
        lude = activities["LUDE"]
        lude.units[0].capacities = [
            Capacity(start_date=date(2026, 11, 30), end_date=date(2026, 12, 31), places=2),
            Capacity(
                age_group=lude.age_groups[0],
                start_date=date(2026, 11, 30),
                end_date=date(2026, 12, 31),
                places=1,
            ),
        ]
        families = {}
        for code, name, kids in (
            ("F00001", "MARTIN", [("Zoé", date(2016, 3, 2))]),
            ("F00002", "DURAND", [("Noé", date(2017, 9, 9))]),
            ("F00003", "PETIT", [("Lina", date(2021, 4, 4)), ("Tom", date(2015, 1, 1))]),
        ):
            family = Family(code=code, name=name, commune="Le Lude", login_email=f"{code}@x.org")
            for first, born in kids:
                family.children.append(
                    Child(
                        first_name=first,
                        last_name=name,
                        sex=Sex.FEMALE,
                        birth_date=born,
                        school="École du Lude",
                    )
                )
            refresh_search_text(family)
            s.add(family)
            families[code] = family
        s.flush()
        zoe = families["F00001"].children[0]
        zoe.medical_record = MedicalRecord(
            has_pai=True,
            pai_detail="Protocole asthme",
            allergy_food=True,
            allergy_detail="Arachide",
            doctor_name="Dr Leroy",
            doctor_phone="0243941111",
        )
        granny = Person(
            last_name="BERTIN",
            first_name="Odette",
            relationship_label="grand-mère",
            phone1="0243941234",
        )
        families["F00001"].persons.append(granny)
        zoe.contacts.append(ChildContact(person=granny, authorised_pickup=True))
        children = {c.first_name: c for f in families.values() for c in f.children}
        registrations = {}
        for first, child in children.items():
            for code, activity in activities.items():
                group = activity.age_groups[0 if first == "Lina" else 1]
                registration = Registration(
                    child=child,
                    activity=activity,
                    period=activity.periods[0],
                    age_group_id=group.id,
                    state=RegistrationState.ACCEPTED,
                )
                s.add(registration)
                registrations[(first, code)] = registration
        s.flush()
        # Tom already holds one of Le Lude's two places on 02/12.
        s.add(
            Booking(
                child=children["Tom"],
                unit=lude.units[0],
                day=FULL_DAY,
                registration_id=registrations[("Tom", "LUDE")].id,
                state=BookingState.ACCEPTED,
            )
        )
        seq = iter(range(1, 100))

        def request(kind, child, code, day, minutes, state=BookingState.REQUESTED, **extra):
            activity = activities[code]
            booking = Booking(
                child=child,
                unit=activity.units[0],
                day=day,
                registration_id=registrations[(child.first_name, code)].id,
                state=state,
                requested_at=NOW - timedelta(minutes=minutes),
            )
            n = next(seq)
            req = PortalRequest(
                portal_ref=f"req-{n}",
                kind=kind,
                family_id=child.family_id,
                child_id=child.id,
                activity_id=activity.id,
                period_id=activity.periods[0].id,
                received_at=NOW - timedelta(minutes=minutes),
                payload={
                    "booking_id": 1000 + n,
                    "activity": activity.code,
                    "unit": "JOURNEE",
                    "period": "DEC-2026",
                    "date": day.isoformat(),
                    **extra,
                },
            )
            req.bookings.append(RequestBooking(booking=booking))
            s.add(req)
            return req

        ids["zoe_lude"] = request(RequestKind.BOOKING, zoe, "LUDE", FULL_DAY, 300)
        ids["noe_lude"] = request(RequestKind.BOOKING, children["Noé"], "LUDE", FULL_DAY, 200)
        ids["lina_lude"] = request(RequestKind.BOOKING, children["Lina"], "LUDE", FULL_DAY, 100)
        ids["noe_mayet"] = request(
            RequestKind.BOOKING, children["Noé"], "MAYET", date(2026, 12, 9), 50
        )
        # Asked on 27/11 at 09:00 for Monday 30/11: deadline Thursday 26/11 12:00 → late.
        ids["late_cancel"] = request(
            RequestKind.CANCELLATION,
            children["Tom"],
            "MAYET",
            date(2026, 11, 30),
            0,
            BookingState.CANCEL_REQUESTED,
        )
        ids["registration"] = PortalRequest(
            portal_ref="reg-1",
            kind=RequestKind.REGISTRATION,
            family_id=families["F00002"].id,
            child_id=children["Noé"].id,
            activity_id=lude.id,
            period_id=lude.periods[0].id,
            received_at=NOW - timedelta(minutes=400),
            payload={"registration": "INS-1"},
        )
        ids["file_change"] = PortalRequest(
            portal_ref="file-1",
            kind=RequestKind.FILE_CHANGE,
            family_id=families["F00003"].id,
            received_at=NOW - timedelta(minutes=30),
            payload={},
        )
        ids["decided"] = PortalRequest(
            portal_ref="old-1",
            kind=RequestKind.FILE_CHANGE,
            family_id=families["F00003"].id,
            received_at=NOW - timedelta(days=3),
            state=RequestState.ACCEPTED,
            payload={},
        )
        s.add_all([ids["registration"], ids["file_change"], ids["decided"]])
        s.flush()
        result = {k: v.id for k, v in ids.items()}
        result.update(
            lude=lude.id,
            mayet=activities["MAYET"].id,
            lude_site=lude.site_id,
            mayet_site=activities["MAYET"].site_id,
            unit=lude.units[0].id,
            zoe=zoe.id,
            lina=children["Lina"].id,
            martin=families["F00001"].id,
            regie=regie.id,
            period=lude.periods[0].id,
            mayet_unit=activities["MAYET"].units[0].id,
        )
        return result


@pytest.fixture
def desk(db):
    return build_desk(db)


def _actor(db, role: Role, login: str):
    with db.session() as s:
        s.add(StaffUser(login=login, full_name=login, role=role))
    with db.session() as s:
        return current_actor(s, login)


def test_queue_lists_pending_requests_oldest_first_with_their_days(db, desk):
    with db.session() as s:
        rows = pending_requests(s)
        assert count_pending(s) == len(rows) == 7
    assert [r.id for r in rows] == [
        desk["registration"],
        desk["zoe_lude"],
        desk["noe_lude"],
        desk["lina_lude"],
        desk["noe_mayet"],
        desk["file_change"],
        desk["late_cancel"],
    ]
    by_id = {r.id: r for r in rows}
    zoe = by_id[desk["zoe_lude"]]
    assert (zoe.family_code, zoe.child_name, zoe.activity_name) == (
        "F00001",
        "Zoé MARTIN",
        "Accueil de loisirs Le Lude",
    )
    assert (zoe.first_day, zoe.last_day, zoe.days, zoe.waiting) == (FULL_DAY, FULL_DAY, 1, 0)
    assert (zoe.site_id, zoe.regie_id) == (desk["lude_site"], desk["regie"])
    registration = by_id[desk["registration"]]
    assert (registration.first_day, registration.last_day, registration.days) == (
        date(2026, 11, 30),
        date(2026, 12, 31),
        0,
    )
    change = by_id[desk["file_change"]]
    assert (change.child_id, change.first_day, change.decidable) == (None, None, False)
    assert "petit" in change.search and "lina" in change.search


def test_first_page_is_the_head_of_the_queue(db, desk):
    with db.session() as s:
        everything = pending_requests(s)
        assert pending_requests(s, limit=3) == everything[:3]


FILTERS = [
    RequestFilter(kind=RequestKind.BOOKING),
    RequestFilter(site_id=0),  # replaced by the Le Lude site id in the test
    RequestFilter(text="martin"),
    RequestFilter(text="lina petit"),
    RequestFilter(text="zzz"),
    RequestFilter(date_from=date(2026, 12, 3)),
    RequestFilter(date_from=date(2026, 12, 1), date_to=date(2026, 12, 2)),
]


@pytest.mark.parametrize("number", range(len(FILTERS)))
def test_sql_and_memory_filters_agree(db, desk, number):
    flt = FILTERS[number]
    if flt.site_id == 0:
        flt = RequestFilter(site_id=desk["lude_site"], kind=RequestKind.BOOKING)
    with db.session() as s:
        everything = pending_requests(s)
        in_sql = pending_requests(s, flt)
    assert filter_rows(everything, flt) == in_sql


def test_filters_pick_the_right_requests(db, desk):
    with db.session() as s:
        rows = pending_requests(s)
    lude = filter_rows(rows, RequestFilter(site_id=desk["lude_site"], kind=RequestKind.BOOKING))
    assert {r.id for r in lude} == {desk["zoe_lude"], desk["noe_lude"], desk["lina_lude"]}
    later = filter_rows(rows, RequestFilter(date_from=date(2026, 12, 3)))
    # The Mayet day (09/12) and the registration (its period runs to 31/12).
    assert {r.id for r in later} == {desk["noe_mayet"], desk["registration"]}
    assert [r.id for r in filter_rows(rows, RequestFilter(text="PÉTIT"))] == [
        desk["lina_lude"],
        desk["file_change"],
        desk["late_cancel"],
    ]
    period = filter_rows(rows, RequestFilter(period_id=desk["period"]))
    assert {r.id for r in period} == {
        desk["registration"],
        desk["zoe_lude"],
        desk["noe_lude"],
        desk["lina_lude"],
    }


def test_grouping_by_family_and_child(db, desk):
    with db.session() as s:
        rows = pending_requests(s)
    families = grouped(rows, Grouping.FAMILY)
    assert [g.family_code for g in families] == ["F00002", "F00001", "F00003"]  # by name
    durand = families[0]
    assert [r.id for r in durand.rows] == [
        desk["registration"],
        desk["noe_lude"],
        desk["noe_mayet"],
    ]
    children = grouped(rows, Grouping.CHILD)
    petit = [g.label for g in children if g.family_code == "F00003"]
    assert petit == ["PETIT (F00003)", "PETIT (F00003) — Lina PETIT", "PETIT (F00003) — Tom PETIT"]
    assert sum(len(g.rows) for g in children) == len(rows)


def test_capacity_counts_taken_places_and_projects_the_selection(db, desk):
    with db.session() as s:
        pairs = unit_days_of(s, [desk["zoe_lude"], desk["noe_lude"], desk["lina_lude"]])
        assert pairs == [(desk["unit"], FULL_DAY)]
        idle = capacity_for(s, pairs)
        chosen = capacity_for(s, pairs, accepting=[desk["zoe_lude"], desk["noe_lude"]])
        little = capacity_for(s, pairs, accepting=[desk["lina_lude"]])
    everyone, toddlers = idle
    assert (everyone.group_name, everyone.places, everyone.taken, everyone.left) == (
        "Tous âges",
        2,
        1,
        1,
    )
    assert (toddlers.group_name, toddlers.places, toddlers.taken) == ("3-5 ans", 1, 0)
    assert everyone.accepting == 0 and not everyone.overfull
    assert (chosen[0].projected, chosen[0].left_after, chosen[0].overfull) == (3, -1, True)
    assert chosen[1].accepting == 0  # Zoé and Noé are 6-11 ans
    assert (little[0].projected, little[1].projected, little[1].overfull) == (2, 1, False)


def test_capacity_after_accepting_and_waiting_list(db, desk, agent_actor):
    from backoffice.services.requests.decisions import accept_requests

    with db.session() as s:
        accept_requests(s, agent_actor, [desk["zoe_lude"], desk["noe_lude"]])
    with db.session() as s:
        [everyone, _] = capacity_for(s, [(desk["unit"], FULL_DAY)])
        waiting = {r.id: r for r in pending_requests(s)}
    assert (everyone.taken, everyone.waiting, everyone.left) == (2, 1, 0)
    # Noé's day waits: still pending, shown as waiting.
    assert desk["zoe_lude"] not in waiting and waiting[desk["noe_lude"]].waiting == 1


def test_cancellation_frees_a_place_in_the_projection(db, desk):
    with db.session() as s:
        pairs = unit_days_of(s, [desk["late_cancel"]])
        [line] = capacity_for(s, pairs, accepting=[desk["late_cancel"]])
    assert (line.places, line.taken, line.accepting, line.projected) == (None, 1, -1, 0)


@pytest.fixture
def agent_actor(db):
    return _actor(db, Role.AGENT, "mhuet")


def test_child_alerts_for_a_desk_agent_say_that_without_details(db, desk, agent_actor):
    with db.session() as s:
        alerts = child_alerts(s, desk["zoe"], agent_actor, TODAY)
    assert alerts.flags == ("PAI", "Allergie alimentaire")
    assert alerts.medical_details is None
    assert alerts.pickups == ("Odette BERTIN (grand-mère)",)
    assert alerts.missing == ("Vaccins obligatoires : Diphtérie, Tétanos, Poliomyélite",)
    with db.session() as s:
        assert not s.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == AuditAction.VIEW_MEDICAL)
        )


def test_child_alerts_for_a_director_show_details_and_record_the_access(db, desk):
    director = _actor(db, Role.DIRECTOR, "dgarnier")
    with db.session() as s:
        alerts = child_alerts(s, desk["zoe"], director, TODAY)
    assert alerts.medical_details == (
        "PAI : Protocole asthme",
        "Allergie alimentaire : Arachide",
    )
    with db.session() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == AuditAction.VIEW_MEDICAL)
        ).one()
        assert (event.child_id, event.actor) == (desk["zoe"], "dgarnier")
    with db.session() as s:
        lina = child_alerts(s, desk["lina"], director, TODAY)
    assert (lina.flags, lina.medical_details, lina.pickups) == ((), (), ())


def test_family_balance_without_invoices_is_zero(db, desk):
    with db.session() as s:
        assert family_unpaid(s, "F00001") == Decimal("0")


def test_late_cancellations_follow_the_activity_deadline(db, desk):
    with db.session() as s:
        rule = s.scalars(
            select(ProcessingRule).where(ProcessingRule.activity_id == desk["mayet"])
        ).one()
        # Monday 30/11, J-2 à 12:00 without week-ends: Thursday 26/11 at 12:00 in Paris.
        assert cancel_deadline(date(2026, 11, 30), rule) == datetime(
            2026, 11, 26, 11, 0, tzinfo=UTC
        )
        assert late_cancellations(s, [desk["late_cancel"], desk["zoe_lude"]]) == {
            desk["late_cancel"]
        }
        booking = s.scalars(
            select(Booking)
            .join(RequestBooking)
            .where(RequestBooking.request_id == desk["late_cancel"])
        ).one()
        booking.day = date(2026, 12, 14)
    with db.session() as s:
        assert late_cancellations(s, [desk["late_cancel"]]) == set()


def test_refusal_reasons_are_french_and_cover_the_usual_cases():
    for reason in ("Complet", "Dossier incomplet", "Hors délai", "Enfant non inscrit à la période"):
        assert reason in REFUSAL_REASONS


def test_desk_choices_list_the_catalogue(db, desk):
    with db.session() as s:
        choices = desk_choices(s, TODAY)
        assert [c.name for c in choices.sites] == ["Le Lude", "Mayet"]
        assert [c.name for c in choices.periods] == [
            "Décembre 2026 (Accueil de loisirs Le Lude)",
            "Décembre 2026 (Accueil de loisirs Mayet)",
        ]
        assert desk_choices(s, date(2027, 2, 1)).periods == ()


def test_demo_plus_portal_requests(db):
    load_demo(db, families=40, seed=7, today=TODAY)
    with db.session() as s:
        before = count_pending(s)
        added = add_portal_requests(s, 120, seed=3, today=TODAY)
    assert added == 120
    with db.session() as s:
        rows = pending_requests(s)
        assert len(rows) == before + added
        portal_like = [r for r in rows if r.kind is RequestKind.BOOKING and r.days == 1]
        assert len(portal_like) >= 90
        request = s.get(PortalRequest, portal_like[-1].id)
        [link] = request.bookings
        assert link.booking.state is BookingState.REQUESTED
        assert request.payload["date"] == link.booking.day.isoformat()
        assert link.booking.day > TODAY
        # Rows added later still get fresh ids (sequences moved past the bulk insert).
        s.add(PortalRequest(kind=RequestKind.FILE_CHANGE, family_id=request.family_id, payload={}))
        s.flush()


# -- what the desk runs (services.requests.queue.first_page, side_panel.side_data, desk) ----


def test_first_page_counts_the_queue_and_lists_the_choices(db, desk):
    from backoffice.services.requests.queue import first_page

    with db.session() as s:
        everything = pending_requests(s)
        head = first_page(s, TODAY, size=3)
        whole = first_page(s, TODAY)
        choices = desk_choices(s, TODAY)
    assert (head.rows, head.total, head.complete) == (everything[:3], 7, False)
    assert (whole.rows, whole.total, whole.complete) == (everything, 7, True)
    assert head.choices == choices


def test_side_data_of_a_selection(db, desk, agent_actor):
    from backoffice.services.requests.side_panel import side_data

    with db.session() as s:
        rows = {r.id: r for r in pending_requests(s)}
        selected = [rows[desk[k]] for k in ("zoe_lude", "noe_lude", "file_change")]
        data = side_data(s, agent_actor, TODAY, selected, rows[desk["zoe_lude"]])
        expected = capacity_for(
            s, [(desk["unit"], FULL_DAY)], accepting=[desk["zoe_lude"], desk["noe_lude"]]
        )
        empty = side_data(s, agent_actor, TODAY, [], None)
    assert data.selected == 2  # the file change is not decided here
    assert data.capacity == tuple(expected) and data.more_days == 0
    assert data.alerts.flags == ("PAI", "Allergie alimentaire")
    assert data.family_label.endswith("(F00001)") and data.balance == Decimal("0")
    assert (empty.selected, empty.capacity, empty.alerts, empty.family_label) == (0, (), None, "")


def test_decide_requests_bills_only_the_late_cancellations(db, desk, agent_actor):
    from backoffice.services.requests.desk import Decision, decide_requests

    chosen = [desk["zoe_lude"], desk["noe_lude"], desk["late_cancel"]]
    with db.session() as s:
        outcome = decide_requests(
            s, agent_actor, chosen, Decision(True, "", billed=True), late={desk["late_cancel"]}
        )
    # 2 places, 1 taken: Zoé has the last one, Noé waits; the late cancellation is billed.
    assert (outcome.ids, outcome.accepted, outcome.waiting, outcome.refused) == (
        tuple(chosen),
        2,
        1,
        0,
    )
    assert outcome.text() == (
        "Demandes : 2 acceptées, 1 en liste d'attente (complet). "
        "Ctrl+Z pour annuler avant la synchronisation."
    )
    with db.session() as s:
        cancelled = s.scalars(
            select(Booking)
            .join(RequestBooking)
            .where(RequestBooking.request_id == desk["late_cancel"])
        ).one()
        assert (cancelled.state, cancelled.cancellation_billed) == (BookingState.CANCELLED, True)
    with db.session() as s:
        refused = decide_requests(
            s, agent_actor, [desk["lina_lude"]], Decision(False, "Complet", billed=None)
        )
    assert (refused.refused, refused.text()) == (
        1,
        "Demande : 1 refusée. Ctrl+Z pour annuler avant la synchronisation.",
    )
