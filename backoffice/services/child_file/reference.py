"""Reference lists of the child file (fiche sanitaire de liaison, Cerfa 10008*02)."""

from __future__ import annotations

from datetime import date

# code → label, in the order of the paper form.
VACCINES: dict[str, str] = {
    "diphterie": "Diphtérie",
    "tetanos": "Tétanos",
    "poliomyelite": "Poliomyélite",
    "coqueluche": "Coqueluche",
    "hib": "Haemophilus influenzae b",
    "hepatite_b": "Hépatite B",
    "pneumocoque": "Pneumocoque",
    "meningocoque_c": "Méningocoque C",
    "rougeole": "Rougeole",
    "oreillons": "Oreillons",
    "rubeole": "Rubéole",
}
# Children born since 1 January 2018: 11 compulsory vaccines; before, DT-Polio.
ELEVEN_VACCINES_SINCE = date(2018, 1, 1)
DTP = ("diphterie", "tetanos", "poliomyelite")

DISEASES: dict[str, str] = {
    "rubeole": "Rubéole",
    "varicelle": "Varicelle",
    "angine": "Angine",
    "rhumatisme": "Rhumatisme articulaire aigu",
    "scarlatine": "Scarlatine",
    "coqueluche": "Coqueluche",
    "otite": "Otite",
    "rougeole": "Rougeole",
    "oreillons": "Oreillons",
}

RELATIONSHIPS: tuple[str, ...] = (
    "mère",
    "père",
    "beau-père",
    "belle-mère",
    "grand-mère",
    "grand-père",
    "oncle",
    "tante",
    "frère",
    "sœur",
    "cousin·e",
    "voisin·e",
    "ami·e de la famille",
    "assistante maternelle",
)

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


# Age (months) at which the first dose of each vaccine is due in the French schedule:
# a baby is not "missing" a vaccine it is too young to have had.
FIRST_DOSE_MONTHS: dict[str, int] = {
    **{code: 2 for code in VACCINES},
    "meningocoque_c": 5,
    "rougeole": 12,
    "oreillons": 12,
    "rubeole": 12,
}


def compulsory_vaccines(birth_date: date, age_months: int | None = None) -> tuple[str, ...]:
    """Compulsory vaccines for a child born on ``birth_date``; with ``age_months``,
    only those whose first dose is already due."""
    codes = tuple(VACCINES) if birth_date >= ELEVEN_VACCINES_SINCE else DTP
    if age_months is None:
        return codes
    return tuple(code for code in codes if FIRST_DOSE_MONTHS[code] <= age_months)
