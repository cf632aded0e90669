"""A demo month for the PES and SEPA tests: 60 demo families, October 2026 invoiced."""

from __future__ import annotations

from datetime import date

from backoffice.demo.load import load_demo
from backoffice.models import Role
from backoffice.services.billing import issue_run
from backoffice.services.billing.collection_settings import save_collection_settings
from backoffice.services.common.actors import Actor
from backoffice.storage import Database

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
TODAY = date(2026, 11, 20)
REGISSEUR = Actor(None, "regisseur", Role.ACCOUNTANT, "Régisseuse des tests")
ACCUEIL = Actor(None, "accueil", Role.AGENT, "Agent d'accueil")
GOOD_IBAN = "FR76 3000 6000 0112 3456 7890 189"
GOOD_BIC = "AGRIFRPPXXX"
SETTINGS = {
    "pes.siret": "21450123400017",
    "pes.code_collectivite": "045",
    "pes.code_budget": "01",
    "pes.poste_comptable": "045012",
    "pes.libelle": "Communauté de communes des Trois Rivières",
    "pes.regie.PERI.imputation": "7067",
    "pes.regie.PERI.produit": "PERI",
    "pes.regie.MAC.imputation": "7066",
    "sepa.creditor_id": "FR12ZZZ123456",
    "sepa.creditor_name": "Régie ALSH — Communauté de communes",
    "sepa.creditor_iban": "FR1420041010050500013M02606",
    "sepa.creditor_bic": "PSSTFRPP",
}


def demo_month(db: Database, *regies: str) -> None:
    """60 demo families; the October run of each of ``regies`` issued; codes in settings."""
    load_demo(db, 60, 7, today=TODAY)
    with db.session() as s:
        for code in regies:
            issue_run(s, code, *OCTOBER, issue_date=date(2026, 11, 5))
        save_collection_settings(s, REGISSEUR, SETTINGS)
