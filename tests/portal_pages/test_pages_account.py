"""§2–§4 in a real browser, as a parent: activation from the e-mail's link, login,
forgotten password, family edit, login e-mail change, password change.

Every page shown goes through axe-core and is photographed (``visit``)."""

from __future__ import annotations

from pages_kit import active_family, expect_status, log_in, new_family, visit
from portal_testkit import PASSWORD

NEW_PASSWORD = "Riviere-du-Loir-2027"


def opened(site, link: str) -> str:
    """The e-mailed link (on the public address) opened on the test portal."""
    path = link.split("://", 1)[1].split("/", 1)[1]
    return site.url("/" + path)


def log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_text("Vous êtes déconnecté.").wait_for()


def test_activation_from_the_emails_link(page, site, mail):
    login = new_family(site)
    link = mail.last_to(login).link
    assert "/activation#jeton=" in link
    page.goto(opened(site, link))
    page.get_by_role("heading", name="Finaliser la création de votre compte").wait_for()
    # The script took the code from the link and hid its field; the address bar is clean.
    assert page.locator("[data-jeton]").is_hidden()
    assert "#jeton" not in page.url
    visit(page, "activation")
    # A password the rules refuse: the summary says why, linked to the field.
    page.get_by_label("Nouveau mot de passe").fill("court")
    page.get_by_label("Confirmation du mot de passe").fill("court")
    expect_status(page, 422)
    page.get_by_role("button", name="Activer mon compte").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "caractères" in summary.inner_text()
    assert page.title().startswith("Erreur — ")
    field = page.get_by_label("Nouveau mot de passe")
    assert field.get_attribute("aria-invalid") == "true"
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "f-password"
    visit(page, "activation-erreur")
    field.fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Activer mon compte").click()
    page.wait_for_url(site.url("/ma-famille"))
    page.get_by_text("Votre compte est activé").wait_for()
    visit(page, "ma-famille")
    # The link served once.
    log_out(page)
    page.goto(opened(site, link))
    page.get_by_label("Nouveau mot de passe").fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    expect_status(page, 410)
    page.get_by_role("button", name="Activer mon compte").click()
    page.get_by_text("Ce lien a déjà été utilisé").wait_for()
    assert page.get_by_role("link", name="Recevoir un nouveau lien").is_visible()


