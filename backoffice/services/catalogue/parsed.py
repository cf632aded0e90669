"""The catalogue once read and validated: plain dataclasses, no database.

:class:`CatalogueError` carries every problem found, each with its key path
and, where it can be found, the line in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any

from backoffice.errors import UserError
from backoffice.models import (
    ActivityKind,
    BillingBasis,
    BillingUnit,
    PeriodKind,
    Settlement,
    WhenFull,
)

Path = tuple[str | int, ...]


@dataclass
class PaymentWindowDoc:
    label: str
    start: date
    end: date


@dataclass
class RegieDoc:
    code: str
    name: str
    invoice_prefix: str
    credit_note_prefix: str
    settlement: Settlement
    payment_instructions: str
    payment_due_days: int
    payment_windows: list[PaymentWindowDoc] = field(default_factory=list)
    line: int | None = None
    archived_on: date | None = None


@dataclass
class SiteDoc:
    code: str
    name: str
    address: str
    postcode: str
    commune: str
    insee_code: str
    phone: str
    line: int | None = None
    archived_on: date | None = None


@dataclass
class AgeGroupDoc:
    code: str
    name: str
    min_age_months: int
    max_age_months: int


@dataclass
class PeriodDoc:
    code: str
    name: str
    kind: PeriodKind
    start: date
    end: date
    booking_opens_on: date | None
    booking_closes_on: date | None
    archived_on: date | None = None


@dataclass
class CapacityDoc:
    start: date
    end: date
    places: int
    age_group: str | None


@dataclass
class TariffDoc:
    valid_from: date
    qf_min: int
    qf_max: int | None
    child_rank: int | None
    price: Decimal
    line: int | None = None

    @property
    def key(self) -> tuple[date, int, int | None]:
        return (self.valid_from, self.qf_min, self.child_rank)


@dataclass
class UnitDoc:
    code: str
    name: str
    start_time: time | None
    end_time: time | None
    weekdays: str
    billing_unit: BillingUnit
    capacities: list[CapacityDoc] = field(default_factory=list)
    tariffs: list[TariffDoc] = field(default_factory=list)
    line: int | None = None


@dataclass
class RuleDoc:
    booking_notice: tuple[int, time]
    cancel_notice: tuple[int, time]
    skip_weekends: bool
    skip_public_holidays: bool
    auto_accept: bool
    when_full: WhenFull
    registration_requires_complete_file: bool


@dataclass
class ClosureDoc:
    start: date
    end: date
    label: str


@dataclass
class ActivityDoc:
    code: str
    name: str
    kind: ActivityKind
    regie: str
    site: str
    billing_basis: BillingBasis
    rank_pricing: bool
    active: bool
    consents: list[str] | None = None  # codes; None: the file does not say
    required_documents: list[str] | None = None
    age_groups: list[AgeGroupDoc] = field(default_factory=list)
    periods: list[PeriodDoc] = field(default_factory=list)
    units: list[UnitDoc] = field(default_factory=list)
    rule: RuleDoc | None = None
    closures: list[ClosureDoc] = field(default_factory=list)
    line: int | None = None


@dataclass
class ConsentDoc:
    code: str
    label: str
    description: str
    mandatory: bool
    min_age_years: int | None
    asks_detail: bool
    active: bool


@dataclass
class CatalogueDocument:
    """A whole, valid catalogue file."""

    source: str = "catalogue"
    settings: dict[str, str] = field(default_factory=dict)  # "collectivity.name" → value
    regies: list[RegieDoc] = field(default_factory=list)
    sites: list[SiteDoc] = field(default_factory=list)
    activities: list[ActivityDoc] = field(default_factory=list)
    # None: the file has no [calendrier] table, global closures are left as they are.
    closures: list[ClosureDoc] | None = None
    consents: list[ConsentDoc] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class CatalogueIssue:
    where: str  # "activite « ALSH-LUDE » › unite « journee » › tarifs n°2 › prix"
    message: str
    line: int | None = None

    def __str__(self) -> str:
        place = f"ligne {self.line}, " if self.line else ""
        where = f"{self.where} : " if self.where else ""
        return f"{place}{where}{self.message}"


class CatalogueError(UserError):
    """The catalogue file cannot be imported; lists every problem, in French."""

    def __init__(self, source: str, issues: list[CatalogueIssue]):
        self.source = source
        self.issues = list(issues)
        count = len(self.issues)
        head = (
            f"Le catalogue « {source} » contient {count} erreur{'s' if count > 1 else ''}"
            " ; rien n'a été importé :"
        )
        super().__init__("\n".join([head, *(f"  - {issue}" for issue in self.issues)]))


_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_RE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*=""")


class LineIndex:
    """Where tables and keys sit in the text, by structural path (best effort).

    Follows TOML's rules for ``[table]`` and ``[[array.of.tables]]`` headers,
    so ``("activite", 3, "unite", 0, "code")`` finds the ``code =`` line of the
    first unit of the fourth activity. Inline lists written one element per
    line (as the export does) are located element by element.
    """

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.paths: dict[Path, int] = {}
        counts: dict[Path, int] = {}
        current: Path = ()
        for number, line in enumerate(self.lines, start=1):
            if header := _HEADER_RE.match(line):
                parts = [p.strip().strip("\"'") for p in header[2].split(".")]
                path: Path = ()
                for part in parts[:-1]:
                    path += (part,)
                    if path in counts:
                        path += (counts[path] - 1,)
                path += (parts[-1],)
                if header[1] == "[[":
                    index = counts.get(path, 0)
                    counts[path] = index + 1
                    path += (index,)
                current = path
                self.paths.setdefault(path, number)
            elif key := _KEY_RE.match(line):
                self.paths.setdefault(current + (key[1].strip("\"'"),), number)

    def line_of(self, path: Path) -> int | None:
        for end in range(len(path), 0, -1):
            prefix = path[:end]
            if prefix in self.paths:
                return self.paths[prefix]
            # An element of an inline list written one per line after "key = [".
            if isinstance(prefix[-1], int) and prefix[:-1] in self.paths:
                start = self.paths[prefix[:-1]]
                if self.lines[start - 1].rstrip().endswith("["):
                    candidate = start + 1 + prefix[-1]
                    if candidate <= len(self.lines) and self.lines[
                        candidate - 1
                    ].lstrip().startswith("{"):
                        return candidate
                return start
        return None


def describe_path(data: Any, path: Path) -> str:
    """ "activite « ALSH-LUDE » › unite « journee » › tarifs n°2 › prix"."""
    parts: list[str] = []
    node = data
    i = 0
    while i < len(path):
        key = path[i]
        node = node.get(key) if isinstance(node, dict) else None
        index = path[i + 1] if i + 1 < len(path) else None
        if isinstance(index, int):
            item = node[index] if isinstance(node, list) and index < len(node) else None
            item_code = item.get("code") if isinstance(item, dict) else None
            if isinstance(item_code, str) and item_code:
                parts.append(f"{key} « {item_code} »")
            else:
                parts.append(f"{key} n°{index + 1}")
            node = item
            i += 2
        else:
            parts.append(str(key))
            i += 1
    return " › ".join(parts)
