"""Signed-in pages of §5 « Mes enfants »: the list, each child's file (five blocks) and
one edit form per block. Every save goes through the same portal functions as the
JSON routes (``families.update_*``: the checks of :mod:`portal.validation`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from portal import families
from portal.deps import Services, ServicesDep
from portal.errors import PortalError
from portal.models import Family
from portal.pages.forms import errors_of, parse
from portal.pages.web import FormDep, ParentPage, flash, redirect, render, text
from portal.reference import ALLERGIES, DISEASES, MAX_PERSONS, RELATIONSHIPS, VACCINES
from portal.rules import system_now, today_in_paris
from portal.schemas import ChildForm, ChildInformation, Consents, MedicalRecord, Persons

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

# Block slug (French URL) → (title, template).
BLOCKS = {
    "informations": "Information Enfant",
    "sante": "Renseignements médicaux",
    "urgence": "Personnes à contacter en cas d'urgence",
    "recuperation": "Personnes autorisées à venir chercher l'enfant",
    "autorisations": "Autorisations",
}
PERSON_BLOCKS = {"urgence": "emergency_contacts", "recuperation": "authorised_pickups"}
PERSON_FIELDS = [
    "last_name",
    "first_name",
    "relationship_label",
    "address_line1",
    "postcode",
    "commune",
    "phone1",
    "phone2",
]
INFO_FIELDS = ["last_name", "first_name", "sex", "birth_date", "school", "school_class"]


def block_of_missing(item: str) -> str:
    """Which block of the child's file completes a missing item (registration refusal)."""
    if item.startswith(("Fiche sanitaire", "Médecin", "Vaccins", "Allergies", "PAI")):
        return "sante"
    if item.startswith("Personne à contacter"):
        return "urgence"
    if item.startswith("Personne autorisée"):
        return "recuperation"
    if item.startswith("Autorisation"):
        return "autorisations"
    return "informations"


def _child(svc: Services, parent, ref: str) -> ChildForm:
    """The child's file; another family's child or an unknown one: the 404 page."""
    with svc.db.read() as session:
        try:
            child = families.child_of_family(session, parent.family_id, ref)
        except PortalError as exc:
            raise HTTPException(404) from exc
        return families.child_form(child, families.consent_definitions(session))


def _values(form: ChildForm, block: str) -> dict[str, str]:
    """The stored block as form values (field name → text)."""
    values: dict[str, str] = {}
    if block == "informations":
        for f in INFO_FIELDS:
            v = getattr(form.information, f)
            values[f] = "" if v is None else str(v)
    elif block == "sante":
        m = form.medical
        done = {v.vaccine: v for v in m.vaccinations}
        for i, code in enumerate(VACCINES):
            v = done.get(code)
            values[f"vaccinations.{i}.done"] = "on" if v is not None and v.done else ""
            last = v.last_date if v is not None else None
            values[f"vaccinations.{i}.last_date"] = str(last) if last else ""
        had = {d.disease for d in m.diseases if d.had}
        for i, code in enumerate(DISEASES):
            values[f"diseases.{i}.had"] = "oui" if code in had else "non"
        allergies = {a.allergy: a for a in m.allergies}
        for i, code in enumerate(ALLERGIES):
            a = allergies.get(code)
            values[f"allergies.{i}.present"] = "oui" if a is not None and a.present else "non"
            values[f"allergies.{i}.detail"] = a.detail if a is not None else ""
        for f in ("medical_history", "observations", "doctor_name", "doctor_phone"):
            values[f] = getattr(m, f)
        values["doctor_commune"] = m.doctor_commune
    elif block in PERSON_BLOCKS:
        column = PERSON_BLOCKS[block]
        for i, p in enumerate(getattr(form, column)):
            values[f"{column}.{i}.person_ref"] = p.person_ref or ""
            for f in PERSON_FIELDS:
                values[f"{column}.{i}.{f}"] = getattr(p, f)
    else:
        for i, q in enumerate(form.consents):
            values[f"consents.{i}.granted"] = (
                "" if q.granted is None else ("oui" if q.granted else "non")
            )
            values[f"consents.{i}.detail"] = q.detail
    return values


def _rows(form: ChildForm, block: str, values: dict[str, str]) -> int:
    """How many person rows the form shows: the stored ones (or posted ones) and one blank."""
    column = PERSON_BLOCKS[block]
    posted = [int(m.group(1)) for k in values if (m := re.match(rf"{column}\.(\d+)\.", k))]
    count = max([len(getattr(form, column)), *(i + 1 for i in posted)])
    return min(count + 1, MAX_PERSONS)


def _information(form: FormData) -> ChildInformation:
    data: dict[str, Any] = {f: text(form, f, 200) for f in INFO_FIELDS}
    data["birth_date"] = data["birth_date"] or None
    return parse(ChildInformation, data)


def _medical(form: FormData) -> MedicalRecord:
    vaccinations = []
    for i, code in enumerate(VACCINES):
        done = bool(text(form, f"vaccinations.{i}.done"))
        last = text(form, f"vaccinations.{i}.last_date", 20) or None
        if done or last:
            vaccinations.append({"vaccine": code, "done": done, "last_date": last})
    data: dict[str, Any] = {
        "vaccinations": vaccinations,
        "diseases": [
            {"disease": code, "had": True}
            for i, code in enumerate(DISEASES)
            if text(form, f"diseases.{i}.had") == "oui"
        ],
        "allergies": [
            {
                "allergy": code,
                "present": text(form, f"allergies.{i}.present") == "oui",
                "detail": text(form, f"allergies.{i}.detail", 500),
            }
            for i, code in enumerate(ALLERGIES)
        ],
    }
    for f in ("medical_history", "observations"):
        data[f] = text(form, f, 2000)
    for f in ("doctor_name", "doctor_phone", "doctor_commune"):
        data[f] = text(form, f, 200)
    return parse(MedicalRecord, data)