def test_login_wrong_password_then_right(page, site, mail):
    login = active_family(site, mail)
    page.goto(site.url("/"))
    page.get_by_role("link", name="Se connecter").first.click()
    page.wait_for_url(site.url("/connexion"))
    visit(page, "connexion")
    page.get_by_label("Identifiant (adresse e-mail)").fill(login)
    page.get_by_label("Mot de passe").fill("Pas-le-bon-2026")
    expect_status(page, 401)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("alert").get_by_text("Identifiant ou mot de passe incorrect.").wait_for()
    # The identifier typed stays; the password does not.
    assert page.get_by_label("Identifiant (adresse e-mail)").input_value() == login
    assert page.get_by_label("Mot de passe").input_value() == ""
    visit(page, "connexion-erreur")
    # Same answer for an identifier nobody has.
    page.get_by_label("Identifiant (adresse e-mail)").fill("inconnu@example.fr")
    page.get_by_label("Mot de passe").fill("Pas-le-bon-2026")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("alert").get_by_text("Identifiant ou mot de passe incorrect.").wait_for()
    page.get_by_label("Identifiant (adresse e-mail)").fill(login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(site.url("/ma-famille"))
    assert page.get_by_role("link", name="Ma famille").get_attribute("aria-current") == "page"


def test_login_throttled_with_the_french_message(page, site, mail):
    login = active_family(site, mail)
    expect_status(page, 401)
    expect_status(page, 429)
    page.goto(site.url("/connexion"))
    for _ in range(site.settings.login_max_failures + 1):
        page.get_by_label("Identifiant (adresse e-mail)").fill(login)
        page.get_by_label("Mot de passe").fill("Pas-le-bon-2026")
        page.get_by_role("button", name="Se connecter").click()
        page.get_by_role("alert").wait_for()
    # Even the right password waits now: the throttle's own French message.
    page.get_by_label("Identifiant (adresse e-mail)").fill(login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("alert").get_by_text("Trop de tentatives de connexion échouées").wait_for()
    assert page.url.startswith(site.url("/connexion"))


def test_forgotten_password_full_loop(page, site, mail):
    login = active_family(site, mail)
    before = len(mail.to(login))
    page.goto(site.url("/connexion"))
    page.get_by_role("link", name="Identifiant ou mot de passe oublié ?").click()
    page.wait_for_url(site.url("/mot-de-passe-oublie"))
    visit(page, "mot-de-passe-oublie")
    # Unknown address: the same answer, and no e-mail.
    page.get_by_label("Adresse e-mail").fill("personne@example.fr")
    page.get_by_role("button", name="Recevoir un lien").click()
    answer = page.get_by_role("status").inner_text()
    assert answer.startswith("Si un compte correspond à cette adresse")
    assert mail.to("personne@example.fr") == []
    page.goto(site.url("/mot-de-passe-oublie"))
    page.get_by_label("Adresse e-mail").fill(login.upper())
    page.get_by_role("button", name="Recevoir un lien").click()
    assert page.get_by_role("status").inner_text() == answer
    visit(page, "mot-de-passe-oublie-envoye")
    assert len(mail.to(login)) == before + 1
    link = mail.last_to(login).link
    assert "/mot-de-passe#jeton=" in link
    page.goto(opened(site, link))
    page.get_by_role("heading", name="Choisir un nouveau mot de passe").wait_for()
    visit(page, "nouveau-mot-de-passe")
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    page.wait_for_url(site.url("/ma-famille"))
    page.get_by_text("Votre nouveau mot de passe est enregistré.").wait_for()
    log_out(page)
    log_in(page, site, login, NEW_PASSWORD)


def test_family_edit(page, site, mail):
    login = active_family(site, mail)
    log_in(page, site, login)
    page.get_by_role("link", name="Modifier les informations de la famille").click()
    page.wait_for_url(site.url("/ma-famille/modifier"))
    visit(page, "ma-famille-modifier")
    assert page.get_by_label("Commune").input_value() == "Le Lude"
    page.get_by_label("Code postal").fill("7280")
    page.get_by_label("Téléphone portable").fill("0699887766")
    expect_status(page, 422)
    page.get_by_role("button", name="Enregistrer").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "Code postal" in summary.inner_text() or "code postal" in summary.inner_text()
    assert page.get_by_label("Code postal").get_attribute("aria-invalid") == "true"
    # What was typed stays in the form.
    assert page.get_by_label("Téléphone portable").input_value() == "0699887766"
    visit(page, "ma-famille-modifier-erreur")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "f-postcode"
    page.get_by_label("Code postal").fill("72200")
    page.get_by_label("Commune").fill("La Flèche")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(site.url("/ma-famille"))
    page.get_by_text("Les informations de la famille sont enregistrées.").wait_for()
    text = page.locator("main").inner_text()
    assert "72200 La Flèche" in text
    assert "06 99 88 77 66" in text or "0699887766" in text
    # The API sees the same family (one store, one rule).
    feed = site.staff("GET", "/staff/changes?after=0&limit=500").json()
    changes = [e for e in feed["changes"] if e["kind"] == "family.updated"]
    assert any(c["data"]["after"].get("commune") == "La Flèche" for c in changes)


def test_login_email_change_confirmed_by_its_link(page, site, mail):
    login = active_family(site, mail)
    new_login = "nouvelle." + login
    log_in(page, site, login)
    page.get_by_role("link", name="Mon compte").click()
    page.wait_for_url(site.url("/mon-compte"))
    visit(page, "mon-compte")
    form = page.locator("form[action='/mon-compte/identifiant']")
    form.get_by_label("Nouvelle adresse e-mail").fill(new_login)
    form.get_by_label("Mot de passe actuel").fill("Pas-le-bon-2026")
    expect_status(page, 422)
    form.get_by_role("button", name="Changer d'identifiant").click()
    page.get_by_role("alert").get_by_text("Le mot de passe actuel est incorrect.").wait_for()
    visit(page, "mon-compte-erreur")
    form = page.locator("form[action='/mon-compte/identifiant']")
    form.get_by_label("Mot de passe actuel").fill(PASSWORD)
    form.get_by_role("button", name="Changer d'identifiant").click()
    page.get_by_text(f"un courriel de confirmation a été envoyé à {new_login}").wait_for()
    assert new_login in page.locator(".notice").inner_text()
    link = mail.last_to(new_login).link
    assert "/confirmation-email#jeton=" in link
    page.goto(opened(site, link))
    visit(page, "confirmation-email")
    page.get_by_role("button", name="Confirmer ma nouvelle adresse").click()
    page.wait_for_url(site.url("/mon-compte"))
    page.get_by_text(f"Votre nouvel identifiant est confirmé : {new_login}.").wait_for()
    log_out(page)
    log_in(page, site, new_login)


def test_password_change(page, site, mail):
    login = active_family(site, mail)
    log_in(page, site, login)
    page.goto(site.url("/mon-compte"))
    form = page.locator("form[action='/mon-compte/mot-de-passe']")
    form.get_by_label("Mot de passe actuel").fill(PASSWORD)
    form.get_by_label("Nouveau mot de passe (obligatoire)", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("Confirmation du nouveau mot de passe").fill(NEW_PASSWORD + "x")
    expect_status(page, 422)
    form.get_by_role("button", name="Changer de mot de passe").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "confirmation" in summary.inner_text().lower()
    form = page.locator("form[action='/mon-compte/mot-de-passe']")
    form.get_by_label("Mot de passe actuel").fill(PASSWORD)
    form.get_by_label("Nouveau mot de passe (obligatoire)", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("Confirmation du nouveau mot de passe").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Changer de mot de passe").click()
    page.get_by_text("Votre mot de passe a été modifié.").wait_for()
    log_out(page)
    log_in(page, site, login, NEW_PASSWORD)


def test_activation_without_javascript(browser, site, mail):
    """No script: the link's code is typed in its field, and the form works the same."""
    login = new_family(site)
    token = mail.last_to(login).token
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    try:
        tab = context.new_page()
        tab.goto(site.url("/activation"))
        tab.get_by_label("Code du lien reçu par courriel").fill(token)
        tab.get_by_label("Nouveau mot de passe").fill(PASSWORD)
        tab.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
        tab.get_by_role("button", name="Activer mon compte").click()
        tab.wait_for_url(site.url("/ma-famille"))
        tab.get_by_text("Votre compte est activé").wait_for()
    finally:
        context.close()
