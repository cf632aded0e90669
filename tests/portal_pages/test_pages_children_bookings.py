"""§5–§7 in a real browser, as a parent: the child's file (fiche sanitaire edited), a
registration refused while the file is incomplete then accepted, the weekly planning
(days, bulk weekdays, review, summary), the back-office's decisions shown with the
legend, a late cancellation becoming a request, one booking with the keyboard only
(htmx on), one with JavaScript off. Invoices and payment: ``test_pages_invoices.py``.

The portal is the real one (uvicorn, SQLite); the back-office's part goes through the
staff API. Every page shown goes through axe-core and is photographed (``visit``)."""

from __future__ import annotations

import re

from pages_kit import active_family, expect_status, log_in, visit
from portal_testkit import (
    ALL_VACCINES,
    CONTACT,
    PASSWORD,
    catalogue_body,
    complete_child,
    new_key,
    push_catalogue,
    set_now,
)
from space_kit import bearer, cells, family_ref, register_in_page


def test_child_file_then_registration_refused_then_accepted(page, site, mail):
    # Registrations decided by the service here (the back-office's decision below).
    push_catalogue(site, catalogue_body(registration_auto_accept=False))
    set_now(site, "2026-11-20 10:00")
    login = active_family(site, mail)  # Léa (C101): information only, nothing else
    log_in(page, site, login)
    page.get_by_role("link", name="Enfants").click()
    page.get_by_role("heading", name="Mes enfants").wait_for()
    visit(page, "enfants")
    page.get_by_role("link", name="Voir la fiche de Léa").click()
    page.get_by_role("heading", name="Fiche de Léa MARTIN").wait_for()
    visit(page, "enfant-fiche")

    # The registration first: refused, what is missing listed with links to the blocks.
    page.get_by_role("link", name="Inscriptions").click()
    page.get_by_label("Activité et période").select_option(
        label="Accueil de loisirs du Lude — Décembre 2026"
    )
    expect_status(page, 422)
    page.get_by_role("button", name="Demander l'inscription").click()
    page.get_by_text("Informations obligatoires manquantes").wait_for()
    assert "dossier de Léa MARTIN est incomplet" in page.get_by_role("alert").inner_text()
    assert page.title().startswith("Erreur — ")
    visit(page, "inscription-refusee")

    # The fiche sanitaire, from the refusal's link: an allergy without its detail first.
    page.get_by_role("link", name="Fiche sanitaire").click()
    page.get_by_role("heading", name=re.compile("^Renseignements médicaux")).wait_for()
    for i in range(len(ALL_VACCINES)):
        page.locator(f"#f-vaccinations-{i}-done").check()
        page.locator(f"#f-vaccinations-{i}-last-date").fill("2019-05-01")
    page.get_by_role("group", name="Alimentaire").get_by_label("Oui").check()
    page.get_by_label("Observations").fill("Porte des lunettes.")
    page.get_by_label("Nom du médecin").fill("Dr Morel")
    page.get_by_label("Téléphone du médecin").fill("0243999999")
    page.get_by_role("button", name="Enregistrer").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "Alimentaire" in summary.inner_text()
    detail = page.get_by_label("Précisez (Alimentaire)")
    assert detail.get_attribute("aria-invalid") == "true"
    visit(page, "enfant-sante-erreur")
    detail.fill("Arachide : pas de cacahuètes, trousse PAI au bureau.")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Le bloc « Renseignements médicaux » de la fiche est enregistré.").wait_for()
    assert "Arachide" in page.get_by_role("region", name="Renseignements médicaux").inner_text()

    # The two persons (blocks 3 and 4).
    for slug, title in (
        ("urgence", "Personnes à contacter"),
        ("recuperation", "Personnes autorisées"),
    ):
        page.goto(site.url(f"/enfants/C101/{slug}"))
        page.get_by_role("heading", name=re.compile(title)).wait_for()
        person = page.get_by_role("group", name=re.compile("^Personne 1"))
        person.get_by_label("Nom", exact=False).first.fill(CONTACT["last_name"])
        person.get_by_label("Prénom").fill(CONTACT["first_name"])
        person.get_by_label("Lien avec l'enfant").fill(CONTACT["relationship_label"])
        person.get_by_label("Téléphone 1").fill(CONTACT["phone1"])
        if slug == "urgence":
            visit(page, "enfant-urgence")
        page.get_by_role("button", name="Enregistrer").click()
        page.get_by_text("de la fiche est enregistré.").wait_for()

    # Block 1, and block 5 (two optional autorisations, one asking for a detail).
    page.goto(site.url("/enfants/C101/informations"))
    page.get_by_label("Classe").fill("CM1")
    visit(page, "enfant-informations")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Le bloc « Information Enfant » de la fiche est enregistré.").wait_for()
    definitions = {
        "definitions": [
            {
                "code": "PHOTO",
                "label": "Droit à l'image (photos des activités)",
                "mandatory": False,
            },
            {
                "code": "SORTIES",
                "label": "Sorties hors de l'accueil (à pied ou en car)",
                "mandatory": False,
                "asks_detail": True,
                "position": 1,
            },
        ]
    }
    r = site.staff("PUT", "/staff/consent-definitions", new_key(), json=definitions)
    assert r.status_code == 200, r.text
    page.goto(site.url("/enfants/C101/autorisations"))
    page.get_by_role("group", name="Droit à l'image (photos des activités)").get_by_label(
        "Non"
    ).check()
    page.get_by_role("group", name=re.compile("^Sorties")).get_by_label("Oui").check()
    expect_status(page, 422)
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("alert").get_by_text("Précisez").wait_for()
    visit(page, "enfant-autorisations-erreur")
    page.get_by_label("Précisez").fill("Accompagnée par un animateur")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Le bloc « Autorisations » de la fiche est enregistré.").wait_for()
    block = page.get_by_role("region", name="Autorisations").inner_text()
    assert "Oui — Accompagnée par un animateur" in block and "CM1" in page.inner_text("main")
    visit(page, "enfant-fiche-complete")

    # Complete now: the request is recorded, pending the service's answer…
    page.get_by_role("link", name="Inscriptions").click()
    page.get_by_label("Activité et période").select_option(
        label="Accueil de loisirs du Lude — Décembre 2026"
    )
    page.get_by_role("button", name="Demander l'inscription").click()
    status = page.get_by_role("status")
    status.get_by_text("en attente de validation").wait_for()
    reg = re.search(r"Inscription n° (\S+) :", status.inner_text())[1]
    row = page.get_by_role("row").filter(has_text=reg)
    assert "En attente de validation" in row.inner_text()
    visit(page, "inscription-en-attente")
    # … then the back-office accepts it (staff API): the page shows it, with the answer.
    decision = {
        "child_ref": "C101",
        "family_ref": family_ref(site, login),
        "activity": "ALSH-LUDE",
        "period": "DEC-2026",
        "state": "accepted",
        "answer": "Bienvenue à l'accueil de loisirs !",
    }
    r = site.staff("PUT", f"/staff/registrations/{reg}", new_key(), json=decision)
    assert r.status_code in (200, 201), r.text
    page.reload()
    row = page.get_by_role("row").filter(has_text=reg)
    assert "Acceptée" in row.inner_text()
    assert "Bienvenue à l'accueil de loisirs !" in row.inner_text()
    assert row.get_by_role("link", name=re.compile("^Réserver")).is_visible()
    visit(page, "inscriptions")


