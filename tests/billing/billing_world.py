"""A small hand-made catalogue and families whose invoices are computed by hand.

Régies ALSH (online + desk), PERI and MAC (Trésor public); QF brackets
≤ 600 / 601–900 / ≥ 901. Figures are worked out in ``test_billing_figures.py``.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from sqlalchemy.orm import Session

from backoffice.models import (
    Activity,
    ActivityKind,
    AllowanceScheme,
    Attendance,
    BillingBasis,
    BillingUnit,
    Booking,
    BookingState,
    Child,
    Family,
    FamilyQuotient,
    Guardian,
    Period,
    PeriodKind,
    Regie,
    Registration,
    RegistrationState,
    Settlement,
    Sex,
    Site,
    Tariff,
    Unit,
)

D = Decimal
SCHOOL_YEAR = date(2025, 9, 1)
BRACKETS = ((0, 600), (601, 900), (901, None))


def tariffs(unit: Unit, prices, valid_from=SCHOOL_YEAR, rank=None, only=None) -> None:
    for (low, high), price in zip(BRACKETS, prices, strict=True):
        if only is not None and (low, high) != only:
            continue
        unit.tariffs.append(
            Tariff(valid_from=valid_from, qf_min=low, qf_max=high, child_rank=rank, price=D(price))
        )


def regie(session, code, settlement, name) -> Regie:
    r = Regie(
        code=code,
        name=name,
        invoice_prefix=code,
        credit_note_prefix=f"AV-{code}",
        settlement=settlement,
        payment_due_days=15 if code == "ALSH" else 30,
    )
    session.add(r)
    return r


class World:
    """Handles on what :func:`build` created (ids stay valid across sessions)."""


def build(session: Session) -> World:
    w = World()
    site = Site(code="POLE", name="Pôle intercommunal du Lude")
    session.add(site)
    alsh_r = regie(session, "ALSH", Settlement.DESK_AND_ONLINE, "Régie ALSH enfance")
    peri_r = regie(session, "PERI", Settlement.TRESOR_PUBLIC, "Régie périscolaire")
    mac_r = regie(session, "MAC", Settlement.TRESOR_PUBLIC, "Régie Multi-accueil")

    alsh = Activity(
        code="ALSH-LUDE",
        name="Accueil de loisirs",
        kind=ActivityKind.ALSH,
        regie=alsh_r,
        site=site,
        billing_basis=BillingBasis.BOOKINGS,
        rank_pricing=True,
    )
    summer = Period(
        activity=alsh,
        code="ete-2026",
        name="Été 2026",
        kind=PeriodKind.HOLIDAYS,
        start_date=date(2026, 7, 6),
        end_date=date(2026, 8, 28),
    )
    day = Unit(
        activity=alsh,
        code="journee",
        name="Journée",
        position=1,
        start_time=time(9),
        end_time=time(17),
    )
    for rank, prices in (
        (1, ("8.50", "11.20", "14.60")),
        (2, ("7.65", "10.08", "13.14")),
        (3, ("6.80", "8.96", "11.68")),
    ):
        tariffs(day, prices, rank=rank)
    # A price change from 15 July 2026 for the middle bracket (ranks 1 and 2).
    tariffs(day, (None, "11.50", None), valid_from=date(2026, 7, 15), rank=1, only=(601, 900))
    tariffs(day, (None, "10.35", None), valid_from=date(2026, 7, 15), rank=2, only=(601, 900))

    peri = Activity(
        code="PERI-LUDE",
        name="Périscolaire",
        kind=ActivityKind.PERISCOLAIRE,
        regie=peri_r,
        site=site,
        billing_basis=BillingBasis.ATTENDANCE,
    )
    Period(
        activity=peri,
        code="2025-2026",
        name="Année 2025-2026",
        kind=PeriodKind.SCHOOL_YEAR,
        start_date=SCHOOL_YEAR,
        end_date=date(2026, 7, 3),
    )
    morning = Unit(
        activity=peri,
        code="matin",
        name="Accueil du matin",
        position=1,
        start_time=time(7, 15),
        end_time=time(8, 35),
    )
    evening = Unit(
        activity=peri,
        code="soir",
        name="Accueil du soir",
        position=2,
        start_time=time(16, 30),
        end_time=time(18, 45),
    )
    tariffs(morning, ("1.10", "1.45", "1.80"))
    tariffs(evening, ("1.60", "2.05", "2.50"))

    mac = Activity(
        code="MA-LUDE",
        name="Multi-accueil",
        kind=ActivityKind.MULTI_ACCUEIL,
        regie=mac_r,
        site=site,
        billing_basis=BillingBasis.HOURS,
    )
    Period(
        activity=mac,
        code="accueil",
        name="Accueil",
        kind=PeriodKind.OTHER,
        start_date=SCHOOL_YEAR,
        end_date=date(2026, 8, 31),
    )
    hour = Unit(
        activity=mac,
        code="heure",
        name="Heure d'accueil",
        position=1,
        start_time=time(7, 30),
        end_time=time(18, 30),
        billing_unit=BillingUnit.HOUR,
    )
    tariffs(hour, ("0.75", "1.25", "1.90"))
    session.add_all([alsh, peri, mac])

    # Martin: two children, QF 750 (middle bracket) since January 2026.
    martin = Family(
        code="F00042",
        name="Martin",
        address_line1="3 rue du Loir",
        postcode="72800",
        commune="Le Lude",
        billing_email="martin@example.org",
    )
    martin.guardians.append(
        Guardian(rank=1, civility="Mme", first_name="Claire", last_name="Martin", is_payer=True)
    )
    martin.quotients.append(
        FamilyQuotient(
            quotient=450,
            valid_from=date(2025, 1, 1),
            valid_to=date(2025, 12, 31),
            source=AllowanceScheme.CAF,
        )
    )
    martin.quotients.append(
        FamilyQuotient(quotient=750, valid_from=date(2026, 1, 1), source=AllowanceScheme.CAF)
    )
    lea = Child(first_name="Léa", last_name="Martin", sex=Sex.FEMALE, birth_date=date(2016, 4, 10))
    tom = Child(first_name="Tom", last_name="Martin", sex=Sex.MALE, birth_date=date(2019, 9, 2))
    martin.children += [lea, tom]

    # Petit: a baby at the multi-accueil, QF 500.
    petit = Family(
        code="F00043",
        name="Petit",
        address_line1="1 place de l'Église",
        postcode="72360",
        commune="Mayet",
    )
    petit.guardians.append(Guardian(rank=1, first_name="Paul", last_name="Petit", is_payer=True))
    petit.quotients.append(
        FamilyQuotient(quotient=500, valid_from=date(2026, 1, 1), source=AllowanceScheme.CAF)
    )
    jade = Child(first_name="Jade", last_name="Petit", sex=Sex.FEMALE, birth_date=date(2024, 5, 1))
    petit.children.append(jade)

    # Roux: no QF on file, no address.
    roux = Family(code="F00044", name="Roux")
    noe = Child(first_name="Noé", last_name="Roux", sex=Sex.MALE, birth_date=date(2017, 1, 5))
    roux.children.append(noe)
    session.add_all([martin, petit, roux])
    session.flush()
    for child in (lea, tom):
        session.add(
            Registration(
                child_id=child.id,
                activity_id=alsh.id,
                period_id=summer.id,
                state=RegistrationState.ACCEPTED,
            )
        )
    session.flush()

    def book(child, unit, day, state=BookingState.ACCEPTED, **extra) -> Booking:
        b = Booking(child_id=child.id, unit_id=unit.id, day=day, state=state, **extra)
        session.add(b)
        return b

    # ALSH, July 2026 -----------------------------------------------------------
    for d in (6, 7, 8, 9, 10, 16, 17):
        book(lea, day, date(2026, 7, d))
    for d in (6, 7, 8, 17):
        book(tom, day, date(2026, 7, d))
    book(
        tom,
        day,
        date(2026, 7, 9),
        BookingState.CANCELLED,
        decision_reason="Annulation dans les délais",
    )
    book(
        tom,
        day,
        date(2026, 7, 10),
        BookingState.CANCELLED,
        cancellation_billed=True,
        decision_reason="Annulation tardive facturée",
    )
    book(
        tom,
        day,
        date(2026, 7, 16),
        BookingState.CANCELLED,
        decision_reason="Annulation tardive justifiée (certificat médical)",
    )
    # A request still waiting: not billed, flagged.
    book(lea, day, date(2026, 7, 20), BookingState.REQUESTED)
    # August, for a second ALSH invoice.
    for d in (3, 4):
        book(lea, day, date(2026, 8, d))

    # Périscolaire, March 2026 ----------------------------------------------------
    evenings = (2, 3, 5, 6, 9, 10, 12, 13, 16, 17)
    for d in evenings:
        attendance = Attendance.PRESENT
        if d == 12:
            attendance = Attendance.ABSENT
        elif d == 13:
            attendance = Attendance.ABSENT_JUSTIFIED
        book(lea, evening, date(2026, 3, d), attendance=attendance)
    for d in (2, 3, 5, 6):
        book(tom, morning, date(2026, 3, d), attendance=Attendance.PRESENT)
    book(tom, morning, date(2026, 3, 9))  # booked, no attendance recorded
    book(noe, evening, date(2026, 3, 2), attendance=Attendance.PRESENT)

    # Multi-accueil, March 2026 ---------------------------------------------------
    P = Attendance.PRESENT
    book(
        jade,
        hour,
        date(2026, 3, 2),
        attendance=P,
        arrival_time=time(8, 5),
        departure_time=time(17, 20),
    )
    book(
        jade,
        hour,
        date(2026, 3, 3),
        attendance=P,
        arrival_time=time(8, 0),
        departure_time=time(17, 1),
    )
    book(
        jade,
        hour,
        date(2026, 3, 4),
        attendance=P,
        arrival_time=time(7, 30),
        departure_time=time(12, 10),
    )
    book(jade, hour, date(2026, 3, 5), attendance=Attendance.ABSENT_JUSTIFIED)
    book(jade, hour, date(2026, 3, 6), attendance=P)  # no times: flagged
    book(jade, hour, date(2026, 3, 9), attendance=Attendance.ABSENT)
    session.flush()

    w.regies = {"ALSH": alsh_r.id, "PERI": peri_r.id, "MAC": mac_r.id}
    w.units = {"journee": day.id, "matin": morning.id, "soir": evening.id, "heure": hour.id}
    w.children = {"lea": lea.id, "tom": tom.id, "jade": jade.id, "noe": noe.id}
    w.families = {"martin": martin.id, "petit": petit.id, "roux": roux.id}
    return w
