"""Applying a validated catalogue to the database, inside the caller's transaction.

Rules (documented in docs/catalogue.md):
- objects with a code (régies, établissements, activités, groupes d'âge,
  périodes, unités, autorisations) are matched by code, created or updated;
  those absent from the file are left untouched and listed in the report;
- lists without codes belong to their parent and follow the file exactly:
  payment windows of a régie, capacities and tariffs of a unit, closures of
  an activity, and the global closures when the file has a [calendrier];
- a tariff used by an invoice line is never changed nor deleted: changing its
  price is an error (add a row with a later "depuis"), leaving it out of the
  file keeps it (the report says so).
Checks that need the database run before any change; the changes themselves
run in a SAVEPOINT, so a failure leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backoffice.models import (
    Activity,
    AgeGroup,
    Capacity,
    Closure,
    ConsentDefinition,
    InvoiceLine,
    PaymentWindow,
    Period,
    ProcessingRule,
    Regie,
    Setting,
    Site,
    Tariff,
    Unit,
)
from backoffice.services.catalogue.import_report import CatalogueReport
from backoffice.services.catalogue.parsed import (
    ActivityDoc,
    CatalogueDocument,
    CatalogueError,
    CatalogueIssue,
    ClosureDoc,
    UnitDoc,
)
from backoffice.services.catalogue_edit.checks import capacity_problems
from backoffice.services.common.outbox import enqueue


def _sync(obj: Any, values: dict[str, Any]) -> bool:
    """Set only what differs (so unchanged rows keep their version)."""
    changed = False
    for attr, value in values.items():
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            changed = True
    return changed


class _Applier:
    def __init__(self, session: Session, doc: CatalogueDocument):
        self.session = session
        self.doc = doc
        self.report = CatalogueReport(source=doc.source)
        self.regies = {
            r.code: r
            for r in session.scalars(select(Regie).options(selectinload(Regie.payment_windows)))
        }
        self.sites = {s.code: s for s in session.scalars(select(Site))}
        self.unchanged_activities: set[str] = set()  # counted so before their consents
        self.activities = {
            a.code: a
            for a in session.scalars(
                select(Activity).options(
                    selectinload(Activity.age_groups),
                    selectinload(Activity.periods),
                    selectinload(Activity.rule),
                    selectinload(Activity.consents),
                    selectinload(Activity.units).selectinload(Unit.capacities),
                    selectinload(Activity.units).selectinload(Unit.tariffs),
                )
            )
        }
        self.tariff_uses: dict[int, int] = {
            tariff_id: uses
            for tariff_id, uses in session.execute(
                select(InvoiceLine.tariff_id, func.count())
                .where(InvoiceLine.tariff_id.is_not(None))
                .group_by(InvoiceLine.tariff_id)
            )
            if tariff_id is not None  # always, by the query; narrows the column's type
        }

    # -- checks needing the database, before any change -------------------

    def check(self) -> None:
        issues: list[CatalogueIssue] = []
        file_codes = {r.code for r in self.doc.regies}
        for regie in self.doc.regies:
            for attr, label in (
                ("invoice_prefix", "préfixe de facture"),
                ("credit_note_prefix", "préfixe d'avoir"),
            ):
                value = getattr(regie, attr)
                for other in self.regies.values():
                    if other.code not in file_codes and getattr(other, attr) == value:
                        issues.append(
                            CatalogueIssue(
                                f"regie « {regie.code} »",
                                f"le {label} « {value} » est déjà celui de la régie « {other.code} »",
                                regie.line,
                            )
                        )
        for activity_doc in self.doc.activities:
            activity = self.activities.get(activity_doc.code)
            if activity is None:
                continue
            units = {u.code: u for u in activity.units}
            for unit_doc in activity_doc.units:
                if unit_doc.code in units:
                    issues.extend(self._tariff_issues(activity_doc, unit_doc, units[unit_doc.code]))
                    issues.extend(
                        self._capacity_issues(
                            activity, activity_doc, unit_doc, units[unit_doc.code]
                        )
                    )
        issues.extend(self._consent_issues())
        if issues:
            raise CatalogueError(self.doc.source, issues)

    def _consent_issues(self) -> Iterable[CatalogueIssue]:
        """An activity asks autorisations described in the file or already in the base."""
        known = {c.code for c in self.doc.consents} | set(
            self.session.scalars(select(ConsentDefinition.code))
        )
        for activity_doc in self.doc.activities:
            for code in activity_doc.consents or ():
                if code not in known:
                    yield CatalogueIssue(
                        f"activite « {activity_doc.code} » › autorisations",
                        f"autorisation « {code} » inconnue : elle doit être décrite par une "
                        "[[autorisation]] (dans ce fichier ou déjà importée)",
                        activity_doc.line,
                    )

    def _tariff_issues(
        self, activity_doc: ActivityDoc, unit_doc: UnitDoc, unit: Unit
    ) -> Iterable[CatalogueIssue]:
        existing = {_tariff_key(t): t for t in unit.tariffs}
        for t in unit_doc.tariffs:
            old = existing.get(t.key)
            if old is None:
                continue
            uses = self.tariff_uses.get(old.id, 0)
            if uses and (old.price != t.price or old.qf_max != t.qf_max):
                rank = f", rang {t.child_rank}" if t.child_rank else ""
                yield CatalogueIssue(
                    f"activite « {activity_doc.code} » › unite « {unit_doc.code} » › tarifs",
                    f"le tarif du {t.valid_from:%d/%m/%Y} (QF à partir de {t.qf_min}{rank}) est "
                    f"utilisé par {uses} ligne(s) de facture : son prix ({old.price} €) et sa "
                    "tranche ne peuvent plus changer ; ajoutez un nouveau tarif avec une date "
                    "« depuis » postérieure",
                    t.line,
                )

    def _capacity_issues(
        self, activity: Activity, activity_doc: ActivityDoc, unit_doc: UnitDoc, unit: Unit
    ) -> Iterable[CatalogueIssue]:
        """Places below the children already accepted: the « Sites et activités » check."""
        groups = {g.code: g.id for g in activity.age_groups}
        where = f"activite « {activity_doc.code} » › unite « {unit_doc.code} » › capacites"
        for c in unit_doc.capacities:
            if c.age_group is not None and c.age_group not in groups:
                continue  # a new age group: nobody is booked in it yet
            group_id = groups[c.age_group] if c.age_group is not None else None
            for message in capacity_problems(
                self.session, unit.id, unit.name, group_id, c.start, c.end, c.places
            ):
                yield CatalogueIssue(where, message, unit_doc.line)

    # -- changes ----------------------------------------------------------

    def apply(self) -> CatalogueReport:
        for key, value in self.doc.settings.items():
            setting = self.session.get(Setting, key)
            if setting is None:
                self.session.add(Setting(key=key, value=value))
            self.report.tally(
                "setting", setting is None, setting is not None and _sync(setting, {"value": value})
            )
        for regie_doc in self.doc.regies:
            self._apply_regie(regie_doc)
        for site_doc in self.doc.sites:
            values = {k: v for k, v in vars(site_doc).items() if k not in ("code", "line")}
            self.sites[site_doc.code] = self._upsert(
                "site", Site, self.sites.get(site_doc.code), site_doc.code, values
            )
        applied = [(doc, self._apply_activity(doc)) for doc in self.doc.activities]
        self.session.flush()  # new activities need their id for closures
        for doc, activity in applied:
            self._sync_closures(Closure.activity_id == activity.id, doc.closures, activity.id)
        if self.doc.closures is not None:
            self._sync_closures(Closure.activity_id.is_(None), self.doc.closures, None)
        consents = {c.code: c for c in self.session.scalars(select(ConsentDefinition))}
        by_code = dict(consents)
        for position, consent_doc in enumerate(self.doc.consents):
            values = {k: v for k, v in vars(consent_doc).items() if k != "code"}
            values["position"] = position
            by_code[consent_doc.code] = self._upsert(
                "consent",
                ConsentDefinition,
                consents.get(consent_doc.code),
                consent_doc.code,
                values,
            )
        for doc, activity in applied:
            if doc.consents is not None:
                wanted = [by_code[code] for code in doc.consents]
                if [c.code for c in activity.consents] != doc.consents:
                    activity.consents = wanted
                    if doc.code in self.unchanged_activities:  # now changed after all
                        self.unchanged_activities.discard(doc.code)
                        self.report.counts["activity"].unchanged -= 1
                        self.report.counts["activity"].updated += 1
        self._list_absent(consents)
        self.session.flush()
        return self.report

    def _upsert(
        self, kind: str, model: type, obj: Any, code: str, values: dict[str, Any], **extra: Any
    ) -> Any:
        if obj is None:
            obj = model(code=code, **values, **extra)
            self.session.add(obj)
            self.report.tally(kind, created=True)
        else:
            self.report.tally(kind, changed=_sync(obj, values))
        return obj

    def _apply_regie(self, doc) -> None:
        values = {
            k: v for k, v in vars(doc).items() if k not in ("code", "payment_windows", "line")
        }
        regie = self._upsert("regie", Regie, self.regies.get(doc.code), doc.code, values)
        self.regies[doc.code] = regie
        self._sync_children(
            "payment_window",
            regie.payment_windows,
            doc.payment_windows,
            key_of_row=lambda w: (w.opens_on, w.closes_on),
            key_of_doc=lambda w: (w.start, w.end),
            values_of=lambda w: {"label": w.label, "opens_on": w.start, "closes_on": w.end},
            make=lambda values: PaymentWindow(**values),
        )

    def _apply_activity(self, doc: ActivityDoc) -> Activity:
        values = {
            "name": doc.name,
            "kind": doc.kind,
            "regie": self.regies[doc.regie],
            "site": self.sites[doc.site],
            "billing_basis": doc.billing_basis,
            "rank_pricing": doc.rank_pricing,
            "active": doc.active,
        }
        if doc.required_documents is not None:
            values["required_documents"] = doc.required_documents
        elif doc.code not in self.activities:
            values["required_documents"] = []
        unchanged_before = self.report.counts["activity"].unchanged
        activity = self._upsert(
            "activity", Activity, self.activities.get(doc.code), doc.code, values
        )
        if self.report.counts["activity"].unchanged > unchanged_before:
            self.unchanged_activities.add(doc.code)
        groups = self._sync_coded(
            "age_group", activity.age_groups, AgeGroup, doc.age_groups, f"activité « {doc.code} »"
        )
        self._sync_coded(
            "period",
            activity.periods,
            Period,
            doc.periods,
            f"activité « {doc.code} »",
            rename={"start": "start_date", "end": "end_date"},
        )
        for position, unit_doc in enumerate(doc.units):
            unit = next((u for u in activity.units if u.code == unit_doc.code), None)
            values = {
                "name": unit_doc.name,
                "position": position,
                "start_time": unit_doc.start_time,
                "end_time": unit_doc.end_time,
                "weekdays": unit_doc.weekdays,
                "billing_unit": unit_doc.billing_unit,
            }
            if unit is None:
                unit = Unit(code=unit_doc.code, **values)
                activity.units.append(unit)
                self.report.tally("unit", created=True)
            else:
                self.report.tally("unit", changed=_sync(unit, values))
            self._apply_unit_lists(unit, unit_doc, groups, doc.code)
        file_units = {u.code for u in doc.units}
        self.report.absent.extend(
            f"unité « {u.code} » de l'activité « {doc.code} »"
            for u in activity.units
            if u.code not in file_units
        )
        if doc.rule is not None:
            rule_values = vars(doc.rule).copy()
            rule_values["booking_notice_days"], rule_values["booking_notice_time"] = (
                rule_values.pop("booking_notice")
            )
            rule_values["cancel_notice_days"], rule_values["cancel_notice_time"] = rule_values.pop(
                "cancel_notice"
            )
            if activity.rule is None:
                activity.rule = ProcessingRule(**rule_values)
                self.report.tally("rule", created=True)
            else:
                self.report.tally("rule", changed=_sync(activity.rule, rule_values))
        return activity

    def _sync_coded(
        self, kind, rows: list, model, docs, owner: str, rename: dict[str, str] | None = None
    ) -> dict[str, Any]:
        by_code = {row.code: row for row in rows}
        for item in docs:
            values = {(rename or {}).get(k, k): v for k, v in vars(item).items() if k != "code"}
            row = by_code.get(item.code)
            if row is None:
                row = model(code=item.code, **values)
                rows.append(row)
                by_code[item.code] = row
                self.report.tally(kind, created=True)
            else:
                self.report.tally(kind, changed=_sync(row, values))
        file_codes = {item.code for item in docs}
        label = {"age_group": "groupe d'âge", "period": "période"}[kind]
        self.report.absent.extend(
            f"{label} « {code} » de l'{owner}" for code in by_code if code not in file_codes
        )
        return by_code

    def _apply_unit_lists(
        self, unit: Unit, doc: UnitDoc, groups: dict[str, AgeGroup], activity_code: str
    ) -> None:
        self._sync_children(
            "capacity",
            unit.capacities,
            doc.capacities,
            key_of_row=lambda c: (
                c.start_date,
                c.end_date,
                c.age_group.code if c.age_group else None,
            ),
            key_of_doc=lambda c: (c.start, c.end, c.age_group),
            values_of=lambda c: {
                "start_date": c.start,
                "end_date": c.end,
                "places": c.places,
                "age_group": groups[c.age_group] if c.age_group else None,
            },
            make=lambda values: Capacity(**values),
        )
        used = {t.id: self.tariff_uses.get(t.id, 0) for t in unit.tariffs if t.id is not None}

        def keep(tariff: Tariff) -> bool:
            if not used.get(tariff.id):
                return False
            self.report.kept.append(
                f"tarif du {tariff.valid_from:%d/%m/%Y} ({tariff.bracket_label}, {tariff.price} €) "
                f"de l'unité « {unit.code} » de l'activité « {activity_code} », absent du "
                f"fichier mais utilisé par {used[tariff.id]} ligne(s) de facture"
            )
            return True

        self._sync_children(
            "tariff",
            unit.tariffs,
            doc.tariffs,
            key_of_row=_tariff_key,
            key_of_doc=lambda t: t.key,
            values_of=lambda t: {
                "valid_from": t.valid_from,
                "qf_min": t.qf_min,
                "qf_max": t.qf_max,
                "child_rank": t.child_rank,
                "price": t.price,
            },
            make=lambda values: Tariff(**values),
            keep=keep,
        )

    def _sync_children(
        self,
        kind: str,
        rows: list,
        docs: list,
        *,
        key_of_row: Callable,
        key_of_doc: Callable,
        values_of: Callable,
        make: Callable,
        keep: Callable[[Any], bool] = lambda row: False,
    ) -> None:
        """Make a parent's list follow the file: update by key, add, delete the rest."""
        by_key = {key_of_row(row): row for row in rows}
        wanted = set()
        for item in docs:
            key = key_of_doc(item)
            wanted.add(key)
            row = by_key.get(key)
            if row is None:
                rows.append(make(values_of(item)))
                self.report.tally(kind, created=True)
            else:
                self.report.tally(kind, changed=_sync(row, values_of(item)))
        for key, row in by_key.items():
            if key not in wanted and not keep(row):
                rows.remove(row)  # delete-orphan
                self.report.counts[kind].deleted += 1

    def _sync_closures(self, where, docs: list[ClosureDoc], activity_id: int | None) -> None:
        rows = list(self.session.scalars(select(Closure).where(where)))
        by_key = {(c.start_date, c.end_date): c for c in rows}
        wanted = set()
        for item in docs:
            key = (item.start, item.end)
            wanted.add(key)
            if (row := by_key.get(key)) is None:
                self.session.add(
                    Closure(
                        activity_id=activity_id,
                        start_date=item.start,
                        end_date=item.end,
                        label=item.label,
                    )
                )
                self.report.tally("closure", created=True)
            else:
                self.report.tally("closure", changed=_sync(row, {"label": item.label}))
        for key, row in by_key.items():
            if key not in wanted:
                self.session.delete(row)
                self.report.counts["closure"].deleted += 1

    def _list_absent(self, consents: dict[str, ConsentDefinition]) -> None:
        for label, existing, docs in (
            ("régie", self.regies, self.doc.regies),
            ("établissement", self.sites, self.doc.sites),
            ("activité", self.activities, self.doc.activities),
            ("autorisation", consents, self.doc.consents),
        ):
            in_file = {d.code for d in docs}
            self.report.absent.extend(
                f"{label} « {code} »" for code in sorted(existing) if code not in in_file
            )


def _tariff_key(tariff: Tariff) -> tuple:
    return (tariff.valid_from, tariff.qf_min, tariff.child_rank)


# What the portal's catalogue (``PUT /staff/catalogue``) is made of.
PORTAL_CATALOGUE_KINDS = (
    "site",
    "activity",
    "age_group",
    "period",
    "unit",
    "capacity",
    "rule",
    "closure",
)


def apply_catalogue(session: Session, doc: CatalogueDocument) -> CatalogueReport:
    """Upsert the catalogue by code in the caller's transaction: all or nothing.

    When what the portal shows changed, the sync is told in the same transaction
    (outbox ``catalogue.publish`` / ``payment_windows.publish``; the bodies are
    built from the rows when sent)."""
    applier = _Applier(session, doc)
    applier.check()
    with session.begin_nested():
        report = applier.apply()
        if any(report.counts[kind].changed for kind in PORTAL_CATALOGUE_KINDS):
            enqueue(session, "catalogue.publish", {"source": doc.source})
        if report.counts["payment_window"].changed:
            enqueue(session, "payment_windows.publish", {"source": doc.source})
    return report