def test_booking_days_bulk_decisions_and_late_cancellation(page, site, mail):
    push_catalogue(site, catalogue_body(auto_accept=False))
    set_now(site, "2026-11-25 10:00")
    login = active_family(site, mail, children=[complete_child("C101", "Léa")])
    log_in(page, site, login)
    reg = register_in_page(page, site, "Léa MARTIN")
    page.get_by_role("link", name="Réservations").first.click()
    page.get_by_role("link", name=re.compile("Planning de Léa MARTIN")).click()
    page.get_by_role("heading", name="Planning de Léa MARTIN").wait_for()
    page.get_by_label("Semaine", exact=True).select_option("2026-W49")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile("semaine=2026-W49"))
    visit(page, "reservations-planning")

    # Days one by one.
    for day in ("mardi 01/12/2026", "mercredi 02/12/2026", "jeudi 03/12/2026"):
        page.get_by_role("checkbox", name=f"Journée, {day}").check()
    page.get_by_role("button", name="Vérifier ma réservation").click()
    page.get_by_role("heading", name="Vérifier la réservation de Léa MARTIN").wait_for()
    assert page.get_by_role("row").filter(has_text="02/12/2026").count() == 1
    assert "demande à valider" in page.get_by_role("table").inner_text()
    visit(page, "reservations-verifier")
    page.get_by_role("button", name="Valider ma réservation").click()
    page.get_by_role("heading", name=re.compile("^Réservation n°")).wait_for()
    assert page.get_by_text("Demande de réservation en attente de validation").count() == 3
    visit(page, "reservations-recapitulatif")

    # Bulk: every Monday of the period.
    page.goto(site.url(f"/reservations/{reg}/planning?semaine=2026-W50"))
    page.get_by_label("Sélectionner (réserver)").check()
    page.get_by_label("Toute la période").check()
    page.get_by_label("Lundi", exact=True).check()
    page.get_by_role("button", name="Appliquer la sélection").click()
    page.get_by_role("status").get_by_text("jour(s) à réserver").wait_for()
    monday = page.get_by_role("checkbox", name="Journée, lundi 07/12/2026")
    assert monday.is_checked()
    assert not page.get_by_role("checkbox", name="Journée, mardi 08/12/2026").is_checked()
    page.get_by_role("button", name="Vérifier ma réservation").click()
    lines = page.get_by_role("row").filter(has_text="lundi")
    assert lines.count() == 5  # 30/11, 07, 14, 21 and 28/12
    page.get_by_role("button", name="Valider ma réservation").click()
    page.get_by_role("heading", name=re.compile("^Réservation n°")).wait_for()

    # The back-office decides (staff API): accepted, refused, waiting list.
    token = bearer(site, login)
    week = cells(site, token, reg, "2026-W49")
    ids = {d: week[f"JOURNEE|2026-12-0{d}"]["booking_id"] for d in (1, 2, 3)}
    monday_id = cells(site, token, reg, "2026-W50")["JOURNEE|2026-12-07"]["booking_id"]
    decisions = {
        "decisions": [
            {"booking_id": ids[1], "state": "accepted"},
            {"booking_id": ids[2], "state": "accepted"},
            {"booking_id": ids[3], "state": "refused", "answer": "Sortie complète ce jour-là."},
            {"booking_id": monday_id, "state": "waiting_list"},
        ]
    }
    r = site.staff("PUT", "/staff/bookings/decisions", new_key(), json=decisions)
    assert r.status_code == 200, r.text
    page.goto(site.url(f"/reservations/{reg}/planning?semaine=2026-W49"))
    grid = page.get_by_role("table")
    assert (
        grid.get_by_role("row")
        .filter(has_text="mardi 01/12/2026")
        .get_by_text("Réservation acceptée")
        .is_visible()
    )
    assert "Sortie complète ce jour-là." in grid.inner_text()
    assert page.get_by_role("region", name="Légende").get_by_text("Liste d'attente").is_visible()
    visit(page, "reservations-planning-decisions")
    page.goto(site.url(f"/reservations/{reg}/planning?semaine=2026-W50"))
    assert (
        "Liste d'attente"
        in page.get_by_role("row").filter(has_text="lundi 07/12/2026").inner_text()
    )

    # Late cancellation (after « J-1 à 10:00 »): it becomes a request to the service.
    set_now(site, "2026-12-01 11:00")
    page.goto(site.url(f"/reservations/{reg}/planning?semaine=2026-W49"))
    page.get_by_role("checkbox", name="Journée, mercredi 02/12/2026").uncheck()
    page.get_by_role("button", name="Vérifier ma réservation").click()
    page.get_by_role("heading", name=re.compile("^Vérifier")).wait_for()
    assert "demande d'annulation" in page.get_by_role("table").inner_text()
    page.get_by_role("button", name="Valider ma réservation").click()
    page.get_by_role("heading", name=re.compile("^Réservation n°")).wait_for()
    assert page.get_by_text("Demande d'annulation en attente de validation").count() >= 1
    visit(page, "reservations-annulation-tardive")
    page.goto(site.url("/reservations"))
    page.get_by_role("heading", name="Liste des réservations et demandes d'annulation").wait_for()
    visit(page, "reservations")


