"""Reference lists of the child file (fiche sanitaire de liaison, Cerfa 10008*02).

The codes the portal shares and the compulsory vaccines are the shared rules'
(:mod:`fieldrules.child_file`); the school classes are the back-office's.
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
    "DISEASES",
    "DTP",
    "ELEVEN_VACCINES_SINCE",
    "FIRST_DOSE_MONTHS",
    "RELATIONSHIPS",
    "SCHOOL_CLASSES",
    "VACCINES",
    "compulsory_vaccines",
]

SCHOOL_CLASSES: tuple[str, ...] = (
    "TPS",
    "PS",
    "MS",
    "GS",
    "CP",
    "CE1",
    "CE2",
    "CM1",
    "CM2",
    "6e",
    "5e",
    "4e",
    "3e",
    "2de",
    "1re",
    "Terminale",
)
