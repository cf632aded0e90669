"""Reference lists of the child form (fiche sanitaire de liaison).

The back-office keeps the same codes; they are part of the HTTP contract.
"""

from __future__ import annotations

from datetime import date

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

ALLERGIES: dict[str, str] = {
    "asthme": "Asthme",
    "alimentaire": "Alimentaire",
    "medicamenteuse": "Médicamenteuse",
    "autre": "Autre",
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

MAX_PERSONS = 10

# Children born since 1 January 2018: 11 compulsory vaccines; before, DT-Polio
# (the same rule as the back-office's completeness of the child file).
ELEVEN_VACCINES_SINCE = date(2018, 1, 1)
DTP = ("diphterie", "tetanos", "poliomyelite")
# Age (months) at which the first dose is due: a baby is not « missing » a vaccine
# it is too young to have had.
FIRST_DOSE_MONTHS: dict[str, int] = {
    **{code: 2 for code in VACCINES},
    "meningocoque_c": 5,
    "rougeole": 12,
    "oreillons": 12,
    "rubeole": 12,
}


def compulsory_vaccines(birth_date: date, age_months: int) -> tuple[str, ...]:
    codes = tuple(VACCINES) if birth_date >= ELEVEN_VACCINES_SINCE else DTP
    return tuple(code for code in codes if FIRST_DOSE_MONTHS[code] <= age_months)