def _tab_to(page, check, limit: int = 150) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(check):
            return
    raise AssertionError(f"focus never reached: {check}")


def test_a_whole_booking_with_the_keyboard_only(page, site, mail):
    push_catalogue(site)
    set_now(site, "2026-11-25 10:00")
    login = active_family(site, mail, children=[complete_child("C101", "Léa")])
    page.goto(site.url("/connexion"))
    _tab_to(page, "document.activeElement.id === 'f-login'")
    page.keyboard.type(login)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(site.url("/ma-famille"))
    _tab_to(page, "document.activeElement.textContent === 'Inscriptions'")
    page.keyboard.press("Enter")
    page.wait_for_url(site.url("/inscriptions"))
    _tab_to(page, 'document.activeElement.textContent === "Demander l\'inscription"')
    page.keyboard.press("Enter")
    page.get_by_role("status").get_by_text("acceptée").wait_for()
    _tab_to(page, "document.activeElement.textContent.startsWith('Réserver')")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Planning de Léa MARTIN").wait_for()
    _tab_to(page, "document.activeElement.id === 'c-JOURNEE-2026-12-03'")
    page.keyboard.press("Space")
    # With htmx the ticked box's cell is redrawn at once, the focus stays on the box.
    page.locator("#case-c-JOURNEE-2026-12-03").get_by_text("Coché, à valider").wait_for()
    assert page.evaluate("document.activeElement.id") == "c-JOURNEE-2026-12-03"
    _tab_to(page, "document.activeElement.id === 'c-JOURNEE-2026-12-04'")
    page.keyboard.press("Space")
    _tab_to(page, "document.activeElement.textContent === 'Vérifier ma réservation'")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=re.compile("^Vérifier")).wait_for()
    _tab_to(page, "document.activeElement.textContent === 'Valider ma réservation'")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=re.compile("^Réservation n°")).wait_for()
    assert page.get_by_role("row").filter(has_text="Réservation acceptée").count() == 2


