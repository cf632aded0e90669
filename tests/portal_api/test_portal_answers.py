"""Answers to the parents' requests by e-mail (issue 4, item 6), read from the SMTP sink.

The service's decisions (``PUT /staff/registrations/{ref}``,
``PUT /staff/bookings/decisions``) are always told, one e-mail per family and per call,
after the commit, never twice; what the portal decides at once is e-mailed only when
the parent asks for it (``send_email``).
"""

from __future__ import annotations

import pytest
from portal_testkit import (
    book,
    booking_family,
    catalogue_body,
    complete_child,
    draft,
    free_port,
    new_key,
    push_catalogue,
    register,
    set_now,
    validate,
)

from portal.mail import Mailer

LOGIN = "f00200@example.fr"


def decide(portal, *decisions: dict, key: str | None = None):
    r = portal.staff(
        "PUT", "/staff/bookings/decisions", key or new_key(), json={"decisions": list(decisions)}
    )
    assert r.status_code == 200, r.text
    return r


def test_registration_answers_from_the_service(portal, smtp_sink):
    push_catalogue(portal, catalogue_body(registration_auto_accept=False))
    set_now(portal, "2026-11-20 09:00")
    token = booking_family(
        portal,
        smtp_sink,
        [complete_child("C201", "Léa"), complete_child("C202", "Tom", "2022-03-10")],
    )
    lea = register(portal, token, "C201")
    tom = register(portal, token, "C202")
    assert len(smtp_sink.to(LOGIN)) == 1  # the activation e-mail only: nothing decided yet

    body = {
        "child_ref": "C201",
        "activity": "ALSH-LUDE",
        "period": "DEC-2026",
        "state": "accepted",
        "answer": "Bienvenue à l'accueil de loisirs !",
    }
    key = new_key()
    r = portal.staff("PUT", f"/staff/registrations/{lea}", key, json=body)
    assert r.status_code == 200, r.text
    mail = smtp_sink.last_to(LOGIN)
    assert mail.subject == "Portail Famille : inscription de Léa MARTIN acceptée"
    assert (
        f"La demande d'inscription n° {lea} de Léa MARTIN à « Accueil de loisirs du Lude » "
        "pour la période « Décembre 2026 » a été acceptée par le service enfance." in mail.body
    )
    assert "Réponse du service : « Bienvenue à l'accueil de loisirs ! »" in mail.body
    assert "réserver les jours dans le planning" in mail.body
    # Replayed with its key, or pushed again unchanged with a new key: no second e-mail.
    replay = portal.staff("PUT", f"/staff/registrations/{lea}", key, json=body)
    assert replay.headers["Idempotent-Replayed"] == "true"
    again = portal.staff("PUT", f"/staff/registrations/{lea}", new_key(), json=body)
    assert again.status_code == 200
    assert len(smtp_sink.to(LOGIN)) == 2

    refused = body | {"child_ref": "C202", "state": "refused", "answer": "Tom est trop jeune."}
    r = portal.staff("PUT", f"/staff/registrations/{tom}", new_key(), json=refused)
    assert r.status_code == 200, r.text
    mail = smtp_sink.last_to(LOGIN)
    assert mail.subject == "Portail Famille : inscription de Tom MARTIN refusée"
    assert "a été refusée par le service enfance." in mail.body
    assert "« Tom est trop jeune. »" in mail.body
    assert "contactez le service enfance" in mail.body

    # A registration made at the desk is no answer to a parent's request: no e-mail.
    desk = body | {"child_ref": "C202", "period": "T1-2027", "activity": "MERCREDI"}
    r = portal.staff("PUT", "/staff/registrations/BO-INS-77", new_key(), json=desk)
    assert r.status_code == 201, r.text
    assert len(smtp_sink.to(LOGIN)) == 3


def test_registration_accepted_at_once_is_mailed_only_on_request(portal, smtp_sink):
    push_catalogue(portal)
    set_now(portal, "2026-11-20 09:00")
    token = booking_family(
        portal,
        smtp_sink,
        [complete_child("C201", "Léa"), complete_child("C202", "Tom", "2022-03-10")],
    )
    register(portal, token, "C201")
    assert len(smtp_sink.to(LOGIN)) == 1
    r = portal.parent(
        "POST",
        "/me/registrations",
        token,
        json={
            "child_ref": "C202",
            "activity": "ALSH-LUDE",
            "period": "DEC-2026",
            "send_email": True,
        },
    )
    assert r.status_code == 201, r.text
    mail = smtp_sink.last_to(LOGIN)
    assert mail.subject == "Portail Famille : inscription de Tom MARTIN acceptée"
    assert "a été acceptée d'office." in mail.body
    # Asking again (already registered): nothing new was decided, nothing is sent.
    r = portal.parent(
        "POST",
        "/me/registrations",
        token,
        json={
            "child_ref": "C202",
            "activity": "ALSH-LUDE",
            "period": "DEC-2026",
            "send_email": True,
        },
    )
    assert r.status_code == 200
    assert len(smtp_sink.to(LOGIN)) == 2


