"""The Trésor public (PES V2) codes and the SEPA creditor, kept in the settings store.

Keys: ``pes.siret``, ``pes.code_collectivite``, ``pes.code_budget``,
``pes.poste_comptable``, ``pes.libelle`` (the collectivity), and per régie
``pes.regie.<CODE>.imputation`` (nature comptable, e.g. 7066) and
``pes.regie.<CODE>.produit`` (code produit local); ``sepa.creditor_id`` (ICS),
``sepa.creditor_name``, ``sepa.creditor_iban``, ``sepa.creditor_bic``.
Each value is checked here (French messages) before it is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy.orm import Session

from backoffice.models import Role
from backoffice.services.billing.common import BillingError
from backoffice.services.common.actors import Actor, PermissionDenied
from backoffice.services.common.permissions import Permission, record_refusal
from backoffice.services.common.settings_store import get_settings, put_setting

# The régisseur and the administrator hand titles to the Trésor and run direct debits.
COLLECTION_ROLES = frozenset({Role.ADMIN, Role.ACCOUNTANT})

PES_KEYS = ("pes.siret", "pes.code_collectivite", "pes.code_budget", "pes.poste_comptable")
PES_LABEL_KEY = "pes.libelle"
SEPA_KEYS = ("sepa.creditor_id", "sepa.creditor_name", "sepa.creditor_iban", "sepa.creditor_bic")


def require_collection_role(actor: Actor, what: str, where: object | None = None) -> None:
    """Régisseur or administrator; a refusal is recorded where ``where`` (the session or
    the database) says, as every refused attempt is."""
    if actor.role not in COLLECTION_ROLES:
        record_refusal(where, actor, Permission.BILLING, what)
        raise PermissionDenied(
            f"Votre rôle ne permet pas {what} : il faut être régisseur ou administrateur."
        )


def regie_keys(code: str) -> tuple[str, str]:
    return f"pes.regie.{code}.imputation", f"pes.regie.{code}.produit"


@dataclass(frozen=True, slots=True)
class PesCodes:
    siret: str  # IdColl
    code_collectivite: str  # CodCol
    code_budget: str  # CodBud
    poste_comptable: str  # IdPost
    label: str  # LibelleColBud


@dataclass(frozen=True, slots=True)
class Creditor:
    ics: str
    name: str
    iban: str
    bic: str


def french_iban_error(exc: Exception) -> str:
    name = type(exc).__name__
    return {
        "InvalidChecksumDigits": "IBAN invalide : la clé de contrôle ne correspond pas.",
        "InvalidLength": "IBAN invalide : la longueur ne correspond pas au pays.",
        "InvalidCountryCode": "IBAN invalide : le code pays est inconnu.",
        "InvalidStructure": "IBAN invalide : la structure ne correspond pas au pays.",
        "InvalidBBANChecksum": "IBAN invalide : la clé RIB ne correspond pas.",
        "InvalidBankCode": "IBAN invalide : le code banque est inconnu.",
    }.get(name, "IBAN invalide.")


def clean_iban(text: str) -> str:
    try:
        return IBAN(text or "").compact
    except SchwiftyException as exc:
        raise BillingError(french_iban_error(exc)) from None


def clean_bic(text: str) -> str:
    try:
        return BIC(text or "").compact
    except SchwiftyException:
        raise BillingError(
            f"BIC invalide : « {text} » (8 ou 11 caractères, ex. BNPAFRPPXXX)."
        ) from None


_ICS = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$")


def _check(key: str, value: str) -> str:
    value = value.strip()
    if key == "pes.siret":
        if not re.fullmatch(r"\d{14}", value):
            raise BillingError("Le SIRET de la collectivité compte 14 chiffres.")
    elif key == "pes.code_collectivite":
        if not re.fullmatch(r"[0-9A-Z]{1,3}", value.upper()):
            raise BillingError("Le code collectivité compte 1 à 3 caractères (chiffres, lettres).")
        value = value.upper()
    elif key == "pes.code_budget":
        if not re.fullmatch(r"[0-9A-Z]{1,10}", value.upper()):
            raise BillingError("Le code budget compte 1 à 10 caractères (chiffres, lettres).")
        value = value.upper()
    elif key == "pes.poste_comptable":
        if not re.fullmatch(r"\d{6,7}", value):
            raise BillingError("Le code du poste comptable compte 6 ou 7 chiffres.")
    elif key.endswith(".imputation"):
        if not re.fullmatch(r"\d{2,10}", value):
            raise BillingError("L'imputation (nature comptable) s'écrit en chiffres, ex. 7066.")
    elif key.endswith(".produit"):
        if len(value) > 4:
            raise BillingError("Le code produit local compte 4 caractères au plus.")
    elif key == "sepa.creditor_id":
        value = value.replace(" ", "").upper()
        if not _ICS.fullmatch(value):
            raise BillingError("Identifiant créancier SEPA (ICS) invalide : ex. FR12ZZZ123456.")
    elif key == "sepa.creditor_iban":
        value = clean_iban(value)
    elif key == "sepa.creditor_bic":
        value = clean_bic(value)
    elif key in ("sepa.creditor_name", PES_LABEL_KEY):
        if not value or len(value) > 70:
            raise BillingError("Le nom compte 1 à 70 caractères.")
    return value


def save_collection_settings(session: Session, actor: Actor, values: dict[str, str]) -> None:
    """Check and store ``pes.*`` / ``sepa.*`` values (empty values are left out)."""
    require_collection_role(
        actor, "de modifier les codes du Trésor public et du prélèvement", session
    )
    cleaned = {}
    for key, raw in values.items():
        if not (key.startswith("pes.") or key.startswith("sepa.")):
            raise BillingError(f"Paramètre inconnu : {key}.")
        if (raw or "").strip():
            cleaned[key] = _check(key, raw)
    for key, value in cleaned.items():
        put_setting(session, key, value)
    session.flush()


def read_collection_settings(session: Session, keys: list[str]) -> dict[str, str]:
    return get_settings(session, keys)


def pes_codes(session: Session) -> PesCodes:
    values = get_settings(session, [*PES_KEYS, PES_LABEL_KEY])
    missing = [k for k in PES_KEYS if not values.get(k)]
    if missing:
        raise BillingError(
            "Renseignez d'abord les codes du Trésor public dans Paramètres › Trésor public "
            f"(PES V2) : {', '.join(missing)}."
        )
    return PesCodes(
        values["pes.siret"],
        values["pes.code_collectivite"],
        values["pes.code_budget"],
        values["pes.poste_comptable"],
        values.get(PES_LABEL_KEY, ""),
    )


def regie_imputation(session: Session, code: str) -> tuple[str, str]:
    imputation_key, produit_key = regie_keys(code)
    values = get_settings(session, [imputation_key, produit_key])
    if not values.get(imputation_key):
        raise BillingError(
            f"Renseignez l'imputation de la régie {code} dans Paramètres › Trésor public (PES V2)."
        )
    return values[imputation_key], values.get(produit_key, "")


def creditor(session: Session) -> Creditor:
    values = get_settings(session, list(SEPA_KEYS))
    missing = [k for k in SEPA_KEYS if not values.get(k)]
    if missing:
        raise BillingError(
            "Renseignez d'abord le créancier SEPA dans Paramètres › Trésor public (PES V2) : "
            f"{', '.join(missing)}."
        )
    return Creditor(*(values[k] for k in SEPA_KEYS))
