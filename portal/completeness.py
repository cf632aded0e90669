"""What is missing from a child's file before a registration (guide §6.1).

The rule, its order and its words are the shared :mod:`fieldrules.completeness`,
which the back-office's desk registration and « Dossiers incomplets » list apply
too: this module reads the portal's child (columns and JSON blocks) into its facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from fieldrules.child_file import ALLERGIES, INFORMATION_REQUIRED
from fieldrules.completeness import ChildFileFacts, ConsentFacts, missing_items
from fieldrules.dates import age_on
from portal.models import Child, ConsentDefinition

__all__ = ["age_on", "child_file_facts", "missing_for_child"]


def child_file_facts(
    child: Child, definitions: Iterable[ConsentDefinition], asked: Iterable[str] = ()
) -> ChildFileFacts:
    """``asked``: the codes of the autorisations the activity registered to asks."""
    medical = child.medical or {}
    present = {
        a.get("allergy"): str(a.get("detail") or "").strip()
        for a in medical.get("allergies") or []
        if a.get("present")
    }
    # In the form's order; an unknown code (never sent by the API) last, by its code.
    codes = [c for c in ALLERGIES if c in present] + [c for c in present if c not in ALLERGIES]
    answered = {a.get("code") for a in child.consents or []}
    asked = set(asked)
    return ChildFileFacts(
        birth_date=child.birth_date,
        empty_information=tuple(f for f in INFORMATION_REQUIRED if not getattr(child, f)),
        school=child.school or "",
        # An empty block: the parents (nor the desk) never filled the fiche sanitaire in.
        has_medical_record=bool(medical),
        doctor_name=str(medical.get("doctor_name") or ""),
        doctor_phone=str(medical.get("doctor_phone") or ""),
        allergies_without_detail=tuple(ALLERGIES.get(c, str(c)) for c in codes if not present[c]),
        # The portal's fiche sanitaire has no PAI block (the desk keeps it, push_files).
        has_pai=False,
        vaccines_done=frozenset(
            v.get("vaccine")
            for v in medical.get("vaccinations") or []
            if v.get("done") and v.get("last_date")
        ),
        emergency_contacts=tuple(child.emergency_contacts or ()),
        authorised_pickups=tuple(child.authorised_pickups or ()),
        consents=tuple(
            ConsentFacts(
                label=d.label,
                required=d.mandatory or d.code in asked,
                min_age_years=d.min_age_years,
                answered=d.code in answered,
            )
            for d in definitions
            if d.active
        ),
    )


def missing_for_child(
    child: Child, definitions: list[ConsentDefinition], today: date, asked: Iterable[str] = ()
) -> list[str]:
    return missing_items(child_file_facts(child, definitions, asked), today)
