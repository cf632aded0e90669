# Long module: the parents' booking rules (§6 of the guide) tested one by one around one catalogue.
"""Guide §6 through HTTP: catalogue and rules pushed by the back-office, registrations,
weekly planning, bulk booking into a draft, validation by the rules, cancellations,
the back-office's decisions, and the change feed.

The portal's clock is set by each test (``set_now``): deadlines are tested on both
sides without sleeping and without the wall clock.
"""

from __future__ import annotations

import pytest
from portal_testkit import (
    book,
    booking_family,
    catalogue_body,
    cell,
    changes,
    complete_child,
    draft,
    new_key,
    planning,
    push_catalogue,
    register,
    set_now,
    validate,
)


@pytest.fixture
def alsh(portal, smtp_sink):
    """Catalogue pushed, clock on Friday 27/11/2026 09:00, a family with Léa (8) and Tom (4)."""
    push_catalogue(portal)
    set_now(portal, "2026-11-27 09:00")
    token = booking_family(
        portal,
        smtp_sink,
        [complete_child("C201", "Léa"), complete_child("C202", "Tom", "2022-03-10")],
    )
    return token


def test_catalogue_push_is_validated_then_replaces_the_previous_one(portal, alsh):
    bad = catalogue_body()
    activity = bad["activities"][0]
    activity["periods"][0]["end"] = "2026-11-01"
    activity["capacities"].append(
        {"unit": "SOIR", "start": "2026-12-01", "end": "2026-12-02", "places": 3}
    )
    bad["closures"].append(
        {"activity": "PISCINE", "start": "2026-12-01", "end": "2026-12-01", "label": "Vidange"}
    )
    r = portal.staff("PUT", "/staff/catalogue", new_key(), json=bad)
    assert r.status_code == 422
    messages = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert messages == {
        "activities.0.periods.0.end": "Activité « ALSH-LUDE » : la période « DEC-2026 » finit "
        "avant de commencer.",
        "activities.0.capacities.1.unit": "Activité « ALSH-LUDE » : capacité d'une unité "
        "inconnue « SOIR ».",
        "closures.2.activity": "Fermeture d'une activité inconnue « PISCINE ».",
    }
    overlap = catalogue_body()
    overlap["activities"][0]["capacities"].append(
        {"unit": "JOURNEE", "start": "2026-12-15", "end": "2027-01-15", "places": 5}
    )
    r = portal.staff("PUT", "/staff/catalogue", new_key(), json=overlap)
    assert r.status_code == 422
    assert "deux capacités de l'unité « JOURNEE » se chevauchent" in r.json()["detail"]
    r = portal.staff(
        "PUT",
        "/staff/catalogue",
        new_key(),
        json={"activities": [{"code": "X", "name": "X", "rules": {"when_full": "rien"}}]},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "activities.0.rules.when_full"

    # What parents see: activities with a period open for booking today.
    r = portal.parent("GET", "/me/activities", alsh)
    assert [(a["code"], [p["code"] for p in a["periods"]]) for a in r.json()] == [
        ("ALSH-LUDE", ["DEC-2026"]),
        ("MERCREDI", ["T1-2027"]),
    ]
    assert r.json()[0]["rules"]["booking_notice"] == (
        "J-2 à 12:00 (hors week-ends et jours fériés)"
    )

    # Replace-all: a push without MERCREDI removes it; same key → same answer, once.
    only_alsh = catalogue_body()
    del only_alsh["activities"][1]
    key = new_key()
    first = portal.staff("PUT", "/staff/catalogue", key, json=only_alsh)
    again = portal.staff("PUT", "/staff/catalogue", key, json=only_alsh)
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert first.json() == {
        "version": 2,
        "activities": 1,
        "periods": 1,
        "units": 2,
        "capacities": 1,
        "closures": 2,
    }
    assert [a["code"] for a in portal.parent("GET", "/me/activities", alsh).json()] == ["ALSH-LUDE"]
    held = portal.staff("GET", "/staff/catalogue").json()
    assert held["version"] == 2 and held["catalogue"]["activities"][0]["code"] == "ALSH-LUDE"


def test_registration_refused_while_the_file_is_incomplete_then_accepted(portal, smtp_sink):
    push_catalogue(portal)
    set_now(portal, "2026-11-27 09:00")
    portal.staff(
        "PUT",
        "/staff/consent-definitions",
        new_key(),
        json={"definitions": [{"code": "image", "label": "Droit à l'image"}]},
    )
    incomplete = complete_child("C301", "Jade")
    for block in ("medical", "emergency_contacts", "authorised_pickups", "consents"):
        del incomplete[block]
    incomplete["information"]["sex"] = ""
    token = booking_family(portal, smtp_sink, [incomplete], ref="F00301")
    body = {"child_ref": "C301", "activity": "ALSH-LUDE", "period": "DEC-2026"}
    r = portal.parent("POST", "/me/registrations", token, json=body)
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "Inscription impossible : le dossier de Jade MARTIN est incomplet. Informations "
        "obligatoires manquantes : Sexe ; Fiche sanitaire ; Personne à "
        "contacter en cas d'urgence ; Personne autorisée à venir chercher l'enfant ; "
        "Autorisation : Droit à l'image. Complétez la fiche « Enfant » (rubrique « Mes "
        "enfants ») puis recommencez."
    )
    assert changes(portal)[-1]["kind"] == "account.activated"  # nothing recorded

    base = "/me/children/C301"
    child = complete_child("C301", "Jade")
    for path, json in [
        ("information", child["information"]),
        ("medical", child["medical"]),
        ("emergency-contacts", {"persons": child["emergency_contacts"]}),
        ("authorised-pickups", {"persons": child["authorised_pickups"]}),
        ("consents", {"consents": [{"code": "image", "granted": False}]}),
    ]:
        assert portal.parent("PUT", f"{base}/{path}", token, json=json).status_code == 200
    r = portal.parent("POST", "/me/registrations", token, json=body)
    assert r.status_code == 201, r.text
    reg = r.json()
    assert reg["ref"].startswith("INS-") and reg["state"] == "accepted"
    assert reg["age_group"] == "ELEM" and reg["period_label"] == "Décembre 2026"
    # Registering again gives the same registration.
    again = portal.parent("POST", "/me/registrations", token, json=body)
    assert again.status_code == 200 and again.json()["ref"] == reg["ref"]
    last = changes(portal)[-1]
    assert (last["kind"], last["child_ref"], last["family_ref"]) == (
        "registration.submitted",
        "C301",
        "F00301",
    )
    assert last["data"] == {
        "request_ref": f"REG-{reg['ref']}-1",
        "registration": reg["ref"],
        "activity": "ALSH-LUDE",
        "period": "DEC-2026",
        "age_group": "ELEM",
        "decision": "accepted",
        "reason": "Inscription acceptée : vous pouvez réserver les jours dans le planning.",
    }
    assert [r["ref"] for r in portal.parent("GET", "/me/registrations", token).json()] == [
        reg["ref"]
    ]


