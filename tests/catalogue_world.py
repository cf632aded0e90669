"""A small world for the catalogue screens' tests: the example catalogue, a family, bookings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from backoffice.models import (
    Activity,
    Booking,
    BookingState,
    Child,
    ClosedPeriod,
    Family,
    Invoice,
    InvoiceLine,
    Role,
    Sex,
    StaffUser,
    Unit,
)
from backoffice.services.catalogue.import_export import apply_catalogue, parse_catalogue
from backoffice.services.common.actors import Actor, actor_for

EXAMPLE = Path(__file__).resolve().parent.parent / "resources" / "catalogue-exemple.toml"
EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")


def load_example(db) -> None:
    with db.session() as s:
        apply_catalogue(s, parse_catalogue(EXAMPLE_TEXT, "exemple.toml"))


def staff(db, login: str, role: Role) -> Actor:
    with db.session() as s:
        user = StaffUser(login=login, full_name=login.capitalize(), role=role)
        s.add(user)
        s.flush()
        return actor_for(user)


def unit_id(session, activity: str, unit: str) -> int:
    return session.scalars(
        select(Unit.id).join(Activity).where(Activity.code == activity, Unit.code == unit)
    ).one()


def activity_id(session, code: str) -> int:
    return session.scalars(select(Activity.id).where(Activity.code == code)).one()


def book_children(
    db, activity: str, unit: str, day: date, names: list[tuple[str, date]]
) -> list[int]:
    """One family, one accepted booking per child (first name, birth date) on ``day``."""
    with db.session() as s:
        family = Family(code=f"F{len(names):05d}{day:%d%m}", name="BERNARD")
        s.add(family)
        s.flush()
        uid = unit_id(s, activity, unit)
        ids = []
        for first, birth in names:
            child = Child(
                family_id=family.id,
                first_name=first,
                last_name="Bernard",
                sex=Sex.FEMALE,
                birth_date=birth,
            )
            s.add(child)
            s.flush()
            s.add(Booking(child_id=child.id, unit_id=uid, day=day, state=BookingState.ACCEPTED))
            ids.append(child.id)
        return ids


def invoice_day(db, activity: str, unit: str, day: date, regie_code: str) -> None:
    """One invoice line for ``day`` (the day is invoiced)."""
    from backoffice.models import Regie

    with db.session() as s:
        regie = s.scalars(select(Regie).where(Regie.code == regie_code)).one()
        family = Family(code="F09999", name="MARTIN")
        s.add(family)
        s.flush()
        invoice = Invoice(
            number=f"{regie.invoice_prefix}-2026-00001",
            regie=regie,
            year=2026,
            seq=1,
            family_id=family.id,
            issue_date=date(2026, 11, 5),
            due_date=date(2026, 12, 5),
            period_start=day,
            period_end=day,
            total=Decimal("8.50"),
            billing_name="MARTIN",
            billing_address="72800 Le Lude",
        )
        invoice.lines.append(
            InvoiceLine(
                unit_id=unit_id(s, activity, unit),
                day=day,
                label="Journée",
                quantity=Decimal(1),
                unit_price=Decimal("8.50"),
                amount=Decimal("8.50"),
            )
        )
        s.add(invoice)


def close_period(db, regie_code: str, start: date, end: date) -> None:
    from backoffice.models import Regie

    with db.session() as s:
        regie = s.scalars(select(Regie).where(Regie.code == regie_code)).one()
        s.add(ClosedPeriod(regie_id=regie.id, start_date=start, end_date=end))
