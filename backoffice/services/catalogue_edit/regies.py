"""Régies: name, code, numbering prefixes, how they are paid, PayFiP ``numcli``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.models import Activity, AuditAction, Regie, Settlement, Unit
from backoffice.services.catalogue_edit.checks import usage_problems
from backoffice.services.catalogue_edit.common import (
    CatalogueRefused,
    audit,
    check_version,
    queue_for_portal,
    refuse_if,
    require_catalogue_role,
)
from backoffice.services.common.actors import Actor
from backoffice.services.common.settings_store import get_setting, put_setting

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")
_PREFIX = re.compile(r"^[A-Z0-9-]{1,12}$")
_NUMCLI = re.compile(r"^\d{6}$")


def numcli_key(code: str) -> str:
    return f"payfip.numcli.{code}"


@dataclass
class RegieInput:
    code: str
    name: str
    invoice_prefix: str
    credit_note_prefix: str = ""
    payable_online: bool = False
    tresor_public: bool = False
    payfip_numcli: str = ""
    payment_instructions: str = ""
    payment_due_days: int = 30

    @property
    def settlement(self) -> Settlement:
        if self.tresor_public:
            return Settlement.TRESOR_PUBLIC
        return Settlement.DESK_AND_ONLINE if self.payable_online else Settlement.DESK


def list_regies(session: Session, *, with_archived: bool = True) -> list[Regie]:
    query = select(Regie).order_by(Regie.archived_on.is_not(None), Regie.code)
    if not with_archived:
        query = query.where(Regie.archived_on.is_(None))
    return list(session.scalars(query))


def payfip_numcli(session: Session, regie: Regie) -> str:
    return get_setting(session, numcli_key(regie.code))


def _problems(session: Session, data: RegieInput, regie_id: int | None) -> list[str]:
    problems = []
    data.code = data.code.strip().upper()
    data.invoice_prefix = data.invoice_prefix.strip().upper()
    data.credit_note_prefix = (
        data.credit_note_prefix.strip() or f"AV-{data.invoice_prefix}"
    ).upper()
    data.name = data.name.strip()
    if not _CODE.match(data.code):
        problems.append(
            "Code de régie : lettres majuscules, chiffres, « - » ou « _ » (20 au plus)."
        )
    if not data.name:
        problems.append("Le nom de la régie est obligatoire.")
    for value, label in ((data.invoice_prefix, "facture"), (data.credit_note_prefix, "avoir")):
        if not _PREFIX.match(value):
            problems.append(
                f"Préfixe d'{label} « {value} » : majuscules, chiffres et « - » (12 au plus)."
            )
    if data.tresor_public and data.payable_online:
        problems.append(
            "Une régie réglée par le Trésor public (avis des sommes à payer) ne se paie pas "
            "en ligne sur le portail : décochez l'une des deux cases."
        )
    numcli = data.payfip_numcli.strip()
    if data.payable_online and not _NUMCLI.match(numcli):
        problems.append("Paiement en ligne : le numéro client PayFiP (numcli) compte 6 chiffres.")
    if not 0 <= data.payment_due_days <= 120:
        problems.append("Délai de paiement : de 0 à 120 jours.")
    for other in session.scalars(select(Regie).where(Regie.id != (regie_id or 0))):
        if other.code == data.code:
            problems.append(f"Le code « {data.code} » est déjà celui d'une autre régie.")
        if other.invoice_prefix == data.invoice_prefix:
            problems.append(
                f"Le préfixe de facture « {data.invoice_prefix} » est déjà celui de la régie "
                f"« {other.code} »."
            )
        if other.credit_note_prefix == data.credit_note_prefix:
            problems.append(
                f"Le préfixe d'avoir « {data.credit_note_prefix} » est déjà celui de la régie "
                f"« {other.code} »."
            )
    return problems


def save_regie(
    session: Session,
    actor: Actor,
    data: RegieInput,
    regie_id: int | None = None,
    expected_version: int | None = None,
) -> Regie:
    """Create (``regie_id`` None) or update a régie; every problem is listed at once."""
    require_catalogue_role(session, actor, "modifier les régies")
    regie = session.get(Regie, regie_id) if regie_id else None
    if regie_id and regie is None:
        raise CatalogueRefused(["Cette régie n'existe plus : rechargez la page."])
    if regie is not None:
        check_version(regie, expected_version, f"La régie « {regie.code} »")
        if data.code.strip().upper() != regie.code:
            refuse_if(["Le code d'une régie ne change pas (il numérote ses documents)."])
    refuse_if(_problems(session, data, regie_id))
    values = {
        "code": data.code,
        "name": data.name,
        "invoice_prefix": data.invoice_prefix,
        "credit_note_prefix": data.credit_note_prefix,
        "settlement": data.settlement,
        "payment_instructions": data.payment_instructions.strip(),
        "payment_due_days": data.payment_due_days,
    }
    if regie is None:
        regie = Regie(**values)
        session.add(regie)
        audit(session, actor, AuditAction.CREATE, "regie", regie, regie.code)
    else:
        for key, value in values.items():
            if getattr(regie, key) != value:
                setattr(regie, key, value)
        audit(session, actor, AuditAction.UPDATE, "regie", regie)
    put_setting(session, numcli_key(regie.code), data.payfip_numcli.strip())
    session.flush()
    queue_for_portal(session, f"Paramètres : régie {regie.code}", windows=True)
    return regie


def delete_regie(session: Session, actor: Actor, regie_id: int, expected_version: int) -> None:
    """Only a régie nothing uses (no activity) can go."""
    require_catalogue_role(session, actor, "supprimer une régie")
    regie = session.get(Regie, regie_id)
    if regie is None:
        return
    check_version(regie, expected_version, f"La régie « {regie.code} »")
    activities = list(session.scalars(select(Activity.name).where(Activity.regie_id == regie_id)))
    if activities:
        unit_ids = list(
            session.scalars(select(Unit.id).join(Activity).where(Activity.regie_id == regie_id))
        )
        problems = usage_problems(
            session,
            unit_ids,
            f"La régie « {regie.code} »",
            archive_hint="archivez plutôt ses activités, puis la régie",
        ) or [
            f"La régie « {regie.code} » porte des activités ({', '.join(activities)}) : "
            "rattachez-les à une autre régie avant de la supprimer."
        ]
        refuse_if(problems)
    audit(session, actor, AuditAction.DELETE, "regie", regie, regie.code)
    session.delete(regie)
    session.flush()
    queue_for_portal(session, f"Paramètres : régie {regie.code} supprimée", windows=True)
