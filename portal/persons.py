"""Stable person ids (``person_ref``) in the emergency-contact and pick-up lists.

The back-office keeps persons per family with roles per child: each person of
a child's lists carries a ``person_ref`` that stays the same across edits, so
the back-office can tell « Jeanne DUPONT changed her phone » from « a new
person ». A person sent without a ref keeps the ref of the person of the same
name already known (same list first, then anywhere in the family); otherwise
the portal gives a new one (``PP-`` + 12 hex digits). A parent can only send
refs already known for the family; the back-office may push its own.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from portal.errors import FieldError

PREFIX = "PP-"
BLOCKS = ("emergency_contacts", "authorised_pickups")


def new_ref() -> str:
    return PREFIX + secrets.token_hex(6).upper()


def _name(person: dict[str, Any]) -> tuple[str, str]:
    return (
        str(person.get("last_name") or "").strip().casefold(),
        str(person.get("first_name") or "").strip().casefold(),
    )


def family_persons(children: Iterable[Any]) -> list[dict[str, Any]]:
    """Every person of every list of the family's children."""
    return [p for c in children for block in BLOCKS for p in (getattr(c, block) or [])]


def assign(
    persons: list[dict[str, Any]],
    same_list: list[dict[str, Any]],
    family: list[dict[str, Any]],
    *,
    block: str,
    trusted: bool,
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """``persons`` with a ``person_ref`` each; errors for unknown or repeated refs."""
    known = {p.get("person_ref") for p in family if p.get("person_ref")}
    used: set[str] = set()
    errors: list[FieldError] = []
    out: list[dict[str, Any]] = []
    for i, person in enumerate(persons):
        ref = person.get("person_ref")
        field = f"{block}.{i}.person_ref"
        if ref:
            if not trusted and ref not in known:
                errors.append(
                    FieldError(
                        field=field, message=f"Personne {i + 1} : personne inconnue ({ref})."
                    )
                )
            elif ref in used:
                errors.append(
                    FieldError(
                        field=field, message=f"Personne {i + 1} : cette personne figure deux fois."
                    )
                )
        else:
            ref = (
                next(
                    (
                        p["person_ref"]
                        for p in [*same_list, *family]
                        if p.get("person_ref")
                        and p["person_ref"] not in used
                        and _name(p) == _name(person)
                    ),
                    None,
                )
                or new_ref()
            )
        used.add(ref)
        out.append({**person, "person_ref": ref})
    return out, errors
