"""« Mes informations » and « Mes enfants »: reads, edits, French validation, change feed."""

from __future__ import annotations

from portal_testkit import PASSWORD, new_key

PERSON = {
    "last_name": "DUPONT",
    "first_name": "Jeanne",
    "relationship_label": "grand-mère",
    "address_line1": "1 place de l'Église",
    "postcode": "72800",
    "commune": "Le Lude",
    "phone1": "02 43 11 22 33",
    "phone2": "",
}


def changes(portal, after=0):
    r = portal.staff("GET", f"/staff/changes?after={after}")
    assert r.status_code == 200
    return r.json()["changes"]


def test_family_read_and_update_goes_to_feed(portal, active_parent):
    _login, token = active_parent
    family = portal.parent("GET", "/me/family", token).json()
    assert family["ref"] == "F00042" and family["commune"] == "Le Lude"
    start = changes(portal)[-1]["seq"]
    update = {
        "address_line1": "12 avenue de la Gare",
        "address_line2": "",
        "postcode": "72200",
        "commune": "La Flèche",
        "phone": "0243000000",
        "billing_email": "Factures.Martin@Example.fr",
        "guardians": [
            {"rank": 1, "mobile_phone": "0733112233", "email": "claire.martin@example.fr"}
        ],
    }
    r = portal.parent("PUT", "/me/family", token, json=update)
    assert r.status_code == 200, r.text
    assert r.json()["commune"] == "La Flèche"
    assert r.json()["guardians"][0]["mobile_phone"] == "0733112233"
    [change] = changes(portal, start)
    assert change["kind"] == "family.updated"
    assert change["family_ref"] == "F00042"
    assert change["data"] == {
        "before": {
            "address_line1": "3 rue des Tilleuls",
            "postcode": "72800",
            "commune": "Le Lude",
            "billing_email": "",
            "guardians.1.mobile_phone": "0611223344",
        },
        "after": {
            "address_line1": "12 avenue de la Gare",
            "postcode": "72200",
            "commune": "La Flèche",
            "billing_email": "factures.martin@example.fr",
            "guardians.1.mobile_phone": "0733112233",
        },
    }
    # The same form again changes nothing and adds nothing to the feed.
    assert portal.parent("PUT", "/me/family", token, json=update).status_code == 200
    assert len(changes(portal, start)) == 1


def test_family_update_validation(portal, active_parent):
    _login, token = active_parent
    r = portal.parent(
        "PUT",
        "/me/family",
        token,
        json={
            "address_line1": "",
            "postcode": "728",
            "commune": "Le Lude",
            "phone": "12",
            "billing_email": "pas-un-mail",
            "guardians": [{"rank": 2, "mobile_phone": "0611223344"}],
        },
    )
    assert r.status_code == 422
    messages = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert messages == {
        "address_line1": "Le champ « Adresse » est obligatoire.",
        "postcode": "Le champ « Code postal » doit compter 5 chiffres.",
        "phone": "Le champ « Téléphone » doit être un numéro de téléphone valide "
        "(10 chiffres, ou +33…).",
        "billing_email": "Le champ « E-mail de facturation » doit être une adresse e-mail valide.",
        "guardians.0.rank": "Responsable légal 2 inconnu.",
    }


def test_children_list_and_form(portal, active_parent):
    _login, token = active_parent
    r = portal.parent("GET", "/me/children", token)
    assert r.json() == [
        {"ref": "C101", "first_name": "Léa", "last_name": "MARTIN", "birth_date": "2018-04-02"}
    ]
    form = portal.parent("GET", "/me/children/C101", token).json()
    assert set(form) == {
        "ref",
        "information",
        "medical",
        "emergency_contacts",
        "authorised_pickups",
        "consents",
    }


