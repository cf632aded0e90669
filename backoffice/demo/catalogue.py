# Long module: the demo catalogue is data written as code (sites, activities, periods, units, tariffs).
"""The demo catalogue of the Communauté de communes Sud Sarthe, as catalogue TOML.

Built from real calendars: school holidays of académie de Nantes (zone B,
``vacances-scolaires-france``), public holidays (``holidays``), communes and
INSEE codes from ``resources/codes-postaux.csv``. Deterministic for a given
``today``: the school year containing it (and the next one in July/August).

    apply_catalogue(session, parse_catalogue(demo_catalogue_toml(today)))
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import holidays

from backoffice.services.catalogue.export import render_catalogue
from backoffice.services.catalogue.school_calendar import (
    SUMMER,
    HolidayRun,
    SchoolYear,
    school_years_for,
)
from backoffice.services.common import postcodes

__all__ = ["demo_catalogue_data", "demo_catalogue_toml", "school_years_for"]

BRACKETS = ((0, 600), (601, 900), (901, None))  # QF ≤ 600 / 601–900 / ≥ 901
YEARLY_INCREASE = Decimal("1.03")  # prices of the following school year


# ---------------------------------------------------------------------------
# Places


def _site(code: str, name: str, address: str, postcode: str, commune: str) -> dict[str, Any]:
    match = [c for c in postcodes.communes_for_postcode(postcode) if c.name == commune]
    if not match:
        raise LookupError(f"{commune} ({postcode}) absente de codes-postaux.csv")
    return {
        "code": code,
        "nom": name,
        "adresse": address,
        "code_postal": postcode,
        "commune": commune,
        "code_insee": match[0].insee_code,
    }


SITES = (
    ("POLE-LUDE", "Pôle intercommunal du Lude", "Allée de l'ancienne gare", "72800", "Le Lude"),
    ("EC-LUDE", "Groupe scolaire du Lude", "Rue des Écoles", "72800", "Le Lude"),
    ("EC-AUBIGNE", "École d'Aubigné-Racan", "Rue de la Mairie", "72800", "Aubigné-Racan"),
    ("EC-MAYET", "École de Mayet", "Place de l'Église", "72360", "Mayet"),
    ("EC-PONTVALLAIN", "École de Pontvallain", "Rue du Stade", "72510", "Pontvallain"),
    ("EC-VAAS", "École de Vaas", "Rue du Loir", "72500", "Vaas"),
    ("EC-LUCHE", "École de Luché-Pringé", "Rue de la Gare", "72800", "Luché-Pringé"),
    ("CL-LUDE", "Centre de loisirs du Lude", "Route de Saumur", "72800", "Le Lude"),
    ("CL-MAYET", "Centre de loisirs de Mayet", "Rue des Sports", "72360", "Mayet"),
    (
        "CL-PONTVALLAIN",
        "Centre de loisirs de Pontvallain",
        "Route de Mansigné",
        "72510",
        "Pontvallain",
    ),
    ("EJ-AUBIGNE", "Espace jeunes d'Aubigné-Racan", "Rue du Port", "72800", "Aubigné-Racan"),
    ("MA-LUDE", "Multi-accueil « Les P'tits Lutins »", "Rue de la Fontaine", "72800", "Le Lude"),
)

# school site code, activity suffix, commune label, places, has the Wednesday units
SCHOOLS = (
    ("EC-LUDE", "LUDE", "Le Lude", 48, True),
    ("EC-AUBIGNE", "AUBIGNE", "Aubigné-Racan", 36, True),
    ("EC-MAYET", "MAYET", "Mayet", 36, True),
    ("EC-PONTVALLAIN", "PONTVALLAIN", "Pontvallain", 24, False),
    ("EC-VAAS", "VAAS", "Vaas", 24, False),
    ("EC-LUCHE", "LUCHE", "Luché-Pringé", 24, False),
)

# ALSH site code, activity suffix, commune, places 3–5 / 6–12, opens at Christmas
ALSH_SITES = (
    ("CL-LUDE", "LUDE", "Le Lude", 16, 24, True),
    ("CL-MAYET", "MAYET", "Mayet", 12, 20, False),
    ("CL-PONTVALLAIN", "PONTVALLAIN", "Pontvallain", 12, 16, False),
)


# ---------------------------------------------------------------------------
# Prices


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _tariffs(
    prices: tuple[str, str, str], years: list[SchoolYear], ranks: dict[int, Decimal] | None = None
) -> list[dict[str, Any]]:
    """One row per QF bracket (and rank), from each school year's start, +3 % a year."""
    rows = []
    for n, year in enumerate(years):
        factor = YEARLY_INCREASE**n
        for rank, discount in (ranks or {None: Decimal(1)}).items():
            for (low, high), base in zip(BRACKETS, prices, strict=True):
                row: dict[str, Any] = {"depuis": year.start}
                if low:
                    row["qf_min"] = low
                if high is not None:
                    row["qf_max"] = high
                if rank is not None:
                    row["rang"] = rank
                row["prix"] = _money(Decimal(base) * factor * discount)
                rows.append(row)
    return rows