def test_validation_summary_is_mailed_only_on_request(portal, smtp_sink):
    push_catalogue(portal)
    set_now(portal, "2026-11-27 09:00")
    token = booking_family(portal, smtp_sink, [complete_child("C201", "Léa")])
    reg = register(portal, token, "C201")
    book(portal, token, reg, "2026-12-01")
    assert len(smtp_sink.to(LOGIN)) == 1  # no body: no e-mail
    # Monday 30/11 is late (limit Thursday 26/11 12:00), Thursday 03/12 is in time.
    draft(portal, token, reg, {"action": "book", "unit": "JOURNEE", "dates": ["2026-11-30"]})
    draft(portal, token, reg, {"action": "book", "unit": "JOURNEE", "dates": ["2026-12-03"]})
    r = portal.parent(
        "POST", f"/me/registrations/{reg}/draft/validate", token, json={"send_email": True}
    )
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    mail = smtp_sink.last_to(LOGIN)
    assert mail.subject == f"Portail Famille : récapitulatif de la réservation n° {number}"
    for text in (
        f"Votre réservation n° {number} est enregistrée.",
        "Enfant : Léa MARTIN",
        "Activité : Accueil de loisirs du Lude",
        "Période : Décembre 2026",
        "État : En attente de validation",
        "  - lundi 30/11/2026 (Journée) : demande soumise à validation par le service\n"
        "    Demande soumise à validation : réservation après la date limite "
        "(J-2 à 12:00, jeudi 26/11/2026).",
        "  - jeudi 03/12/2026 (Journée) : réservation acceptée\n    Réservation acceptée.",
        "recevront la réponse du service par courriel",
    ):
        assert text in mail.body, (text, mail.body)
    # ``send_email: false`` and unknown fields are what they look like.
    draft(portal, token, reg, {"action": "book", "unit": "JOURNEE", "dates": ["2026-12-04"]})
    r = portal.parent(
        "POST", f"/me/registrations/{reg}/draft/validate", token, json={"courriel": True}
    )
    assert r.status_code == 422
    r = portal.parent(
        "POST", f"/me/registrations/{reg}/draft/validate", token, json={"send_email": False}
    )
    assert r.status_code == 201
    assert len(smtp_sink.to(LOGIN)) == 2


@pytest.fixture
def requests_to_answer(portal, smtp_sink):
    """Two families with days waiting for the service: (family 1 lines by name, family 2's)."""
    body = catalogue_body()
    body["activities"][0]["capacities"][0]["places"] = 1
    push_catalogue(portal, body)
    set_now(portal, "2026-11-20 09:00")
    token = booking_family(
        portal,
        smtp_sink,
        [complete_child("C201", "Léa"), complete_child("C202", "Tom", "2022-03-10")],
    )
    lea, tom = register(portal, token, "C201"), register(portal, token, "C202")
    book(portal, token, lea, "2026-12-01")
    book(portal, token, tom, "2026-12-03")
    [tom_waiting] = book(portal, token, tom, "2026-12-01")["lines"]
    assert tom_waiting["decision"] == "waiting_list"
    # Monday 30/11 10:30: Léa's cancellation of Tuesday 01/12 is late (limit 30/11 10:00).
    set_now(portal, "2026-11-30 10:30")
    draft(portal, token, lea, {"action": "unbook", "unit": "JOURNEE", "dates": ["2026-12-01"]})
    [lea_cancel] = validate(portal, token, lea)["lines"]
    # Wednesday 02/12 13:00: Tom's cancellation of 03/12 and Léa's booking of 04/12 are late.
    set_now(portal, "2026-12-02 13:00")
    draft(portal, token, tom, {"action": "unbook", "unit": "JOURNEE", "dates": ["2026-12-03"]})
    [tom_cancel] = validate(portal, token, tom)["lines"]
    [lea_late] = book(portal, token, lea, "2026-12-04")["lines"]
    assert (lea_cancel["decision"], tom_cancel["decision"], lea_late["decision"]) == (
        "cancel_requested",
        "cancel_requested",
        "requested",
    )
    other = booking_family(portal, smtp_sink, [complete_child("C301", "Zoé")], ref="F00300")
    [zoe_late] = book(portal, other, register(portal, other, "C301"), "2026-12-04")["lines"]
    assert zoe_late["decision"] == "requested"
    return {
        "tom_waiting": tom_waiting["booking_id"],
        "lea_cancel": lea_cancel["booking_id"],
        "tom_cancel": tom_cancel["booking_id"],
        "lea_late": lea_late["booking_id"],
        "zoe": zoe_late["booking_id"],
    }


