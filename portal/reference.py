"""Reference lists of the child form (fiche sanitaire de liaison).

The back-office keeps the same codes; they are part of the HTTP contract.
"""

from __future__ import annotations

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
