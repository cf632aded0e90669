"""French labels of the fields, used in validation messages (« Le champ « Nom » … »)."""

from __future__ import annotations

from fieldrules.completeness import INFORMATION_LABELS, PERSON_LABELS

FIELD_LABELS: dict[str, str] = {
    # family
    "name": "Nom de la famille",
    "document": "Nom du document",
    "address_line1": "Adresse",
    "address_line2": "Complément d'adresse",
    "postcode": "Code postal",
    "commune": "Commune",
    "phone": "Téléphone",
    "billing_email": "E-mail de facturation",
    "login_email": "Identifiant (adresse e-mail)",
    "new_email": "Nouvelle adresse e-mail",
    "guardians": "Responsables légaux",
    "rank": "Rang",
    "civility": "Civilité",
    "mobile_phone": "Téléphone portable",
    "home_phone": "Téléphone domicile",
    "work_phone": "Téléphone travail",
    "email": "Adresse e-mail",
    "is_payer": "Responsable payeur",
    # child information (the mandatory fields' words: those of the completeness rule)
    **INFORMATION_LABELS,
    **PERSON_LABELS,
    "children": "Enfants",
    "ref": "Référence",
    "school": "École",
    "school_class": "Classe",
    # medical
    "vaccinations": "Vaccinations",
    "vaccine": "Vaccin",
    "done": "Effectué",
    "last_date": "Dernière vaccination",
    "diseases": "Maladies",
    "disease": "Maladie",
    "had": "Maladie déjà eue",
    "allergies": "Allergies",
    "allergy": "Allergie",
    "present": "Oui / Non",
    "detail": "Précisez",
    "medical_history": "Antécédents médicaux",
    "observations": "Observations",
    "doctor": "Médecin traitant",
    "doctor_name": "Nom du médecin traitant",
    "doctor_phone": "Téléphone du médecin traitant",
    "doctor_commune": "Commune du médecin traitant",
    # persons
    "phone2": "Téléphone 2",
    "persons": "Personnes",
    # consents
    "consents": "Autorisations",
    "code": "Code",
    "granted": "Réponse",
    # auth
    "login": "Identifiant",
    "password": "Mot de passe",
    "password_confirmation": "Confirmation du mot de passe",
    "current_password": "Mot de passe actuel",
    "new_password": "Nouveau mot de passe",
    "new_password_confirmation": "Confirmation du nouveau mot de passe",
    "token": "Jeton du lien",
    "after": "Après le numéro",
    "limit": "Nombre maximum",
    "idempotency-key": "Clé d'idempotence",
    "Idempotency-Key": "Clé d'idempotence",
    "idempotency_key": "Clé d'idempotence",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)