def test_registration_waits_for_the_activitys_consents_not_for_those_of_older_children(
    portal, smtp_sink
):
    """The catalogue names the autorisations an activity asks (answered beforehand even
    when optional elsewhere); one asked from 11 years old does not hold up an 8-year-old."""
    catalogue = catalogue_body()
    catalogue["activities"][0]["consents"] = ["baignade"]
    push_catalogue(portal, catalogue)
    set_now(portal, "2026-11-27 09:00")
    definitions = [
        {"code": "baignade", "label": "Baignade", "mandatory": False},
        {"code": "seul", "label": "Rentrer seul", "min_age_years": 11},
    ]
    r = portal.staff(
        "PUT", "/staff/consent-definitions", new_key(), json={"definitions": definitions}
    )
    assert r.status_code == 200, r.text
    token = booking_family(portal, smtp_sink, [complete_child("C302", "Lou")], ref="F00302")
    body = {"child_ref": "C302", "activity": "ALSH-LUDE", "period": "DEC-2026"}
    r = portal.parent("POST", "/me/registrations", token, json=body)
    assert r.status_code == 422
    assert [e["message"] for e in r.json()["errors"]] == ["Autorisation : Baignade"]
    answers = {"consents": [{"code": "baignade", "granted": True}]}
    r = portal.parent("PUT", "/me/children/C302/consents", token, json=answers)
    assert r.status_code == 200, r.text
    r = portal.parent("POST", "/me/registrations", token, json=body)
    assert r.status_code == 201, r.text