def test_one_mail_per_family_and_call_listing_the_days(portal, smtp_sink, requests_to_answer):
    ids = requests_to_answer
    before = len(smtp_sink.to(LOGIN)), len(smtp_sink.to("f00300@example.fr"))
    decisions = [
        {
            "booking_id": ids["tom_waiting"],
            "state": "accepted",
            "answer": "Une place s'est libérée.",
        },
        {"booking_id": ids["lea_late"], "state": "refused", "answer": "Groupe complet ce jour-là."},
        {
            "booking_id": ids["lea_cancel"],
            "state": "cancelled",
            "billed": False,
            "answer": "Certificat médical reçu.",
        },
        {"booking_id": ids["tom_cancel"], "state": "accepted"},
        {"booking_id": ids["zoe"], "state": "waiting_list"},
    ]
    key = new_key()
    r = decide(portal, *decisions, key=key)
    assert r.json()["changed"] == 5
    by_id = {b["booking_id"]: b for b in r.json()["bookings"]}
    assert by_id[ids["lea_cancel"]]["billed"] is False
    assert by_id[ids["lea_cancel"]]["reason"] == (
        "Annulation acceptée par le service : cette journée ne sera pas facturée."
    )
    assert by_id[ids["tom_cancel"]]["billed"] is None
    after = len(smtp_sink.to(LOGIN)), len(smtp_sink.to("f00300@example.fr"))
    assert after == (before[0] + 1, before[1] + 1)

    mail = smtp_sink.last_to(LOGIN)
    assert mail.subject == "Portail Famille : réponse du service à vos demandes (4 jours)"
    expected = (
        "Réservations acceptées :\n"
        "  - mardi 01/12/2026 : Tom MARTIN, Accueil de loisirs du Lude (Journée)\n"
        "    Réponse du service : « Une place s'est libérée. »\n\n"
        "Réservations refusées :\n"
        "  - vendredi 04/12/2026 : Léa MARTIN, Accueil de loisirs du Lude (Journée)\n"
        "    Réponse du service : « Groupe complet ce jour-là. »\n\n"
        "Annulations acceptées :\n"
        "  - mardi 01/12/2026 : Léa MARTIN, Accueil de loisirs du Lude (Journée) — cette "
        "journée ne sera pas facturée\n"
        "    Réponse du service : « Certificat médical reçu. »\n\n"
        "Annulations refusées (la réservation est maintenue) :\n"
        "  - jeudi 03/12/2026 : Tom MARTIN, Accueil de loisirs du Lude (Journée)\n\n"
    )
    assert expected in mail.body, mail.body
    other = smtp_sink.last_to("f00300@example.fr")
    assert other.subject == "Portail Famille : réponse du service à votre demande"
    assert "Réservations placées en liste d'attente" in other.body
    assert "vendredi 04/12/2026 : Zoé MARTIN" in other.body
    assert "Tom" not in other.body and "Léa" not in other.body

    # Never twice: the replay, and the same decisions under a new key, send nothing.
    replay = decide(portal, *decisions, key=key)
    assert replay.headers["Idempotent-Replayed"] == "true"
    again = decide(portal, *decisions)
    assert again.json()["changed"] == 0
    assert (len(smtp_sink.to(LOGIN)), len(smtp_sink.to("f00300@example.fr"))) == after
    # A correction of the answer alone changes the day but is no new decision: no e-mail.
    corrected = decide(
        portal, {"booking_id": ids["tom_cancel"], "state": "accepted", "answer": "Désolé."}
    )
    assert corrected.json()["changed"] == 1
    assert len(smtp_sink.to(LOGIN)) == after[0]
    # Billed is told too, and shown to the parents on the summary.
    decide(portal, {"booking_id": ids["tom_cancel"], "state": "cancelled", "billed": True})
    mail = smtp_sink.last_to(LOGIN)
    assert mail.subject == "Portail Famille : réponse du service à votre demande"
    assert "Réservations annulées par le service :" in mail.body
    assert "jeudi 03/12/2026 : Tom MARTIN" in mail.body
    assert "cette journée reste facturée" in mail.body


def test_billed_only_goes_with_a_cancellation(portal, smtp_sink, requests_to_answer):
    r = portal.staff(
        "PUT",
        "/staff/bookings/decisions",
        new_key(),
        json={
            "decisions": [
                {"booking_id": requests_to_answer["lea_late"], "state": "accepted", "billed": True}
            ]
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "field": "decisions.0.billed",
            "message": "« billed » ne s'indique que pour une annulation acceptée (« cancelled »).",
        }
    ]


@pytest.mark.allow_log_warnings
def test_smtp_outage_after_the_commit_loses_the_mail_not_the_decision(
    portal, smtp_sink, requests_to_answer, caplog
):
    svc = portal.app.state.services
    svc.mailer = Mailer(svc.settings.model_copy(update={"smtp_port": free_port()}))
    count = len(smtp_sink.to(LOGIN))
    r = decide(portal, {"booking_id": requests_to_answer["lea_late"], "state": "accepted"})
    assert r.json()["bookings"][0]["state"] == "accepted"
    assert len(smtp_sink.to(LOGIN)) == count
    assert "Envoi du courriel « Portail Famille : réponse du service" in caplog.text
    # The decision stands: pushing it again is no change, and sends nothing.
    svc.mailer = Mailer(svc.settings)
    assert (
        decide(portal, {"booking_id": requests_to_answer["lea_late"], "state": "accepted"}).json()[
            "changed"
        ]
        == 0
    )
    assert len(smtp_sink.to(LOGIN)) == count