def test_booking_without_javascript(browser, site, mail):
    """The grid is a plain form: with JavaScript off (no htmx), tick, review, validate."""
    push_catalogue(site)
    set_now(site, "2026-11-25 10:00")
    login = active_family(site, mail, children=[complete_child("C101", "Léa")])
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR", java_script_enabled=False
    )
    try:
        page = context.new_page()
        log_in(page, site, login)
        reg = register_in_page(page, site, "Léa MARTIN")
        page.goto(site.url(f"/reservations/{reg}/planning?semaine=2026-W49"))
        page.get_by_role("checkbox", name="Journée, vendredi 04/12/2026").check()
        page.get_by_role("button", name="Mettre à jour le planning").click()
        page.get_by_role("status").get_by_text("1 jour(s) à réserver").wait_for()
        cell = page.locator("#case-c-JOURNEE-2026-12-04")
        assert "Coché, à valider : sera acceptée" in cell.inner_text()
        page.get_by_label("Semaine", exact=True).select_option("2026-W50")
        page.get_by_role("button", name="Afficher").click()
        page.wait_for_url(re.compile("semaine=2026-W50"))
        page.get_by_role("button", name="Vérifier ma réservation").click()
        page.get_by_role("heading", name=re.compile("^Vérifier")).wait_for()
        page.get_by_role("button", name="Valider ma réservation").click()
        page.get_by_role("heading", name=re.compile("^Réservation n°")).wait_for()
        assert page.get_by_role("row").filter(has_text="vendredi 04/12/2026").count() == 1
    finally:
        context.close()