def test_registration_validated_by_the_back_office(portal, smtp_sink):
    push_catalogue(portal, catalogue_body(registration_auto_accept=False))
    set_now(portal, "2026-11-27 09:00")
    token = booking_family(portal, smtp_sink, [complete_child("C401", "Léo")], ref="F00401")
    reg = register(portal, token, "C401")
    [listed] = portal.parent("GET", "/me/registrations", token).json()
    assert listed["state"] == "requested" and listed["state_label"] == "En attente de validation"
    r = portal.parent(
        "POST",
        f"/me/registrations/{reg}/draft",
        token,
        json={"changes": [{"action": "book", "unit": "JOURNEE", "dates": ["2026-12-03"]}]},
    )
    assert r.status_code == 409
    assert "quand le service l'aura acceptée" in r.json()["detail"]
    p = planning(portal, token, reg, "2026-W49")
    assert cell(p, "2026-12-03")["reason"] == "Inscription en attente de validation."

    decision = {
        "child_ref": "C401",
        "activity": "ALSH-LUDE",
        "period": "DEC-2026",
        "state": "accepted",
        "answer": "Bienvenue au centre de loisirs !",
    }
    r = portal.staff("PUT", f"/staff/registrations/{reg}", new_key(), json=decision)
    assert r.status_code == 200, r.text
    assert r.json()["created"] is False
    [listed] = portal.parent("GET", "/me/registrations", token).json()
    assert (listed["state"], listed["answer"]) == ("accepted", "Bienvenue au centre de loisirs !")
    assert cell(planning(portal, token, reg, "2026-W49"), "2026-12-03")["actions"] == ["book"]
    # A registration made at the desk, under the back-office's reference.
    desk = decision | {"period": "T1-2027", "activity": "MERCREDI", "answer": ""}
    r = portal.staff("PUT", "/staff/registrations/BO-INS-77", new_key(), json=desk)
    assert r.status_code == 201 and r.json()["registration"]["ref"] == "BO-INS-77"
    # The same ref for another child's registration is a conflict.
    r = portal.staff(
        "PUT",
        "/staff/registrations/BO-INS-77",
        new_key(),
        json=desk | {"period": "DEC-2026", "activity": "ALSH-LUDE"},
    )
    assert r.status_code == 409