RANK_DISCOUNTS = {1: Decimal(1), 2: Decimal("0.9"), 3: Decimal("0.8")}  # 3 = 3rd child and more


def _unit(code, name, start, end, days, prices, years, capacities, **extra) -> dict[str, Any]:
    unit = {"code": code, "nom": name, "heure_debut": start, "heure_fin": end, "jours": days}
    unit.update({k: v for k, v in extra.items() if k != "ranks"})
    unit["capacites"] = capacities
    unit["tarifs"] = _tariffs(prices, years, extra.get("ranks"))
    return unit


def _rule(notice: str, cancel: str, working_days: bool, auto: bool, when_full: str):
    return {
        "delai_reservation": notice,
        "delai_annulation": cancel,
        "exclure_week_ends": working_days,
        "exclure_jours_feries": working_days,
        "acceptation_automatique": auto,
        "si_complet": when_full,
        "dossier_complet_requis": True,
    }


# ---------------------------------------------------------------------------
# Activities


def _periscolaire(years: list[SchoolYear]) -> list[dict[str, Any]]:
    activities = []
    for site, suffix, commune, places, wednesdays in SCHOOLS:

        def cap(n: int) -> list[dict[str, Any]]:
            return [{"debut": y.start, "fin": y.end, "places": n} for y in years]

        units = [
            _unit(
                "matin",
                "Accueil du matin",
                "07:15",
                "08:35",
                "lun, mar, jeu, ven",
                ("1.10", "1.45", "1.80"),
                years,
                cap(places),
            ),
            _unit(
                "soir",
                "Accueil du soir",
                "16:30",
                "18:45",
                "lun, mar, jeu, ven",
                ("1.60", "2.05", "2.50"),
                years,
                cap(places),
            ),
        ]
        if wednesdays:
            wed = places * 3 // 4
            units += [
                _unit(
                    "mercredi-matin",
                    "Mercredi matin",
                    "07:30",
                    "12:00",
                    "mer",
                    ("3.20", "4.10", "5.00"),
                    years,
                    cap(wed),
                ),
                _unit(
                    "repas",
                    "Repas du mercredi",
                    "12:00",
                    "13:30",
                    "mer",
                    ("3.15", "3.45", "3.75"),
                    years,
                    cap(wed),
                ),
                _unit(
                    "mercredi-apres-midi",
                    "Mercredi après-midi",
                    "13:30",
                    "18:30",
                    "mer",
                    ("3.20", "4.10", "5.00"),
                    years,
                    cap(wed),
                ),
            ]
        closures = [
            {"debut": r.start, "fin": r.end, "libelle": r.label}
            for y in years
            for r in y.holidays
            if r.name != SUMMER
        ]
        activities.append(
            {
                "code": f"PERI-{suffix}",
                "nom": f"Périscolaire {commune}",
                "type": "periscolaire",
                "regie": "PERI",
                "etablissement": site,
                "base_facturation": "presences",
                "fermetures": closures,
                "regle": _rule("J-2 à 12:00", "J-2 à 12:00", True, True, "demande"),
                "groupe_age": [
                    {
                        "code": "maternelle",
                        "nom": "Maternelle (2–5 ans)",
                        "age_min": 2,
                        "age_max": 5,
                    },
                    {
                        "code": "elementaire",
                        "nom": "Élémentaire (6–11 ans)",
                        "age_min": 6,
                        "age_max": 11,
                    },
                ],
                "periode": [
                    {
                        "code": y.code,
                        "nom": f"Année scolaire {y.code}",
                        "type": "annee_scolaire",
                        "debut": y.start,
                        "fin": y.end,
                        "reservation_debut": date(y.first_year, 6, 1),
                        "reservation_fin": y.end,
                    }
                    for y in years
                ],
                "unite": units,
            }
        )
    return activities


