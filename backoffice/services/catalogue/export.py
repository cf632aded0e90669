"""Writing the catalogue back to TOML, in a stable order (same base → same text)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import tomli_w
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.models import Activity, Closure, ConsentDefinition, Regie, Setting, Site, Unit
from backoffice.services.catalogue import vocabulary as schema
from backoffice.services.catalogue.vocabulary import Field

HEADER = """\
# Catalogue du Portail Famille : régies, établissements, activités, périodes,
# unités, capacités, règles de traitement, tarifs, fermetures et autorisations.
# Format décrit dans docs/catalogue.md. Les objets sont reconnus par leur code.
# Import : « Paramètres › Catalogue (fichier TOML) », ou backoffice-cli catalogue import FICHIER

"""

# Written even when equal to their default: they are what an agent looks for.
ALWAYS_WRITTEN = frozenset(
    {
        "jours",
        "delai_reservation",
        "delai_annulation",
        "exclure_week_ends",
        "exclure_jours_feries",
        "acceptation_automatique",
        "si_complet",
        "delai_paiement_jours",
        "obligatoire",
        "dossier_complet_requis",
    }
)


def render_catalogue(data: dict[str, Any]) -> str:
    """TOML text of a catalogue given with the file's keys (see docs/catalogue.md)."""
    return HEADER + tomli_w.dumps(data, multiline_strings=True)


def table_out(fields: Iterable[Field], values: dict[str, Any]) -> dict[str, Any]:
    """File keys → TOML values; None and (most) default values are left out."""
    out: dict[str, Any] = {}
    for f in fields:
        value = values.get(f.attr)
        if value is None:
            continue
        if not f.required and value == f.default and f.key not in ALWAYS_WRITTEN:
            continue
        out[f.key] = f.to_toml(value)
    return out