def test_planning_shows_open_and_closed_days(portal, alsh):
    reg = register(portal, alsh, "C201")
    p = planning(portal, alsh, reg, "2026-W52")
    assert p["week"]["label"] == "Semaine 52 : du 21/12/2026 au 27/12/2026"
    assert [w["week"] for w in p["weeks"]] == [
        "2026-W49",
        "2026-W50",
        "2026-W51",
        "2026-W52",
        "2026-W53",
    ]
    assert (p["previous_week"], p["next_week"]) == ("2026-W51", "2026-W53")
    assert [d["label"] for d in p["days"]][:2] == ["lundi 21/12/2026", "mardi 22/12/2026"]
    assert cell(p, "2026-12-21")["state"] == "open"
    assert cell(p, "2026-12-21")["actions"] == ["book"]
    assert cell(p, "2026-12-21")["outcome"] == "accepted"
    christmas = cell(p, "2026-12-25")
    assert (christmas["state"], christmas["reason"], christmas["actions"]) == (
        "closed",
        "Fermé : jour férié (Noël).",
        [],
    )
    assert cell(p, "2026-12-26")["reason"] == "Pas d'accueil le samedi (Journée)."
    assert (
        cell(p, "2026-12-23", "MATIN")["reason"] == "Pas d'accueil le mercredi (Accueil du matin)."
    )
    assert cell(p, "2026-12-23")["state"] == "open"
    last = planning(portal, alsh, reg, "2026-W53")
    assert cell(last, "2026-12-31")["reason"] == "Fermé : Fermeture de fin d'année."
    assert cell(last, "2027-01-01")["reason"] == "Hors de la période « Décembre 2026 »."
    first = planning(portal, alsh, reg, "2026-W50")
    assert cell(first, "2026-12-09")["reason"] == "Fermé : Formation de l'équipe."
    # Default week: the one of today or the period's first; a week outside is refused.
    r = portal.parent("GET", f"/me/registrations/{reg}/planning", alsh)
    assert r.json()["week"]["week"] == "2026-W49"
    r = portal.parent("GET", f"/me/registrations/{reg}/planning?week=2027-W10", alsh)
    assert r.status_code == 422 and "n'est pas dans la période" in r.json()["detail"]
    # Another family's registration is not found.
    r = portal.parent("GET", "/me/registrations/INS-999999/planning", alsh)
    assert r.status_code == 404


def test_bulk_booking_by_weekdays_over_the_period(portal, alsh):
    reg = register(portal, alsh, "C201")
    d = draft(
        portal,
        alsh,
        reg,
        {"action": "book", "unit": "JOURNEE", "scope": "period", "weekdays": [1, 3, 5]},
    )
    days = [line["date"] for line in d["lines"]]
    # Mondays, Wednesdays and Fridays of December but the closures and Christmas.
    assert days == [
        "2026-11-30",
        "2026-12-02",
        "2026-12-04",
        "2026-12-07",
        "2026-12-11",
        "2026-12-14",
        "2026-12-16",
        "2026-12-18",
        "2026-12-21",
        "2026-12-23",
        "2026-12-28",
        "2026-12-30",
    ]
    assert {(s["date"], s["reason"]) for s in d["skipped"]} == {
        ("2026-12-09", "Fermé : Formation de l'équipe."),
        ("2026-12-25", "Fermé : jour férié (Noël)."),
    }
    # 30/11 is past its deadline (Thursday 26/11 12:00): it will become a request.
    assert d["lines"][0]["outcome"] == "requested"
    assert {line["outcome"] for line in d["lines"][1:]} == {"accepted"}
    # Untick the week shown (week 51), and the Wednesdays of week 52 only.
    d = draft(
        portal,
        alsh,
        reg,
        {"action": "unbook", "unit": "JOURNEE", "scope": "week", "week": "2026-W51"},
        {
            "action": "unbook",
            "unit": "JOURNEE",
            "scope": "week",
            "week": "2026-W52",
            "weekdays": [3],
        },
    )
    assert [line["date"] for line in d["lines"]] == [
        "2026-11-30",
        "2026-12-02",
        "2026-12-04",
        "2026-12-07",
        "2026-12-11",
        "2026-12-21",
        "2026-12-28",
        "2026-12-30",
    ]
    # Review, then validate: the summary with the booking number, period and state.
    assert (
        portal.parent("GET", f"/me/registrations/{reg}/draft", alsh).json()["lines"] == d["lines"]
    )
    summary = validate(portal, alsh, reg)
    assert summary["number"].startswith("RES-")
    assert summary["registration"]["child_name"] == "Léa MARTIN"
    assert (summary["period_start"], summary["period_end"]) == ("2026-11-30", "2026-12-31")
    assert (summary["state"], summary["state_label"]) == ("pending", "En attente de validation")
    assert summary["message"] == (
        f"Réservation n° {summary['number']} enregistrée : 7 jour(s) accepté(s), "
        "1 demande(s) soumise(s) à validation."
    )
    p = planning(portal, alsh, reg, "2026-W49")
    assert cell(p, "2026-11-30")["state"] == "requested"
    assert cell(p, "2026-12-02")["state"] == "booked"
    assert cell(p, "2026-12-02")["actions"] == ["unbook"]
    assert cell(p, "2026-12-03")["state"] == "open"
    assert p["draft_count"] == 0
    [listed] = portal.parent("GET", "/me/bookings", alsh).json()
    assert (listed["number"], listed["days"], listed["state"]) == (summary["number"], 8, "pending")
    detail = portal.parent("GET", f"/me/bookings/{summary['number']}", alsh).json()
    assert detail["lines"] == summary["lines"]
    # The morning unit, chosen weekdays over one week.
    d = draft(
        portal,
        alsh,
        reg,
        {
            "action": "book",
            "unit": "MATIN",
            "scope": "week",
            "week": "2026-W50",
            "weekdays": [2, 3, 4],
        },
    )
    assert [(line["date"], line["unit"]) for line in d["lines"]] == [
        ("2026-12-08", "MATIN"),
        ("2026-12-10", "MATIN"),
    ]
    # Ticking an already ticked day, or unticking it, is a toggle.
    d = draft(portal, alsh, reg, {"action": "unbook", "unit": "MATIN", "dates": ["2026-12-08"]})
    assert [line["date"] for line in d["lines"]] == ["2026-12-10"]
    assert portal.parent("DELETE", f"/me/registrations/{reg}/draft", alsh).status_code == 204
    r = portal.parent("POST", f"/me/registrations/{reg}/draft/validate", alsh)
    assert r.status_code == 409 and "brouillon est vide" in r.json()["detail"]


