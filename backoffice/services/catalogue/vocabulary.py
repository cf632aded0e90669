"""The catalogue file's vocabulary: French keys and values ↔ model fields.

One table of fields per kind of object drives both reading (validation) and
writing (export), so the two cannot drift apart. Values are converted by
small functions that raise :class:`Invalid` with a French reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from backoffice.models import (
    ActivityKind,
    BillingBasis,
    BillingUnit,
    PeriodKind,
    Settlement,
    WhenFull,
)

FORMAT_VERSION = 1


class Invalid(ValueError):
    """A value that cannot be accepted; the message is French."""


# ---------------------------------------------------------------------------
# Enumerations: the word written in the file → the model's value.

SETTLEMENTS = {
    "guichet_et_en_ligne": Settlement.DESK_AND_ONLINE,
    "guichet": Settlement.DESK,
    "tresor_public": Settlement.TRESOR_PUBLIC,
}
ACTIVITY_KINDS = {
    "periscolaire": ActivityKind.PERISCOLAIRE,
    "alsh": ActivityKind.ALSH,
    "jeunesse": ActivityKind.JEUNESSE,
    "multi_accueil": ActivityKind.MULTI_ACCUEIL,
}
BILLING_BASES = {
    "reservations": BillingBasis.BOOKINGS,
    "presences": BillingBasis.ATTENDANCE,
    "heures": BillingBasis.HOURS,
}
PERIOD_KINDS = {
    "annee_scolaire": PeriodKind.SCHOOL_YEAR,
    "vacances": PeriodKind.HOLIDAYS,
    "autre": PeriodKind.OTHER,
}
BILLING_UNITS = {"unite": BillingUnit.EACH, "heure": BillingUnit.HOUR}
WHEN_FULL = {"liste_attente": WhenFull.WAITING_LIST, "demande": WhenFull.REQUEST}

WEEKDAY_NAMES = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")  # ISO 1..7


# ---------------------------------------------------------------------------
# Converters: file value → Python value (raise Invalid), and back.


def _quote(value: Any) -> str:
    return f"« {value} »"


def text(max_length: int, *, required: bool = False) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("une chaîne de caractères entre guillemets est attendue")
        value = value.strip()
        if required and not value:
            raise Invalid("ne doit pas être vide")
        if len(value) > max_length:
            raise Invalid(f"trop long ({len(value)} caractères, {max_length} au plus)")
        return value

    return convert


_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def code(max_length: int) -> Callable[[Any], str]:
    base = text(max_length, required=True)

    def convert(value: Any) -> str:
        value = base(value)
        if not _CODE_RE.match(value):
            raise Invalid(
                f"code {_quote(value)} invalide : lettres sans accent, chiffres, « - », « _ » "
                "ou « . », sans espace"
            )
        return value

    return convert


def integer(minimum: int = 0, maximum: int | None = None) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"un nombre entier est attendu, pas {_quote(value)}")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"entre {minimum} et {maximum}" if maximum is not None else f"≥ {minimum}"
            raise Invalid(f"{value} hors limites (attendu {bound})")
        return value

    return convert


def list_of(item: Callable[[Any], Any]) -> Callable[[Any], list]:
    """A TOML array whose every element ``item`` converts (« [\"a\", \"b\"] »)."""

    def convert(value: Any) -> list:
        if not isinstance(value, list):
            raise Invalid('une liste entre crochets est attendue, par exemple ["a", "b"]')
        out = []
        for position, element in enumerate(value, start=1):
            try:
                out.append(item(element))
            except Invalid as exc:
                raise Invalid(f"élément n° {position} : {exc}") from None
        return out

    return convert


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"true ou false est attendu, pas {_quote(value)}")
    return value


def day(value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid(f"date AAAA-MM-JJ attendue, pas {_quote(value)}")


_TIME_RE = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})\s*$")


def _hour_minute(hours: str, minutes: str, raw: Any) -> time:
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise Invalid(f"heure {_quote(raw)} impossible")
    return time(h, m)


def clock(value: Any) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str) and (match := _TIME_RE.match(value)):
        return _hour_minute(match[1], match[2], value)
    raise Invalid(f"heure HH:MM attendue, pas {_quote(value)}")


def clock_out(value: time) -> str:
    return value.strftime("%H:%M")