def _holiday_periods(runs: list[HolidayRun], open_weeks: int, close_days: int):
    return [
        {
            "code": r.code,
            "nom": r.label,
            "type": "vacances",
            "debut": r.start,
            "fin": r.end,
            "reservation_debut": r.start - timedelta(weeks=open_weeks),
            "reservation_fin": max(
                r.end - timedelta(days=close_days), r.start - timedelta(weeks=open_weeks)
            ),
        }
        for r in runs
    ]


def _alsh(years: list[SchoolYear]) -> list[dict[str, Any]]:
    activities = []
    for site, suffix, commune, small, big, christmas in ALSH_SITES:
        runs = [
            r
            for y in years
            for r in y.holidays
            if r.slug != "ascension" and (christmas or r.slug != "noel")
        ]

        def cap(factor: Decimal, runs=runs, small=small, big=big) -> list[dict[str, Any]]:
            return [
                {
                    "debut": r.start,
                    "fin": r.end,
                    "groupe_age": group,
                    "places": int(Decimal(n) * factor),
                }
                for r in runs
                for group, n in (("3-5", small), ("6-12", big))
            ]

        closures = []
        if not christmas:  # the small centres close two weeks around 15 August
            for y in years:
                aug15 = date(y.first_year + 1, 8, 15)
                monday = aug15 - timedelta(days=aug15.weekday())
                closures.append(
                    {
                        "debut": monday - timedelta(days=7),
                        "fin": monday + timedelta(days=4),
                        "libelle": "Fermeture estivale du centre",
                    }
                )
        activity = {
            "code": f"ALSH-{suffix}",
            "nom": f"Accueil de loisirs {commune}",
            "type": "alsh",
            "regie": "ALSH",
            "etablissement": site,
            "base_facturation": "reservations",
            "tarif_par_rang": True,
            "regle": _rule("J-7 à 12:00", "J-7 à 12:00", False, False, "liste_attente"),
            "groupe_age": [
                {"code": "3-5", "nom": "3–5 ans", "age_min": 3, "age_max": 5},
                {"code": "6-12", "nom": "6–12 ans", "age_min": 6, "age_max": 12},
            ],
            "periode": _holiday_periods(runs, 6, 7),
            "unite": [
                _unit(
                    "journee",
                    "Journée (repas compris)",
                    "09:00",
                    "17:00",
                    "lun, mar, mer, jeu, ven",
                    ("8.50", "11.20", "14.60"),
                    years,
                    cap(Decimal(1)),
                    ranks=RANK_DISCOUNTS,
                ),
                _unit(
                    "matin",
                    "Demi-journée matin",
                    "09:00",
                    "12:00",
                    "lun, mar, mer, jeu, ven",
                    ("4.60", "6.05", "7.90"),
                    years,
                    cap(Decimal("0.25")),
                    ranks=RANK_DISCOUNTS,
                ),
                _unit(
                    "apres-midi",
                    "Après-midi",
                    "13:30",
                    "17:00",
                    "lun, mar, mer, jeu, ven",
                    ("4.60", "6.05", "7.90"),
                    years,
                    cap(Decimal("0.25")),
                    ranks=RANK_DISCOUNTS,
                ),
            ],
        }
        if closures:
            activity["fermetures"] = closures
        activities.append(activity)
    return activities