def test_booking_deadline_on_both_sides(portal, alsh):
    reg = register(portal, alsh, "C201")
    # Thursday 03/12: « J-2 à 12:00 » is Tuesday 01/12 at 12:00.
    set_now(portal, "2026-12-01 12:00")
    [line] = book(portal, alsh, reg, "2026-12-03")["lines"]
    assert (line["decision"], line["reason"]) == ("accepted", "Réservation acceptée.")
    set_now(portal, "2026-12-01 12:01")
    [line] = book(portal, alsh, reg, "2026-12-04")["lines"]  # Friday: Wednesday 12:00
    assert line["decision"] == "accepted"
    summary = book(portal, alsh, reg, "2026-12-03", unit="MATIN")
    [line] = summary["lines"]
    assert (line["decision"], line["reason_code"], line["reason"]) == (
        "requested",
        "late",
        "Demande soumise à validation : réservation après la date limite "
        "(J-2 à 12:00, mardi 01/12/2026).",
    )
    assert summary["state"] == "pending"
    # Weekends are not counted: for Monday 07/12 the limit is Thursday 03/12 at 12:00.
    set_now(portal, "2026-12-04 08:00")
    [line] = book(portal, alsh, reg, "2026-12-07")["lines"]
    assert line["reason"].endswith("(J-2 à 12:00, jeudi 03/12/2026).")
    # Nor public holidays: for Tuesday 29/12, Christmas (Friday) is skipped → Thursday 24/12.
    set_now(portal, "2026-12-24 11:00")
    [line] = book(portal, alsh, reg, "2026-12-29")["lines"]
    assert line["decision"] == "accepted"
    set_now(portal, "2026-12-24 13:00")
    [line] = book(portal, alsh, reg, "2026-12-30")["lines"]  # Wednesday 30: limit Monday 28
    assert line["decision"] == "accepted"
    # Tuesday 29 again (morning unit), now late: without the holiday skip it would be on time.
    [line] = book(portal, alsh, reg, "2026-12-29", unit="MATIN")["lines"]
    assert line["reason"].endswith("(J-2 à 12:00, jeudi 24/12/2026).")
    [line] = book(portal, alsh, reg, "2026-12-28")["lines"]  # Monday 28: limit Wednesday 23
    assert line["reason"].endswith("(J-2 à 12:00, mercredi 23/12/2026).")
    # A past day cannot be booked at all.
    d = draft(portal, alsh, reg, {"action": "book", "unit": "JOURNEE", "dates": ["2026-12-22"]})
    assert d["lines"] == [] and d["skipped"][0]["reason"] == "Date passée."


