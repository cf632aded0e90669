"""Online payment providers: PayFiP (DGFiP) and a local simulated one.

A provider creates the payment operation the parent's browser is sent to; the
result comes back as PayFiP's result codes. PayFiP notifies only the operation's
``idOp``: the result is read back from PayFiP (``portal.payfip``) and checked
against the stored operation; the simulated provider's page (tests, demo) answers
for the parent who owns the operation.

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

from portal.payfip import IDOP_RE, PAYFIP_PAGE_URL, PAYFIP_WS_URL, Detail, PayfipClient

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


class ResultMismatch(ValueError):
    """PayFiP's result does not match the stored operation (``fields``: which ones)."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__("champs différents : " + ", ".join(fields))
        self.fields = fields


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
class Started:
    """Where the parent's browser goes, and the provider's id of the operation (PayFiP idOp)."""

    redirect_url: str
    operation_id: str = ""


@dataclass(frozen=True)
class Outcome:
    """A result, read: which operation, which result."""

    refdet: str
    result: str
    code: str
    amount_cents: int | None = None
    authorisation: str = ""


class Provider(Protocol):
    @property
    def name(self) -> str: ...

    def start(self, op: Operation) -> Started:
        """Create the operation (PayFiP: server to server); ValueError if the operation
        is out of bounds, ``PayfipError`` if the service fails."""
        ...


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


def notification_idop(params: Mapping[str, str]) -> str:
    """The ``idOp`` PayFiP notifies; every other field of the notification is ignored."""
    idop = (params.get("idOp") or params.get("idop") or "").strip()
    if not idop:
        raise NotificationError("Notification PayFiP sans identifiant d'opération (idOp).")
    if not IDOP_RE.match(idop):
        raise NotificationError("Identifiant d'opération PayFiP (idOp) invalide.")
    return idop


@dataclass(frozen=True)
class Expected:
    """The stored operation a PayFiP result must match."""

    idop: str
    refdet: str
    exer: int
    amount_cents: int


@dataclass(frozen=True)
class PayfipProvider:
    """PayFiP's secure flow: ``creerPaiementSecurise`` → ``idOp``, the browser to
    ``url?idop=…``, then the result read back with ``recupererDetailPaiementSecurise``.

    ``saisie``: ``T`` test (no money moves), ``X`` activation (the DGFiP's
    pre-production check of the régie), ``W`` production.
    """

    numcli: str
    saisie: str = "T"
    url: str = PAYFIP_PAGE_URL
    ws_url: str = PAYFIP_WS_URL
    timeout: float = 15.0
    name: str = "payfip"

    def parameters(self, op: Operation) -> dict[str, str]:
        """``creerPaiementSecurise``'s ``arg0``."""
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

    @property
    def client(self) -> PayfipClient:
        return PayfipClient(self.ws_url, self.timeout)

    def start(self, op: Operation) -> Started:
        idop = self.client.create(self.parameters(op))
        return Started(f"{self.url}?{urlencode({'idop': idop})}", idop)

    def detail(self, idop: str) -> Detail:
        """The operation's result, read from PayFiP (network; ``PayfipError``)."""
        return self.client.detail(idop)

    def outcome(self, detail: Detail, expected: Expected) -> Outcome:
        """The result PayFiP gave, once it matches the stored operation field by field."""
        wrong = [
            name
            for name, value in [
                ("numcli", self.numcli),
                ("exer", f"{expected.exer:04d}"),
                ("refdet", expected.refdet),
                ("montant", str(expected.amount_cents)),
            ]
            if detail.get(name) != value
        ]
        # Checked when the answer carries them (it does, per the service's description).
        for name, value in [("idOp", expected.idop), ("saisie", self.saisie)]:
            if detail.get(name) and detail.get(name) != value:
                wrong.append(name)
        if wrong:
            raise ResultMismatch(wrong)
        code, result = _result(detail.fields)
        return Outcome(
            refdet=expected.refdet,
            result=result,
            code=code,
            amount_cents=expected.amount_cents,
            authorisation=detail.get("numauto")[:40],
        )


@dataclass(frozen=True)
class SimulatedProvider:
    """For tests and the demo: a page of the portal itself lets you pay or refuse."""

    name: str = "simulated"

    def start(self, op: Operation) -> Started:
        return Started(op.page_url)

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
            numcli=settings.payfip_numcli,
            saisie=settings.payfip_saisie,
            url=settings.payfip_url,
            ws_url=settings.payfip_ws_url,
            timeout=settings.payfip_timeout_seconds,
        )
    return None