def test_child_information_mandatory_fields(portal, active_parent):
    _login, token = active_parent
    start = changes(portal)[-1]["seq"]
    r = portal.parent(
        "PUT",
        "/me/children/C101/information",
        token,
        json={"last_name": "MARTIN", "first_name": "", "school": "École du Lude"},
    )
    assert r.status_code == 422
    assert [e["message"] for e in r.json()["errors"]] == [
        "Le champ « Prénom » est obligatoire.",
        "Le champ « Sexe » est obligatoire.",
        "Le champ « Date de naissance » est obligatoire.",
    ]
    assert r.json()["detail"].startswith("Le formulaire contient des erreurs")
    assert changes(portal, start) == []
    info = {
        "last_name": "MARTIN",
        "first_name": "Léa",
        "sex": "F",
        "birth_date": "2018-04-02",
        "school": "École Jules Ferry",
        "school_class": "CM1",
    }
    r = portal.parent("PUT", "/me/children/C101/information", token, json=info)
    assert r.status_code == 200
    assert r.json()["information"]["school"] == "École Jules Ferry"
    [change] = changes(portal, start)
    assert change["kind"] == "child.information.updated"
    assert change["child_ref"] == "C101"
    assert change["data"] == {
        "before": {"school": "École du Lude", "school_class": "CE2"},
        "after": {"school": "École Jules Ferry", "school_class": "CM1"},
    }
    r = portal.parent(
        "PUT", "/me/children/C101/information", token, json=info | {"birth_date": "2999-01-01"}
    )
    assert r.json()["errors"][0]["message"] == (
        "Le champ « Date de naissance » ne peut pas être dans le futur."
    )
    r = portal.parent("PUT", "/me/children/C101/information", token, json=info | {"sex": "X"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"] == "La valeur du champ « Sexe » n'est pas permise."


def test_medical_record(portal, active_parent):
    _login, token = active_parent
    medical = {
        "vaccinations": [
            {"vaccine": "diphterie", "done": True, "last_date": "2024-05-01"},
            {"vaccine": "tetanos", "done": False, "last_date": "2024-05-01"},
            {"vaccine": "fievre_jaune", "done": True},
        ],
        "diseases": [{"disease": "varicelle", "had": True}],
        "allergies": [{"allergy": "alimentaire", "present": True, "detail": ""}],
        "medical_history": "",
        "observations": "Porte des lunettes",
        "doctor_name": "Dr Morel",
        "doctor_phone": "0243999999",
    }
    r = portal.parent("PUT", "/me/children/C101/medical", token, json=medical)
    assert r.status_code == 422
    assert [e["message"] for e in r.json()["errors"]] == [
        "Vaccin « Tétanos » : cochez « Effectué » si une date est indiquée.",
        "Vaccin inconnu : fievre_jaune.",
        "Allergie « Alimentaire » : le champ « Précisez » est obligatoire.",
    ]
    medical["vaccinations"] = medical["vaccinations"][:1]
    medical["allergies"][0]["detail"] = "Arachide"
    r = portal.parent("PUT", "/me/children/C101/medical", token, json=medical)
    assert r.status_code == 200, r.text
    assert r.json()["medical"]["allergies"] == [
        {"allergy": "alimentaire", "present": True, "detail": "Arachide"}
    ]
    change = changes(portal)[-1]
    assert change["kind"] == "child.medical.updated"
    assert change["data"]["after"]["doctor_name"] == "Dr Morel"
    assert "medical_history" not in change["data"]["after"]  # unchanged fields left out


def test_emergency_contacts_and_pickups(portal, active_parent):
    _login, token = active_parent
    bad = PERSON | {"relationship_label": "", "phone1": "", "phone2": "123"}
    r = portal.parent(
        "PUT", "/me/children/C101/emergency-contacts", token, json={"persons": [PERSON, bad]}
    )
    assert r.status_code == 422
    assert [(e["field"], e["message"]) for e in r.json()["errors"]] == [
        (
            "emergency_contacts.1.relationship_label",
            "Personne 2 : le champ « Lien avec l'enfant » est obligatoire.",
        ),
        ("emergency_contacts.1.phone1", "Personne 2 : le champ « Téléphone 1 » est obligatoire."),
        (
            "emergency_contacts.1.phone2",
            "Personne 2 : le champ « Téléphone 2 » doit être un numéro de téléphone valide "
            "(10 chiffres, ou +33…).",
        ),
    ]
    r = portal.parent(
        "PUT", "/me/children/C101/emergency-contacts", token, json={"persons": [PERSON]}
    )
    assert r.status_code == 200
    [jeanne] = r.json()["emergency_contacts"]
    assert jeanne == PERSON | {"person_ref": jeanne["person_ref"]}
    assert jeanne["person_ref"].startswith("PP-")
    r = portal.parent(
        "PUT", "/me/children/C101/authorised-pickups", token, json={"persons": [PERSON]}
    )
    assert r.status_code == 200
    # The same person (same name in the family) keeps the same ref in the other list.
    assert r.json()["authorised_pickups"] == [jeanne]
    kinds = [c["kind"] for c in changes(portal)[-2:]]
    assert kinds == ["child.emergency_contacts.updated", "child.authorised_pickups.updated"]
    assert changes(portal)[-1]["data"] == {"before": [], "after": [jeanne]}
    # Removing everyone is allowed (completeness is checked at registration).
    r = portal.parent("PUT", "/me/children/C101/authorised-pickups", token, json={"persons": []})
    assert r.json()["authorised_pickups"] == []


def test_consents(portal, active_parent):
    _login, token = active_parent
    definitions = {
        "definitions": [
            {"code": "image", "label": "Droit à l'image", "position": 1},
            {
                "code": "rentrer_seul",
                "label": "Rentrer seul",
                "asks_detail": True,
                "mandatory": False,
                "position": 2,
            },
        ]
    }
    r = portal.staff("PUT", "/staff/consent-definitions", new_key(), json=definitions)
    assert r.status_code == 200, r.text
    form = portal.parent("GET", "/me/children/C101", token).json()
    assert [(q["code"], q["granted"]) for q in form["consents"]] == [
        ("image", None),
        ("rentrer_seul", None),
    ]
    r = portal.parent(
        "PUT",
        "/me/children/C101/consents",
        token,
        json={
            "consents": [{"code": "rentrer_seul", "granted": True}, {"code": "x", "granted": True}]
        },
    )
    assert r.status_code == 422
    assert [e["message"] for e in r.json()["errors"]] == [
        "Autorisation « Rentrer seul » : le champ « Précisez » est obligatoire.",
        "Autorisation inconnue : x.",
        "L'autorisation « Droit à l'image » est obligatoire : répondez oui ou non.",
    ]
    answers = [
        {"code": "image", "granted": False},
        {"code": "rentrer_seul", "granted": True, "detail": "à partir de 17 h"},
    ]
    r = portal.parent("PUT", "/me/children/C101/consents", token, json={"consents": answers})
    assert r.status_code == 200
    assert [(q["code"], q["granted"], q["detail"]) for q in r.json()["consents"]] == [
        ("image", False, ""),
        ("rentrer_seul", True, "à partir de 17 h"),
    ]
    assert changes(portal)[-1]["kind"] == "child.consents.updated"


def test_other_familys_child_is_not_found(portal, smtp_sink, make_family, active_parent):
    _login, token = active_parent
    from portal_testkit import family_body

    body = family_body("voisin@example.fr")
    body["children"][0]["ref"] = "C900"
    r = portal.staff("PUT", "/staff/families/F2", new_key(), json=body)
    assert r.status_code == 201
    for method, path, json in [
        ("GET", "/me/children/C900", None),
        ("PUT", "/me/children/C900/emergency-contacts", {"persons": []}),
    ]:
        r = portal.parent(method, path, token, json=json)
        assert r.status_code == 404
        assert r.json()["detail"] == "Enfant introuvable."
    # Login of the other family works with its own token only.
    other = smtp_sink.last_to("voisin@example.fr").token
    r = portal.post(
        "/auth/activate",
        json={"token": other, "password": PASSWORD, "password_confirmation": PASSWORD},
    )
    token2 = r.json()["access_token"]
    assert portal.parent("GET", "/me/children/C900", token2).status_code == 200
    assert portal.parent("GET", "/me/children/C101", token2).status_code == 404