def test_without_skipping_weekends_the_deadline_falls_on_saturday(portal, smtp_sink):
    push_catalogue(portal, catalogue_body(booking_notice={"days": 2, "time": "12:00"}))
    set_now(portal, "2026-12-04 08:00")
    token = booking_family(portal, smtp_sink, [complete_child("C501", "Zoé")], ref="F00501")
    reg = register(portal, token, "C501")
    [line] = book(portal, token, reg, "2026-12-07")["lines"]
    assert line["decision"] == "accepted"
    set_now(portal, "2026-12-05 12:30")
    [line] = book(portal, token, reg, "2026-12-08", unit="MATIN")["lines"]
    assert line["decision"] == "accepted"  # limit Sunday 06/12 12:00
    [line] = book(portal, token, reg, "2026-12-07", unit="MATIN")["lines"]
    assert line["reason"].endswith("(J-2 à 12:00, samedi 05/12/2026).")


def test_full_unit_goes_to_waiting_list_or_becomes_a_request(portal, alsh, smtp_sink):
    body = catalogue_body()
    body["activities"][0]["capacities"] += [
        {"unit": "MATIN", "start": "2026-12-01", "end": "2026-12-31", "places": 1},
        {
            "unit": "JOURNEE",
            "start": "2026-12-01",
            "end": "2026-12-31",
            "age_group": "ELEM",
            "places": 1,
        },
    ]
    push_catalogue(portal, body)
    lea, tom = register(portal, alsh, "C201"), register(portal, alsh, "C202")
    other = booking_family(portal, smtp_sink, [complete_child("C601", "Noé")], ref="F00601")
    noe = register(portal, other, "C601")
    assert book(portal, alsh, lea, "2026-12-10", unit="MATIN")["lines"][0]["decision"] == (
        "accepted"
    )
    [line] = book(portal, other, noe, "2026-12-10", unit="MATIN")["lines"]
    assert (line["decision"], line["reason"]) == (
        "waiting_list",
        "Liste d'attente : plus de place le jeudi 10/12/2026 (Accueil du matin, 1 place). "
        "Le service vous répondra si une place se libère.",
    )
    p = planning(portal, alsh, tom, "2026-W50")
    assert cell(p, "2026-12-10", "MATIN")["state"] == "full"
    assert cell(p, "2026-12-10", "MATIN")["outcome"] == "waiting_list"
    # Age groups: the 6-11 place of the day is taken by Léa; Tom (4) still gets in.
    book(portal, alsh, lea, "2026-12-11")
    assert book(portal, other, noe, "2026-12-11")["lines"][0]["decision"] == "waiting_list"
    assert book(portal, alsh, tom, "2026-12-11")["lines"][0]["decision"] == "accepted"

    # When the rule says « request », a full unit gives a request to validate.
    push_catalogue(
        portal,
        catalogue_body(when_full="request")
        | {
            "activities": [
                body["activities"][0]
                | {"rules": body["activities"][0]["rules"] | {"when_full": "request"}},
                body["activities"][1],
            ]
        },
    )
    [line] = book(portal, alsh, tom, "2026-12-10", unit="MATIN")["lines"]
    assert (line["decision"], line["reason_code"], line["reason"]) == (
        "requested",
        "full",
        "Demande soumise à validation : plus de place le jeudi 10/12/2026 "
        "(Accueil du matin, 1 place).",
    )
    # Without auto-acceptance, every day in time becomes a request.
    push_catalogue(portal, catalogue_body(auto_accept=False))
    [line] = book(portal, alsh, tom, "2026-12-14")["lines"]
    assert line["reason"] == (
        "Demande soumise à validation : les réservations de cette activité sont validées "
        "par le service."
    )