def _vaccine_paths(record: MedicalRecord) -> dict[str, str]:
    """API path prefix (rows sent) → page field prefix (the page lists every vaccine of the
    reference list, in its order; only the ticked or dated ones are sent)."""
    order = list(VACCINES)
    return {
        f"vaccinations.{n}.": f"vaccinations.{order.index(v.vaccine)}."
        for n, v in enumerate(record.vaccinations)
    }


def _persons(form: FormData, column: str) -> Persons:
    people = []
    for i in range(MAX_PERSONS):
        if f"{column}.{i}.last_name" not in form:
            continue
        row = {f: text(form, f"{column}.{i}.{f}", 200) for f in PERSON_FIELDS}
        if not any(row.values()):
            continue  # the blank row left blank
        ref = text(form, f"{column}.{i}.person_ref", 40)
        people.append({**row, "person_ref": ref or None})
    return parse(Persons, {"persons": people})


def _consents(form: FormData, child: ChildForm) -> tuple[Consents, dict[str, str]]:
    answers: list[dict[str, Any]] = []
    paths: dict[str, str] = {}
    for i, q in enumerate(child.consents):
        granted = text(form, f"consents.{i}.granted", 3)
        if granted not in ("oui", "non"):
            continue
        paths[f"consents.{len(answers)}."] = f"consents.{i}."
        answers.append(
            {
                "code": q.code,
                "granted": granted == "oui",
                "detail": text(form, f"consents.{i}.detail", 200),
            }
        )
    return parse(Consents, {"consents": answers}), paths


def _moved(errors: dict[str, str], paths: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, message in errors.items():
        for old, new in paths.items():
            if name.startswith(old):
                name = new + name[len(old) :]
                break
        out[name] = message
    return out


def _block_context(child: ChildForm, block: str, values: dict[str, str]) -> dict[str, Any]:
    context: dict[str, Any] = {
        "child": child,
        "block": block,
        "block_title": BLOCKS[block],
        "values": values,
        "vaccines": list(VACCINES.items()),
        "diseases": list(DISEASES.items()),
        "allergies": list(ALLERGIES.items()),
        "relationships": RELATIONSHIPS,
    }
    if block in PERSON_BLOCKS:
        context["column"] = PERSON_BLOCKS[block]
        context["rows"] = _rows(child, block, values)
    return context


@router.get("/enfants")
def children_page(request: Request, parent: ParentPage, svc: ServicesDep):
    with svc.db.read() as session:
        family = session.get_one(Family, parent.family_id)
        children = families.children_summary(family)
    return render(request, "enfants/list.html", {"children": children})


@router.get("/enfants/{ref}")
def child_page(request: Request, ref: str, parent: ParentPage, svc: ServicesDep):
    child = _child(svc, parent, ref)
    return render(
        request,
        "enfants/child.html",
        {
            "child": child,
            "blocks": BLOCKS,
            "vaccine_labels": VACCINES,
            "disease_labels": DISEASES,
            "allergy_labels": ALLERGIES,
        },
    )


@router.get("/enfants/{ref}/{block}")
def block_page(request: Request, ref: str, block: str, parent: ParentPage, svc: ServicesDep):
    if block not in BLOCKS:
        raise HTTPException(404)
    child = _child(svc, parent, ref)
    return render(request, "enfants/edit.html", _block_context(child, block, _values(child, block)))


def _save(svc: Services, parent, ref: str, block: str, form: FormData, child: ChildForm) -> None:
    """Saves the block; a refusal is a :class:`PortalError` whose field names are the page's."""
    today = today_in_paris(system_now())  # as the JSON routes: the wall clock, in Paris
    paths: dict[str, str] = {}
    apply: Callable[[Any, Any], None]
    try:
        if block == "informations":
            info = _information(form)
            apply = lambda s, c: families.update_information(s, c, info, today)  # noqa: E731
        elif block == "sante":
            record = _medical(form)
            paths = _vaccine_paths(record)
            apply = lambda s, c: families.update_medical(s, c, record, today)  # noqa: E731
        elif block in PERSON_BLOCKS:
            column = PERSON_BLOCKS[block]
            people = _persons(form, column)
            paths = {"persons.": f"{column}."}
            apply = lambda s, c: families.update_persons(s, c, column, people.persons)  # noqa: E731
        else:
            consents, paths = _consents(form, child)
            apply = lambda s, c: families.update_consents(s, c, consents.consents, today)  # noqa: E731
        with svc.db.session() as session:
            apply(session, families.child_of_family(session, parent.family_id, ref))
    except PortalError as exc:
        raise BlockRefused(exc.status_code, _moved(errors_of(exc), paths)) from exc


class BlockRefused(Exception):
    def __init__(self, status_code: int, errors: dict[str, str]):
        super().__init__(status_code)
        self.status_code = status_code
        self.errors = errors


@router.post("/enfants/{ref}/{block}")
def block_save(
    request: Request, ref: str, block: str, parent: ParentPage, form: FormDep, svc: ServicesDep
):
    if block not in BLOCKS:
        raise HTTPException(404)
    child = _child(svc, parent, ref)
    try:
        _save(svc, parent, ref, block, form, child)
    except BlockRefused as exc:
        values = {k: text(form, k, 2000) for k in form if k != "csrf"}
        context = _block_context(child, block, values)
        context["errors"] = exc.errors
        return render(request, "enfants/edit.html", context, status_code=exc.status_code)
    flash(request, f"Le bloc « {BLOCKS[block]} » de la fiche est enregistré.")
    return redirect(request, f"/enfants/{ref}")