def _jeunesse(years: list[SchoolYear]) -> dict[str, Any]:
    runs = [r for y in years for r in y.holidays if r.slug not in ("noel", "ascension")]

    def cap(n: int) -> list[dict[str, Any]]:
        return [{"debut": r.start, "fin": r.end, "places": n} for r in runs]

    return {
        "code": "JEUN-SUD-SARTHE",
        "nom": "Espace jeunes Sud Sarthe",
        "type": "jeunesse",
        "regie": "JEUN",
        "etablissement": "EJ-AUBIGNE",
        "base_facturation": "reservations",
        "regle": _rule("J-3 à 12:00", "J-3 à 12:00", True, False, "liste_attente"),
        "groupe_age": [{"code": "11-17", "nom": "11–17 ans", "age_min": 11, "age_max": 17}],
        "periode": _holiday_periods(runs, 4, 3),
        "unite": [
            _unit(
                "accueil",
                "Accueil libre (après-midi)",
                "14:00",
                "18:00",
                "lun, mar, mer, jeu, ven",
                ("1.00", "1.50", "2.00"),
                years,
                cap(24),
            ),
            _unit(
                "activite",
                "Activité à la journée",
                "10:00",
                "17:00",
                "lun, mar, mer, jeu, ven",
                ("4.00", "5.50", "7.00"),
                years,
                cap(16),
            ),
            _unit(
                "sortie",
                "Sortie (transport compris)",
                "09:00",
                "18:30",
                "lun, mar, mer, jeu, ven",
                ("8.00", "11.00", "14.00"),
                years,
                cap(16),
            ),
        ],
    }


def _multi_accueil(years: list[SchoolYear]) -> dict[str, Any]:
    spans = []
    for n, y in enumerate(years):
        end = (
            years[n + 1].start - timedelta(days=1)
            if n + 1 < len(years)
            else date(y.first_year + 1, 8, 31)
        )
        spans.append((y, end))
    closures = []
    for y, _ in spans:
        closures.append(
            {
                "debut": date(y.first_year, 12, 24),
                "fin": date(y.first_year, 12, 31),
                "libelle": "Fermeture de fin d'année",
            }
        )
        aug1 = date(y.first_year + 1, 8, 1)
        monday = aug1 + timedelta(days=(7 - aug1.weekday()) % 7)
        closures.append(
            {
                "debut": monday,
                "fin": monday + timedelta(days=18),
                "libelle": "Fermeture estivale (3 semaines)",
            }
        )
    return {
        "code": "MA-LUDE",
        "nom": "Multi-accueil Le Lude",
        "type": "multi_accueil",
        "regie": "MAC",
        "etablissement": "MA-LUDE",
        "base_facturation": "heures",
        "fermetures": closures,
        "regle": _rule("J-2 à 12:00", "J-2 à 12:00", True, False, "demande"),
        "groupe_age": [
            {"code": "0-4", "nom": "10 semaines – 4 ans", "age_min_mois": 2, "age_max_mois": 47}
        ],
        "periode": [
            {
                "code": f"accueil-{y.code}",
                "nom": f"Accueil {y.code}",
                "type": "autre",
                "debut": y.start,
                "fin": end,
                "reservation_debut": date(y.first_year, 6, 1),
                "reservation_fin": end,
            }
            for y, end in spans
        ],
        "unite": [
            _unit(
                "heure",
                "Heure d'accueil",
                "07:30",
                "18:30",
                "lun, mar, mer, jeu, ven",
                ("0.75", "1.25", "1.90"),
                years,
                [{"debut": y.start, "fin": end, "places": 20} for y, end in spans],
                facturee_par="heure",
            )
        ],
    }


# ---------------------------------------------------------------------------


