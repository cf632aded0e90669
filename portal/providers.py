"""Online payment providers: PayFiP (DGFiP) and a local simulated one.

A provider builds the payment operation the parent's browser is sent to, and
reads the notification telling the result. Both speak PayFiP's result codes:

====  ===================================  ===============
code  PayFiP meaning                       ``result``
====  ===================================  ===============
P     paiement par carte effectué          ``paid_card``
V     prélèvement unique validé            ``paid_direct_debit``
R     paiement par carte refusé            ``card_refused``
Z     prélèvement refusé                   ``direct_debit_refused``
A     paiement abandonné par l'usager      ``abandoned``
====  ===================================  ===============

The portal adds ``expired``: no result 15 minutes after the start.
PayFiP assumptions are listed in ``docs/portal.md`` (« PayFiP : hypothèses »).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

PAYFIP_RESULTS: dict[str, str] = {
    "P": "paid_card",
    "V": "paid_direct_debit",
    "R": "card_refused",
    "Z": "direct_debit_refused",
    "A": "abandoned",
}
PAID = frozenset({"paid_card", "paid_direct_debit"})
RESULT_LABELS = {
    "paid_card": "Payé par carte bancaire",
    "paid_direct_debit": "Payé par prélèvement unique",
    "card_refused": "Paiement par carte refusé",
    "direct_debit_refused": "Prélèvement refusé",
    "abandoned": "Paiement abandonné",
    "expired": "Paiement non terminé dans le délai (15 minutes)",
}
REFDET_RE = re.compile(r"^[A-Za-z0-9]{1,30}$")
OBJECT_MAX = 100
# PayFiP bounds on one operation (assumption): 1,00 € to 100 000,00 €.
MIN_CENTS = 100
MAX_CENTS = 10_000_000


class NotificationError(ValueError):
    """A notification that cannot be read (French message)."""


@dataclass(frozen=True)
class Operation:
    """What a provider needs to start a payment."""

    refdet: str
    exer: int
    amount_cents: int
    email: str
    object: str
    notify_url: str
    return_url: str
    page_url: str  # the simulated provider's own page


@dataclass(frozen=True)
class Outcome:
    """A notification, read: which operation, which result."""

    refdet: str
    result: str
    code: str
    amount_cents: int | None = None
    authorisation: str = ""


class Provider(Protocol):
    @property
    def name(self) -> str: ...

    def redirect_url(self, op: Operation) -> str: ...

    def parse_notification(self, params: Mapping[str, str]) -> Outcome: ...


def payfip_object(text: str) -> str:
    """The ``objet``: no accents, letters, digits, spaces and - only, at most 100 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9 \-]", " ", ascii_text)
    return re.sub(r"\s+", " ", cleaned).strip()[:OBJECT_MAX]


def _result(params: Mapping[str, str]) -> tuple[str, str]:
    code = (params.get("resultrans") or "").strip().upper()
    if code not in PAYFIP_RESULTS:
        raise NotificationError(f"Code résultat inconnu : « {code[:10]} ».")
    return code, PAYFIP_RESULTS[code]


def _refdet(params: Mapping[str, str]) -> str:
    refdet = (params.get("refdet") or "").strip()
    if not REFDET_RE.match(refdet):
        raise NotificationError("Référence de l'opération (refdet) absente ou invalide.")
    return refdet


def _amount(params: Mapping[str, str]) -> int | None:
    raw = (params.get("montant") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise NotificationError("Montant (montant) invalide : attendu en centimes.")
    return int(raw)


@dataclass(frozen=True)
class PayfipProvider:
    """PayFiP: the operation's parameters, the redirect URL, the notification.

    ``saisie``: ``T`` test (no money moves), ``X`` activation (the DGFiP's
    pre-production check of the régie), ``W`` production.
    """

    numcli: str
    saisie: str = "T"
    url: str = "https://www.payfip.gouv.fr/tpa/paiement.web"
    name: str = "payfip"

    def parameters(self, op: Operation) -> dict[str, str]:
        if not re.fullmatch(r"\d{6}", self.numcli):
            raise ValueError("numcli PayFiP : 6 chiffres attendus")
        if not REFDET_RE.match(op.refdet):
            raise ValueError("refdet : 1 à 30 caractères alphanumériques")
        if not MIN_CENTS <= op.amount_cents <= MAX_CENTS:
            raise ValueError("montant hors des bornes PayFiP")
        if self.saisie not in ("T", "X", "W"):
            raise ValueError("saisie : T, X ou W")
        return {
            "numcli": self.numcli,
            "exer": f"{op.exer:04d}",
            "refdet": op.refdet,
            "objet": payfip_object(op.object),
            "montant": str(op.amount_cents),
            "mel": op.email,
            "urlnotif": op.notify_url,
            "urlredirect": op.return_url,
            "saisie": self.saisie,
        }

    def redirect_url(self, op: Operation) -> str:
        return f"{self.url}?{urlencode(self.parameters(op))}"

    def parse_notification(self, params: Mapping[str, str]) -> Outcome:
        numcli = (params.get("numcli") or "").strip()
        if numcli and numcli != self.numcli:
            raise NotificationError("Numéro client (numcli) inconnu.")
        code, result = _result(params)
        return Outcome(
            refdet=_refdet(params),
            result=result,
            code=code,
            amount_cents=_amount(params),
            authorisation=(params.get("numauto") or "").strip()[:40],
        )


@dataclass(frozen=True)
class SimulatedProvider:
    """For tests and the demo: a page of the portal itself lets you pay or refuse."""

    name: str = "simulated"

    def redirect_url(self, op: Operation) -> str:
        return op.page_url

    def parse_notification(self, params: Mapping[str, str]) -> Outcome:
        code, result = _result(params)
        return Outcome(
            refdet=_refdet(params),
            result=result,
            code=code,
            amount_cents=_amount(params),
            authorisation="SIMU" if result in PAID else "",
        )


def from_settings(settings) -> Provider | None:
    """The configured provider, or None when online payment is disabled."""
    if settings.payment_provider == "simulated":
        return SimulatedProvider()
    if settings.payment_provider == "payfip":
        return PayfipProvider(
            numcli=settings.payfip_numcli, saisie=settings.payfip_saisie, url=settings.payfip_url
        )
    return None
