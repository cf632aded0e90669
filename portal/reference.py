"""Reference lists of the child form (fiche sanitaire de liaison).

The codes shared with the back-office, and the compulsory vaccines, are the shared
rules' (:mod:`fieldrules.child_file`); the allergy codes and the size of a list are
the portal's.
"""

from __future__ import annotations

from fieldrules.child_file import (
    DISEASES,
    DTP,
    ELEVEN_VACCINES_SINCE,
    FIRST_DOSE_MONTHS,
    RELATIONSHIPS,
    VACCINES,
    compulsory_vaccines,
)

__all__ = [
    "ALLERGIES",
    "DISEASES",
    "DTP",
    "ELEVEN_VACCINES_SINCE",
    "FIRST_DOSE_MONTHS",
    "MAX_PERSONS",
    "RELATIONSHIPS",
    "VACCINES",
    "compulsory_vaccines",
]

ALLERGIES: dict[str, str] = {
    "asthme": "Asthme",
    "alimentaire": "Alimentaire",
    "medicamenteuse": "Médicamenteuse",
    "autre": "Autre",
}

MAX_PERSONS = 10