def _regies(years: list[SchoolYear]) -> list[dict[str, Any]]:
    windows = [
        {
            "libelle": r.label,
            "debut": r.start - timedelta(days=21),
            "fin": r.start - timedelta(days=1),
        }
        for y in years
        for r in y.holidays
        if r.slug != "ascension"
    ]
    tresor = (
        "Paiement à réception de l'avis des sommes à payer du Trésor public "
        "(Service de gestion comptable), en ligne sur payfip.gouv.fr ou à ses guichets."
    )
    desk = (
        "Paiement au Pôle intercommunal du Lude : chèque, espèces, carte bancaire, "
        "chèques-vacances ANCV."
    )
    return [
        {
            "code": "PERI",
            "nom": "Régie périscolaire TAP mercredi péricentre",
            "prefixe_facture": "PERI",
            "prefixe_avoir": "AV-PERI",
            "reglement": "tresor_public",
            "instructions_paiement": tresor,
            "delai_paiement_jours": 30,
        },
        {
            "code": "ALSH",
            "nom": "Régie ALSH enfance",
            "prefixe_facture": "ALSH",
            "prefixe_avoir": "AV-ALSH",
            "reglement": "guichet_et_en_ligne",
            "instructions_paiement": "Paiement en ligne sur le Portail Famille pendant les "
            "périodes de paiement, ou " + desk[0].lower() + desk[1:],
            "delai_paiement_jours": 15,
            "fenetres_paiement": windows,
        },
        {
            "code": "JEUN",
            "nom": "Régie Jeunesse",
            "prefixe_facture": "JEUN",
            "prefixe_avoir": "AV-JEUN",
            "reglement": "guichet",
            "instructions_paiement": desk,
            "delai_paiement_jours": 15,
        },
        {
            "code": "MAC",
            "nom": "Régie Multi-accueil",
            "prefixe_facture": "MAC",
            "prefixe_avoir": "AV-MAC",
            "reglement": "tresor_public",
            "instructions_paiement": tresor + " CESU acceptés.",
            "delai_paiement_jours": 30,
        },
    ]


CONSENTS = (
    {
        "code": "droit-image",
        "libelle": "Droit à l'image (photos et vidéos)",
        "description": "Photos et vidéos prises pendant les activités, pour les supports de la "
        "Communauté de communes (site, journal, expositions).",
    },
    {
        "code": "sorties-car",
        "libelle": "Sorties et transport en car",
        "description": "Participation aux sorties hors de la structure, en car ou minibus.",
    },
    {
        "code": "soins-urgence",
        "libelle": "Soins et hospitalisation d'urgence",
        "description": "Le responsable prend toute mesure (traitement, hospitalisation, "
        "intervention) rendue nécessaire par l'état de l'enfant.",
    },
    {
        "code": "baignade",
        "libelle": "Baignade",
        "description": "Baignade surveillée (piscine, plan d'eau aménagé).",
    },
    {
        "code": "maquillage",
        "libelle": "Maquillage",
        "obligatoire": False,
        "description": "Maquillage lors des fêtes et activités (produits pour enfants).",
    },
    {
        "code": "rentrer-seul",
        "libelle": "Rentrer seul",
        "age_min": 11,
        "demande_precision": True,
        "description": "Le jeune peut quitter seul l'accueil jeunesse ; préciser l'heure.",
    },
)


def demo_catalogue_data(today: date) -> dict[str, Any]:
    years = school_years_for(today)
    first = years[0].start.year
    last = (
        max(r.end.year for y in years for r in y.holidays)
        if years[-1].holidays
        else (years[-1].end.year)
    )
    public = holidays.France(years=range(first, last + 1), language="fr")
    public_closures = [
        {"debut": d, "fin": d, "libelle": name} for d, name in sorted(public.items())
    ]
    return {
        "format": 1,
        "collectivite": {
            "nom": "Communauté de communes Sud Sarthe",
            "adresse": "Pôle intercommunal du Lude\nAllée de l'ancienne gare\n72800 Le Lude",
            "siret": "20007311200019",
            "email": "portailfamilles@comcomsudsarthe.fr",
            "telephone": "02 61 91 72 00",  # ARCEP range reserved for fiction
        },
        "regie": _regies(years),
        "etablissement": [_site(*s) for s in SITES],
        "activite": [*_periscolaire(years), *_alsh(years), _jeunesse(years), _multi_accueil(years)],
        "calendrier": {"fermetures": public_closures},
        "autorisation": [dict(c) for c in CONSENTS],
    }


def demo_catalogue_toml(today: date) -> str:
    """Catalogue TOML of the Communauté de communes Sud Sarthe around ``today``."""
    return render_catalogue(demo_catalogue_data(today))
