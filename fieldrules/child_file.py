"""What a child's file holds (fiche sanitaire de liaison, Cerfa 10008*02) and must hold.

The reference codes are part of the HTTP contract; the mandatory fields and the
compulsory vaccines are the rules both the portal's and the back-office's « what is
missing » lists apply (parents' guide §6.1).
"""

from __future__ import annotations

from datetime import date

# Block « Information Enfant » and each person of blocks 3 and 4: mandatory fields.
INFORMATION_REQUIRED = ("last_name", "first_name", "sex", "birth_date")
PERSON_REQUIRED = ("last_name", "first_name", "relationship_label", "phone1")

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

# Allergies of the fiche sanitaire: portal code → label, in the order of the paper form.
ALLERGIES: dict[str, str] = {
    "asthme": "Asthme",
    "alimentaire": "Alimentaire",
    "medicamenteuse": "Médicamenteuse",
    "autre": "Autre",
}


def allergy_details(text: str, present: list[str] | tuple[str, ...]) -> dict[str, str]:
    """The detail of each allergy ticked (``present``: labels) in the back-office's
    single text « Alimentaire : arachide ; Autre : pollen ».

    A part « Label : détail » goes with its allergy; free text typed at the desk
    (not « Label : détail ») goes with every allergy ticked that has none of its own.
    What the portal shows as each allergy's detail, and what the completeness rule
    reads at the desk."""
    labelled: dict[str, str] = {}
    loose: list[str] = []
    for part in (text or "").split(" ; "):
        label, sep, detail = part.partition(" : ")
        if sep and label.strip() in ALLERGIES.values():
            labelled[label.strip()] = detail.strip()
        elif part.strip():
            loose.append(part.strip())
    free = " ; ".join(loose)
    return {label: labelled.get(label) or free for label in present}


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

# Children born since 1 January 2018: 11 compulsory vaccines; before, DT-Polio.
ELEVEN_VACCINES_SINCE = date(2018, 1, 1)
DTP = ("diphterie", "tetanos", "poliomyelite")
# Age (months) at which the first dose of each vaccine is due in the French schedule:
# a baby is not "missing" a vaccine it is too young to have had.
FIRST_DOSE_MONTHS: dict[str, int] = {
    **{code: 2 for code in VACCINES},
    "meningocoque_c": 5,
    "rougeole": 12,
    "oreillons": 12,
    "rubeole": 12,
}
# The school is asked from 3 years old (école maternelle) until 18.
SCHOOL_AGES = range(3, 18)


def compulsory_vaccines(birth_date: date, age_months: int | None = None) -> tuple[str, ...]:
    """Compulsory vaccines for a child born on ``birth_date``; with ``age_months``,
    only those whose first dose is already due."""
    codes = tuple(VACCINES) if birth_date >= ELEVEN_VACCINES_SINCE else DTP
    if age_months is None:
        return codes
    return tuple(code for code in codes if FIRST_DOSE_MONTHS[code] <= age_months)


def school_required(age: int) -> bool:
    return age in SCHOOL_AGES


def incomplete_file_refusal(child_name: str, missing: list[str] | tuple[str, ...]) -> str:
    """Why a registration is refused while mandatory information is missing: the one
    sentence the portal shows the parents and the desk shows the agent (guide §6.1).
    Each side adds where to complete the file."""
    return (
        f"Inscription impossible : le dossier de {child_name} est incomplet. "
        "Informations obligatoires manquantes : " + " ; ".join(missing) + "."
    )