def test_cancellation_before_and_after_its_deadline(portal, alsh):
    reg = register(portal, alsh, "C201")
    book(portal, alsh, reg, "2026-12-10", "2026-12-11", "2026-12-14")
    # « J-1 à 10:00 » for Thursday 10/12 is Wednesday 09/12 at 10:00.
    set_now(portal, "2026-12-09 09:59")
    d = draft(
        portal,
        alsh,
        reg,
        {"action": "unbook", "unit": "JOURNEE", "dates": ["2026-12-10", "2026-12-03"]},
    )
    assert [(line["date"], line["action"], line["outcome"]) for line in d["lines"]] == [
        ("2026-12-10", "cancel", "cancelled")
    ]
    assert d["skipped"] == [
        {"date": "2026-12-03", "unit": "JOURNEE", "reason": "Aucune réservation ce jour."}
    ]
    [line] = validate(portal, alsh, reg)["lines"]
    assert (line["decision"], line["reason"]) == ("cancelled", "Annulation acceptée.")
    p = planning(portal, alsh, reg, "2026-W50")
    assert cell(p, "2026-12-10")["state"] == "open"
    # Late: Friday 11/12 (limit Thursday 10/12 10:00) becomes a request that may be billed.
    set_now(portal, "2026-12-10 10:01")
    draft(portal, alsh, reg, {"action": "unbook", "unit": "JOURNEE", "dates": ["2026-12-11"]})
    summary = validate(portal, alsh, reg)
    [line] = summary["lines"]
    assert (line["decision"], line["reason"]) == (
        "cancel_requested",
        "Demande d'annulation soumise à validation : annulation après la date limite "
        "(J-1 à 10:00, jeudi 10/12/2026). Cette journée pourra être facturée, sauf "
        "justificatif (certificat médical).",
    )
    assert summary["state"] == "pending"
    c = cell(planning(portal, alsh, reg, "2026-W50"), "2026-12-11")
    assert (c["state"], c["actions"]) == ("cancel_requested", [])
    # Monday 14/12: the limit is Friday 11/12 10:00 (weekend skipped): still in time.
    d = draft(portal, alsh, reg, {"action": "unbook", "unit": "JOURNEE", "dates": ["2026-12-14"]})
    [line] = d["lines"]
    assert line["outcome"] == "cancelled"


def test_staff_decisions_show_in_the_planning(portal, alsh, smtp_sink):
    body = catalogue_body()
    body["activities"][0]["capacities"][0]["places"] = 1
    push_catalogue(portal, body)
    lea, tom = register(portal, alsh, "C201"), register(portal, alsh, "C202")
    book(portal, alsh, lea, "2026-12-10")
    waiting = book(portal, alsh, tom, "2026-12-10", "2026-12-11")
    [wait, accepted] = waiting["lines"]
    assert (wait["decision"], accepted["decision"]) == ("waiting_list", "accepted")
    # Léa's parents cancel in time: the place is free again; the agent gives it to Tom.
    draft(portal, alsh, lea, {"action": "unbook", "unit": "JOURNEE", "dates": ["2026-12-10"]})
    validate(portal, alsh, lea)
    decisions = {
        "decisions": [
            {
                "booking_id": wait["booking_id"],
                "state": "accepted",
                "answer": "Une place s'est libérée : Tom est attendu jeudi.",
            },
        ]
    }
    key = new_key()
    r = portal.staff("PUT", "/staff/bookings/decisions", key, json=decisions)
    assert r.status_code == 200, r.text
    assert r.json()["changed"] == 1
    assert r.json()["bookings"][0] | {"booking_id": 0} == {
        "booking_id": 0,
        "registration": tom,
        "child_ref": "C202",
        "activity": "ALSH-LUDE",
        "period": "DEC-2026",
        "unit": "JOURNEE",
        "date": "2026-12-10",
        "state": "accepted",
        "reason": "Décision du service : réservation acceptée.",
        "answer": "Une place s'est libérée : Tom est attendu jeudi.",
        "billed": None,
        "version": 1,  # the family's one change (the service's decisions do not count)
    }
    replay = portal.staff("PUT", "/staff/bookings/decisions", key, json=decisions)
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == r.json()
    again = portal.staff("PUT", "/staff/bookings/decisions", new_key(), json=decisions)
    assert again.json()["changed"] == 0
    c = cell(planning(portal, alsh, tom, "2026-W50"), "2026-12-10")
    assert (c["state"], c["answer"]) == (
        "booked",
        "Une place s'est libérée : Tom est attendu jeudi.",
    )
    detail = portal.parent("GET", f"/me/bookings/{waiting['number']}", alsh).json()
    assert detail["state"] == "accepted"
    assert detail["lines"][0]["state_label"] == "Réservation acceptée"
    # The unit is full again (Tom took the place): Léa goes to the waiting list, then refused.
    [line] = book(portal, alsh, lea, "2026-12-10")["lines"]
    assert line["decision"] == "waiting_list"
    r = portal.staff(
        "PUT",
        "/staff/bookings/decisions",
        new_key(),
        json={
            "decisions": [
                {
                    "booking_id": line["booking_id"],
                    "state": "refused",
                    "answer": "Toujours complet.",
                }
            ]
        },
    )
    assert r.status_code == 200
    c = cell(planning(portal, alsh, lea, "2026-W50"), "2026-12-10")
    assert (c["state"], c["answer"], c["actions"]) == ("refused", "Toujours complet.", ["book"])
    # Unknown days are refused whole, in French.
    r = portal.staff(
        "PUT",
        "/staff/bookings/decisions",
        new_key(),
        json={"decisions": [{"booking_id": 999999, "state": "accepted"}]},
    )
    assert r.status_code == 422
    assert r.json()["detail"] == "Réservation(s) inconnue(s) du portail : 999999."


