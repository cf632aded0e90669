"""Reading a tariff set as typed on the screen: every error at once, in French.

Rules (see :mod:`.tariff_edit`): brackets per rank from QF 0, without gap nor
overlap, the last one open-ended; prices ≥ 0 with two decimals at most
(« 12,50 »); ranks 1 to 9 only when the activity prices by rank, rank 1 (or
« tous rangs ») always priced.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from backoffice.services.billing.common import CENT, BillingError
from backoffice.services.catalogue_edit.checks import bracket_problems

MAX_RANK = 9
MAX_PRICE = Decimal("100000")  # no unit costs that much: a typing slip


class TariffErrors(BillingError):
    """The new set is refused; ``errors`` lists every reason (French)."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__(
            "Les nouveaux tarifs ne sont pas enregistrés :\n" + "\n".join(f"- {e}" for e in errors)
        )


@dataclass(frozen=True, slots=True)
class TariffInput:
    """One row as typed: texts (« 601 », « », « 2 », « 12,50 ») or values."""

    qf_min: str | int
    qf_max: str | int | None
    child_rank: str | int | None
    price: str | Decimal

    def is_blank(self) -> bool:
        return all(_text(v) == "" for v in (self.qf_min, self.qf_max, self.child_rank, self.price))


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _integer(value, what: str, where: str, errors: list[str]) -> int | None:
    text = _text(value).replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 7:
        errors.append(f"{where} : {what} « {_text(value)} » n'est pas un nombre entier positif.")
        return None
    return int(text)


def parse_price(value, where: str, errors: list[str]) -> Decimal | None:
    """« 12,50 », « 12.5 », « 12,50 € » → Decimal("12.50"); ≥ 0, two decimals at most."""
    if isinstance(value, float):
        errors.append(f"{where} : prix refusé, utilisez un nombre décimal exact.")
        return None
    raw = _text(value)
    if not raw:
        errors.append(f"{where} : prix manquant.")
        return None
    text = raw.replace("€", "").replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    text = text.replace(",", ".")
    try:
        price = Decimal(text)
        finite = price.is_finite() and abs(price) < MAX_PRICE
    except InvalidOperation:
        finite = False
    if not finite:
        errors.append(f"{where} : prix « {raw} » invalide (exemple : 12,50).")
        return None
    if price != price.quantize(CENT):
        errors.append(f"{where} : prix « {raw} » avec plus de deux décimales.")
        return None
    if price < 0:
        errors.append(f"{where} : le prix « {raw} » ne peut pas être négatif.")
        return None
    return price.quantize(CENT)


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    qf_min: int
    qf_max: int | None
    child_rank: int | None
    price: Decimal

    @property
    def key(self) -> tuple:
        return (self.qf_min, self.qf_max, self.child_rank, self.price)


def _parse_rows(inputs: list[TariffInput], rank_pricing: bool, errors: list[str]) -> list[_Row]:
    rows = []
    for line, item in enumerate(inputs, start=1):
        if item.is_blank():
            continue
        where = f"Ligne {line}"
        count = len(errors)
        qf_min = _integer(item.qf_min, "QF de", where, errors)
        if qf_min is None and len(errors) == count:
            errors.append(f"{where} : « QF de » manquant (0 pour la première tranche).")
        qf_max = _integer(item.qf_max, "QF à", where, errors)
        rank = _integer(item.child_rank, "rang", where, errors)
        if rank is not None:
            if not rank_pricing:
                errors.append(
                    f"{where} : cette activité n'a pas de tarif par rang ; laissez le rang vide."
                )
            elif not 1 <= rank <= MAX_RANK:
                errors.append(f"{where} : le rang doit aller de 1 à {MAX_RANK}.")
        if qf_min is not None and qf_max is not None and qf_max < qf_min:
            errors.append(f"{where} : « QF à » ({qf_max}) est inférieur à « QF de » ({qf_min}).")
        price = parse_price(item.price, where, errors)
        if len(errors) == count:
            assert qf_min is not None and price is not None  # else an error was added
            rows.append(_Row(line, qf_min, qf_max, rank, price))
    return rows


def rank_name(rank: int | None) -> str:
    return "tous rangs" if rank is None else f"rang {rank}"


def _check_brackets(rows: list[_Row], errors: list[str]) -> None:
    by_rank: dict[int | None, list[_Row]] = defaultdict(list)
    for row in rows:
        by_rank[row.child_rank].append(row)
    several = len(by_rank) > 1
    for rank, group in sorted(by_rank.items(), key=lambda item: item[0] or 0):
        group.sort(key=lambda r: (r.qf_min, r.line))
        prefix = f"{rank_name(rank).capitalize()} : " if several or rank is not None else ""
        if group[0].qf_min != 0:
            errors.append(
                f"{prefix}la première tranche doit commencer à QF 0 (ligne {group[0].line} "
                f"commence à {group[0].qf_min})."
            )
        # The same checks as the catalogue file's (catalogue_edit.checks), said with lines.
        for problem in bracket_problems(group):
            prev, cur = group[problem.prev], group[problem.cur]
            lines = f"lignes {prev.line} et {cur.line}"
            if problem.kind == "gap":
                assert prev.qf_max is not None
                errors.append(
                    f"{prefix}trou entre les tranches ({lines}) : les QF de {prev.qf_max + 1} "
                    f"à {cur.qf_min - 1} n'ont pas de prix."
                )
            else:
                errors.append(
                    f"{prefix}les tranches se chevauchent ({lines} : {prev.qf_min}–"
                    f"{problem.upper} et {cur.qf_min}…)."
                )
        if group[-1].qf_max is not None:
            errors.append(
                f"{prefix}la dernière tranche (ligne {group[-1].line}) doit rester ouverte : "
                "laissez « QF à » vide."
            )
    if by_rank and None not in by_rank and 1 not in by_rank:
        errors.append("Aucun prix pour le 1er enfant : ajoutez des lignes de rang 1.")
    if None in by_rank and 1 in by_rank:
        errors.append("Rang 1 et « tous rangs » font double emploi : gardez l'un des deux.")


def read_rows(inputs: list[TariffInput], rank_pricing: bool, errors: list[str]) -> list[_Row]:
    """The rows typed, checked; reasons appended to ``errors`` (brackets only when
    every row could be read: half-read rows would mislead)."""
    count = len(errors)
    rows = _parse_rows(inputs, rank_pricing, errors)
    if len(errors) == count:
        if not rows:
            errors.append("Saisissez au moins une tranche de tarif.")
        _check_brackets(rows, errors)
    return rows