def age_group_out(code: str, name: str, min_months: int, max_months: int) -> dict[str, Any]:
    if min_months % 12 == 0 and max_months % 12 == 11:
        return {"code": code, "nom": name, "age_min": min_months // 12, "age_max": max_months // 12}
    return {"code": code, "nom": name, "age_min_mois": min_months, "age_max_mois": max_months}


def closures_out(closures: Iterable[Closure]) -> list[dict[str, Any]]:
    ordered = sorted(closures, key=lambda c: (c.start_date, c.end_date, c.label))
    return [
        table_out(
            schema.CLOSURE_FIELDS, {"start": c.start_date, "end": c.end_date, "label": c.label}
        )
        for c in ordered
    ]


def catalogue_data(session: Session) -> dict[str, Any]:
    """The whole catalogue of the database, as the file's nested tables."""
    data: dict[str, Any] = {"format": schema.FORMAT_VERSION}
    settings = dict(session.execute(select(Setting.key, Setting.value)).all())
    collectivity = {
        f.key: settings[f.attr] for f in schema.COLLECTIVITY_FIELDS if f.attr in settings
    }
    if collectivity:
        data["collectivite"] = collectivity

    regies = session.scalars(
        select(Regie).options(selectinload(Regie.payment_windows)).order_by(Regie.code)
    )
    data["regie"] = [_regie_out(r) for r in regies]
    data["etablissement"] = [
        table_out(schema.SITE_FIELDS, vars_of(s, schema.SITE_FIELDS))
        for s in session.scalars(select(Site).order_by(Site.code))
    ]
    closures = list(session.scalars(select(Closure)))
    by_activity: dict[int | None, list[Closure]] = {}
    for closure in closures:
        by_activity.setdefault(closure.activity_id, []).append(closure)
    activities = session.scalars(
        select(Activity)
        .order_by(Activity.code)
        .options(
            selectinload(Activity.regie),
            selectinload(Activity.site),
            selectinload(Activity.age_groups),
            selectinload(Activity.periods),
            selectinload(Activity.rule),
            selectinload(Activity.consents),
            selectinload(Activity.units).selectinload(Unit.capacities),
            selectinload(Activity.units).selectinload(Unit.tariffs),
        )
    )
    data["activite"] = [_activity_out(a, by_activity.get(a.id, [])) for a in activities]
    data["calendrier"] = {"fermetures": closures_out(by_activity.get(None, []))}
    consents = session.scalars(
        select(ConsentDefinition).order_by(ConsentDefinition.position, ConsentDefinition.code)
    )
    data["autorisation"] = [
        table_out(schema.CONSENT_FIELDS, vars_of(c, schema.CONSENT_FIELDS)) for c in consents
    ]
    return {key: value for key, value in data.items() if value != []}


def vars_of(obj: Any, fields: Iterable[Field], **renamed: str) -> dict[str, Any]:
    """Document attribute → value read on a model object (``attr=model_attr`` renames)."""
    return {f.attr: getattr(obj, renamed.get(f.attr, f.attr)) for f in fields}


def _regie_out(regie: Regie) -> dict[str, Any]:
    out = table_out(schema.REGIE_FIELDS, vars_of(regie, schema.REGIE_FIELDS))
    windows = sorted(regie.payment_windows, key=lambda w: (w.opens_on, w.closes_on))
    if windows:
        out["fenetres_paiement"] = [
            table_out(
                schema.PAYMENT_WINDOW_FIELDS,
                {"label": w.label, "start": w.opens_on, "end": w.closes_on},
            )
            for w in windows
        ]
    return out


def _activity_out(activity: Activity, closures: list[Closure]) -> dict[str, Any]:
    values = vars_of(activity, [f for f in schema.ACTIVITY_FIELDS if f.attr != "consents"])
    values["regie"], values["site"] = activity.regie.code, activity.site.code
    values["consents"] = [c.code for c in activity.consents] or None
    values["required_documents"] = list(activity.required_documents or []) or None
    out = table_out(schema.ACTIVITY_FIELDS, values)
    if closures:
        out["fermetures"] = closures_out(closures)
    if activity.rule is not None:
        rule = activity.rule
        values = vars_of(rule, [f for f in schema.RULE_FIELDS if not f.attr.endswith("notice")])
        values["booking_notice"] = (rule.booking_notice_days, rule.booking_notice_time)
        values["cancel_notice"] = (rule.cancel_notice_days, rule.cancel_notice_time)
        out["regle"] = table_out(schema.RULE_FIELDS, values)
    groups = sorted(activity.age_groups, key=lambda g: (g.min_age_months, g.code))
    if groups:
        out["groupe_age"] = [
            age_group_out(g.code, g.name, g.min_age_months, g.max_age_months) for g in groups
        ]
    periods = sorted(activity.periods, key=lambda p: (p.start_date, p.code))
    if periods:
        out["periode"] = [
            table_out(
                schema.PERIOD_FIELDS,
                vars_of(p, schema.PERIOD_FIELDS, start="start_date", end="end_date"),
            )
            for p in periods
        ]
    units = sorted(activity.units, key=lambda u: (u.position, u.code))
    if units:
        out["unite"] = [_unit_out(u) for u in units]
    return out


def _unit_out(unit: Unit) -> dict[str, Any]:
    out = table_out(schema.UNIT_FIELDS, vars_of(unit, schema.UNIT_FIELDS))
    capacities = sorted(
        unit.capacities,
        key=lambda c: (c.start_date, c.end_date, c.age_group.code if c.age_group else ""),
    )
    if capacities:
        out["capacites"] = [
            table_out(
                schema.CAPACITY_FIELDS,
                {
                    "start": c.start_date,
                    "end": c.end_date,
                    "places": c.places,
                    "age_group": c.age_group.code if c.age_group else None,
                },
            )
            for c in capacities
        ]
    tariffs = sorted(unit.tariffs, key=lambda t: (t.valid_from, t.child_rank or 0, t.qf_min))
    if tariffs:
        out["tarifs"] = [
            table_out(schema.TARIFF_FIELDS, vars_of(t, schema.TARIFF_FIELDS)) for t in tariffs
        ]
    return out


def export_catalogue(session: Session) -> str:
    """The catalogue of the database as TOML text, in a deterministic order."""
    return render_catalogue(catalogue_data(session))