def test_each_action_is_in_the_change_feed_in_order(portal, alsh):
    reg = register(portal, alsh, "C201")
    set_now(portal, "2026-12-01 13:00")
    summary = book(portal, alsh, reg, "2026-12-03", "2026-12-07")
    draft(portal, alsh, reg, {"action": "unbook", "unit": "JOURNEE", "dates": ["2026-12-07"]})
    cancel = validate(portal, alsh, reg)
    feed = changes(portal)
    assert [c["seq"] for c in feed] == list(range(1, len(feed) + 1))
    assert [c["kind"] for c in feed] == [
        "account.activated",
        "registration.submitted",
        "booking.submitted",
        "booking.submitted",
        "booking.submitted",
    ]
    late, monday, cancelled = (c["data"] for c in feed[2:])
    assert feed[2]["child_ref"] == "C201" and feed[2]["family_ref"] == "F00200"
    assert late == {
        "request_ref": f"{summary['number']}-1",
        "registration": reg,
        "submission": summary["number"],
        "booking_id": summary["lines"][0]["booking_id"],
        "booking_version": 1,
        "line_id": late["line_id"],
        "activity": "ALSH-LUDE",
        "period": "DEC-2026",
        "unit": "JOURNEE",
        "date": "2026-12-03",
        "age_group": "ELEM",
        "action": "book",
        "requested_state": "accepted",
        "previous_state": None,
        "decision": "requested",
        "reason_code": "late",
        "reason": "Demande soumise à validation : réservation après la date limite "
        "(J-2 à 12:00, mardi 01/12/2026).",
        "deadline": "2026-12-01T12:00:00+01:00",
    }
    assert (monday["decision"], monday["reason_code"]) == ("accepted", "accepted")
    assert monday["request_ref"] == f"{summary['number']}-2"
    assert cancelled | {"line_id": 0} == monday | {
        "line_id": 0,
        "request_ref": f"{cancel['number']}-1",
        "submission": cancel["number"],
        "action": "cancel",
        "requested_state": "cancelled",
        "previous_state": "accepted",
        "booking_version": 2,  # the family's second change to Monday
        "decision": "cancelled",
        "reason": "Annulation acceptée.",
        "deadline": "2026-12-04T10:00:00+01:00",
    }