def price(value: Any) -> Decimal:
    """Euros with at most two decimals, from "3.45", 3.45 (read exactly) or 3."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise Invalid(f'prix attendu (ex. "3.45"), pas {_quote(value)}')
    raw = value.strip().replace(",", ".") if isinstance(value, str) else str(value)
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise Invalid(f'prix {_quote(value)} illisible (ex. "3.45")') from None
    if not amount.is_finite() or amount < 0:
        raise Invalid(f"prix {_quote(value)} impossible (nombre positif attendu)")
    exponent = amount.as_tuple().exponent  # an int: the amount is finite
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise Invalid(f"prix {_quote(value)} avec plus de 2 décimales")
    return amount.quantize(Decimal("0.01"))


def price_out(value: Decimal) -> str:
    return f"{value:.2f}"


def choice(mapping: dict[str, Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, str) and value.strip() in mapping:
            return mapping[value.strip()]
        allowed = ", ".join(f'"{k}"' for k in mapping)
        raise Invalid(f"valeur {_quote(value)} inconnue (valeurs possibles : {allowed})")

    return convert


def choice_out(mapping: dict[str, Any]) -> Callable[[Any], str]:
    reverse = {v: k for k, v in mapping.items()}
    return lambda value: reverse[value]


def weekdays(value: Any) -> str:
    """ "lun, mar, jeu, ven" or ["lun", "mar", "jeu", "ven"] (or ISO numbers 1–7) → "1,2,4,5"."""
    if isinstance(value, str):
        value = [part for part in re.split(r"[\s,;]+", value) if part]
    if not isinstance(value, list) or not value:
        raise Invalid('jours attendus, ex. "lun, mar, jeu, ven"')
    days: set[int] = set()
    for item in value:
        name = item.strip().lower()[:3] if isinstance(item, str) else None
        if name in WEEKDAY_NAMES:
            days.add(WEEKDAY_NAMES.index(name) + 1)
        elif isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= 7:
            days.add(item)
        else:
            raise Invalid(f"jour {_quote(item)} inconnu (lun, mar, mer, jeu, ven, sam, dim)")
    return ",".join(str(d) for d in sorted(days))


def weekdays_out(value: str) -> str:
    return ", ".join(WEEKDAY_NAMES[int(d) - 1] for d in value.split(",") if d.strip())


_NOTICE_RE = re.compile(r"^\s*J\s*-\s*(\d{1,3})\s+(?:à|a)\s+(\d{1,2})\s*[:hH]\s*(\d{2})\s*$", re.I)


def notice(value: Any) -> tuple[int, time]:
    """ "J-2 à 12:00" → (2, 12:00)."""
    if isinstance(value, str) and (match := _NOTICE_RE.match(value)):
        return int(match[1]), _hour_minute(match[2], match[3], value)
    raise Invalid(f'délai {_quote(value)} illisible : écrire par exemple "J-2 à 12:00"')


def notice_out(days: int, at: time) -> str:
    return f"J-{days} à {clock_out(at)}"


def siret(value: Any) -> str:
    raw = text(20)(value)
    digits = raw.replace(" ", "")
    if not digits:
        return ""
    if not (digits.isdigit() and len(digits) == 14):
        raise Invalid(f"SIRET {_quote(raw)} : 14 chiffres attendus")
    if not _luhn_ok(digits) and not digits.startswith("356000000"):  # La Poste: own rule
        raise Invalid(f"SIRET {_quote(raw)} : clé de contrôle incorrecte")
    return digits


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def ages(value: Any) -> int:
    return integer(0, 1200)(value)


# ---------------------------------------------------------------------------
# Field tables.


@dataclass(frozen=True)
class Field:
    key: str  # in the file
    attr: str  # in the document dataclass
    convert: Callable[[Any], Any]
    required: bool = False
    default: Any = None
    export: Callable[[Any], Any] | None = None  # Python value → TOML value

    def to_toml(self, value: Any) -> Any:
        return self.export(value) if self.export else value


def F(key, attr, convert, required=False, default=None, export=None) -> Field:  # noqa: N802
    return Field(key, attr, convert, required, default, export)


COLLECTIVITY_FIELDS = (
    F("nom", "collectivity.name", text(200)),
    F("adresse", "collectivity.address", text(400)),
    F("siret", "collectivity.siret", siret),
    F("logo", "collectivity.logo", text(400)),
    F("email", "collectivity.email", text(254)),
    F("telephone", "collectivity.phone", text(30)),
)

PAYMENT_WINDOW_FIELDS = (
    F("libelle", "label", text(120), default=""),
    F("debut", "start", day, required=True),
    F("fin", "end", day, required=True),
)

REGIE_FIELDS = (
    F("code", "code", code(20), required=True),
    F("nom", "name", text(120, required=True), required=True),
    F("prefixe_facture", "invoice_prefix", code(12), required=True),
    F("prefixe_avoir", "credit_note_prefix", code(16), required=True),
    F("reglement", "settlement", choice(SETTLEMENTS), True, export=choice_out(SETTLEMENTS)),
    F("instructions_paiement", "payment_instructions", text(4000), default=""),
    F("delai_paiement_jours", "payment_due_days", integer(0, 365), default=30),
    F("archivee_le", "archived_on", day),
)

SITE_FIELDS = (
    F("code", "code", code(20), required=True),
    F("nom", "name", text(120, required=True), required=True),
    F("adresse", "address", text(200), default=""),
    F("code_postal", "postcode", text(5), default=""),
    F("commune", "commune", text(80), default=""),
    F("code_insee", "insee_code", text(5), default=""),
    F("telephone", "phone", text(20), default=""),
    F("archive_le", "archived_on", day),
)

ACTIVITY_FIELDS = (
    F("code", "code", code(30), required=True),
    F("nom", "name", text(120, required=True), required=True),
    F("type", "kind", choice(ACTIVITY_KINDS), True, export=choice_out(ACTIVITY_KINDS)),
    F("regie", "regie", code(20), required=True),
    F("etablissement", "site", code(20), required=True),
    F(
        "base_facturation",
        "billing_basis",
        choice(BILLING_BASES),
        True,
        export=choice_out(BILLING_BASES),
    ),
    F("tarif_par_rang", "rank_pricing", boolean, default=False),
    F("actif", "active", boolean, default=True),
    # Codes of [[autorisation]] asked before a registration; absent: left as they are.
    F("autorisations", "consents", list_of(code(40))),
    # « Attestation d'assurance », « Certificat médical »…; absent: left as they are.
    F("pieces_a_fournir", "required_documents", list_of(text(120, required=True))),
)

AGE_GROUP_FIELDS = (
    F("code", "code", code(30), required=True),
    F("nom", "name", text(80, required=True), required=True),
    # Either years (age_min/age_max, inclusive) or months; see read_age_group().
    F("age_min", "min_years", ages),
    F("age_max", "max_years", ages),
    F("age_min_mois", "min_months", ages),
    F("age_max_mois", "max_months", ages),
)

PERIOD_FIELDS = (
    F("code", "code", code(40), required=True),
    F("nom", "name", text(120, required=True), required=True),
    F("type", "kind", choice(PERIOD_KINDS), True, export=choice_out(PERIOD_KINDS)),
    F("debut", "start", day, required=True),
    F("fin", "end", day, required=True),
    F("reservation_debut", "booking_opens_on", day),
    F("reservation_fin", "booking_closes_on", day),
    F("archivee_le", "archived_on", day),
)

UNIT_FIELDS = (
    F("code", "code", code(30), required=True),
    F("nom", "name", text(80, required=True), required=True),
    F("heure_debut", "start_time", clock, export=clock_out),
    F("heure_fin", "end_time", clock, export=clock_out),
    F("jours", "weekdays", weekdays, default="1,2,3,4,5", export=weekdays_out),
    F(
        "facturee_par",
        "billing_unit",
        choice(BILLING_UNITS),
        default=BillingUnit.EACH,
        export=choice_out(BILLING_UNITS),
    ),
)

CAPACITY_FIELDS = (
    F("debut", "start", day, required=True),
    F("fin", "end", day, required=True),
    F("places", "places", integer(0, 100_000), required=True),
    F("groupe_age", "age_group", code(30)),
)

TARIFF_FIELDS = (
    F("depuis", "valid_from", day, required=True),
    F("qf_min", "qf_min", integer(0), default=0),
    F("qf_max", "qf_max", integer(0)),
    F("rang", "child_rank", integer(1, 20)),
    F("prix", "price", price, required=True, export=price_out),
)

RULE_FIELDS = (
    F(
        "delai_reservation",
        "booking_notice",
        notice,
        default=(2, time(12, 0)),
        export=lambda v: notice_out(*v),
    ),
    F(
        "delai_annulation",
        "cancel_notice",
        notice,
        default=(2, time(12, 0)),
        export=lambda v: notice_out(*v),
    ),
    F("exclure_week_ends", "skip_weekends", boolean, default=True),
    F("exclure_jours_feries", "skip_public_holidays", boolean, default=True),
    F("acceptation_automatique", "auto_accept", boolean, default=False),
    F(
        "si_complet",
        "when_full",
        choice(WHEN_FULL),
        default=WhenFull.WAITING_LIST,
        export=choice_out(WHEN_FULL),
    ),
    F("dossier_complet_requis", "registration_requires_complete_file", boolean, default=True),
)

CLOSURE_FIELDS = (
    F("debut", "start", day, required=True),
    F("fin", "end", day, required=True),
    F("libelle", "label", text(120), default=""),
)

CONSENT_FIELDS = (
    F("code", "code", code(40), required=True),
    F("libelle", "label", text(160, required=True), required=True),
    F("description", "description", text(4000), default=""),
    F("obligatoire", "mandatory", boolean, default=True),
    F("age_min", "min_age_years", integer(0, 30)),
    F("demande_precision", "asks_detail", boolean, default=False),
    F("actif", "active", boolean, default=True),
)

# Lists inside tables (singular for [[header]] tables, plural for inline lists).
REGIE_LISTS = ("fenetres_paiement",)
ACTIVITY_LISTS = ("groupe_age", "periode", "unite", "fermetures")
ACTIVITY_TABLES = ("regle",)
UNIT_LISTS = ("capacites", "tarifs")
TOP_LEVEL_KEYS = (
    "format",
    "collectivite",
    "regie",
    "etablissement",
    "activite",
    "calendrier",
    "autorisation",
)
CALENDAR_LISTS = ("fermetures",)
