"""Fixtures of the document tests: a database with the collectivity, two régies,
a family of two children, invoices inserted through the ORM; an SMTP sink."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from invoice_kit import World, free_port


@pytest.fixture
def billing_db(sqlite_db):
    from backoffice.models import (
        Child,
        Family,
        PaymentWindow,
        Regie,
        Setting,
        Settlement,
        Sex,
    )

    with sqlite_db.session() as s:
        for key, value in {
            "collectivity.name": "Communauté de communes Sud Sarthe",
            "collectivity.address": "Pôle intercommunal du Lude\nAllée de l'ancienne gare\n72800 Le Lude",
            "collectivity.siret": "20007311200019",
            "collectivity.email": "portailfamilles@comcomsudsarthe.fr",
            "collectivity.phone": "02 61 91 72 00",
            "collectivity.logo": "/nonexistent/logo.png",
        }.items():
            s.add(Setting(key=key, value=value))
        alsh = Regie(
            code="ALSH", name="Régie ALSH enfance", invoice_prefix="ALSH",
            credit_note_prefix="AV-ALSH", settlement=Settlement.DESK_AND_ONLINE,
            payment_instructions="Chèques-vacances ANCV acceptés au guichet.",
            payment_due_days=15,
        )  # fmt: skip
        alsh.payment_windows.append(
            PaymentWindow(label="Été 2026", opens_on=date(2026, 6, 13), closes_on=date(2026, 7, 3))
        )
        peri = Regie(
            code="PERI", name="Régie périscolaire TAP mercredi péricentre",
            invoice_prefix="PERI", credit_note_prefix="AV-PERI",
            settlement=Settlement.TRESOR_PUBLIC, payment_instructions="", payment_due_days=30,
        )  # fmt: skip
        family = Family(code="F00137", name="MARTIN", billing_email="elodie.martin@example.org")
        family.children.append(
            Child(last_name="Martin", first_name="Léa", sex=Sex.FEMALE, birth_date=date(2018, 3, 2))
        )
        family.children.append(
            Child(last_name="Martin", first_name="Tom", sex=Sex.MALE, birth_date=date(2021, 9, 14))
        )
        s.add_all([alsh, peri, family])
        s.flush()
    return sqlite_db


@pytest.fixture
def world(billing_db) -> World:
    from sqlalchemy import select

    from backoffice.models import Child, Family, Regie

    with billing_db.session() as s:
        regies = {r.code: r.id for r in s.scalars(select(Regie))}
        family = s.scalar(select(Family))
        kids = list(s.scalars(select(Child.id).order_by(Child.birth_date)))
        return World(regies, family.id, kids)


# -- SMTP sink ----------------------------------------------------------------------


@dataclass
class Sink:
    port: int
    messages: list = field(default_factory=list)
    envelopes: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink():
    sink = Sink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()
