"""The pages' foundation in a real browser: layout, CSRF, session cookie, login redirect."""

from __future__ import annotations

import re
from datetime import timedelta

import requests
from pages_kit import active_family, expect_status, log_in, new_family, visit
from portal_testkit import HTTP_TIMEOUT, PASSWORD
from sqlalchemy import select, update

from portal.models import ParentAccount, SingleUseLink, utcnow


def test_home_and_legal_pages(page, site):
    page.goto(site.url("/"))
    assert page.title().startswith("Accueil — Portail Famille")
    link = page.get_by_role("link", name="le formulaire d'ouverture d'un compte famille (PDF)")
    assert link.get_attribute("href") == "/documents/formulaire-inscription.pdf"
    visit(page, "accueil")
    page.get_by_role("link", name="Accessibilité : partiellement conforme").click()
    page.get_by_role("heading", name="Déclaration d'accessibilité").wait_for()
    assert "Défenseur des droits" in page.content()
    visit(page, "accessibilite")
    page.get_by_role("link", name="Données personnelles").click()
    page.get_by_role("heading", name="Données personnelles", level=1).wait_for()
    assert "CNIL" in page.content()
    visit(page, "donnees-personnelles")


def test_signed_in_page_redirects_to_login_and_back(page, site, mail):
    login = active_family(site, mail)
    page.goto(site.url("/mon-compte"))
    assert page.url == site.url("/connexion?suite=/mon-compte")
    page.get_by_label("Identifiant (adresse e-mail)").fill(login)
    page.get_by_label("Mot de passe").fill("Soleil-d-ete-2026")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(site.url("/mon-compte"))
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["portail_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    assert not session["secure"]  # plain HTTP on loopback; HTTPS: see the next test
    assert cookies["portail_csrf"]["httpOnly"] and cookies["portail_csrf"]["sameSite"] == "Lax"


def test_cookie_secure_behind_https_proxy(site):
    r = requests.get(
        site.url("/connexion"), headers={"X-Forwarded-Proto": "https"}, timeout=HTTP_TIMEOUT
    )
    assert r.status_code == 200
    assert "secure" in r.headers["set-cookie"].lower()
    assert "httponly" in r.headers["set-cookie"].lower()
    assert "samesite=lax" in r.headers["set-cookie"].lower()
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "default-src 'self'" in csp
    assert r.headers["x-frame-options"] == "DENY"


def test_form_without_csrf_token_is_refused(page, site, mail):
    login = active_family(site, mail)
    # Straight POST, no token: a French 403 page, nothing done.
    r = requests.post(
        site.url("/connexion"),
        data={"login": login, "password": "Soleil-d-ete-2026"},
        timeout=HTTP_TIMEOUT,
    )
    assert r.status_code == 403
    assert "Formulaire expiré" in r.text and "portail_session" not in r.headers.get(
        "set-cookie", ""
    )
    # Signed in, a form whose token was tampered with is refused too.
    log_in(page, site, login)
    page.goto(site.url("/ma-famille/modifier"))
    page.locator("main input[name=csrf]").evaluate("e => e.value = 'faux-jeton-0123456789abcdef'")
    page.get_by_label("Commune").fill("Ailleurs")
    expect_status(page, 403)
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("heading", name="Formulaire expiré").wait_for()
    visit(page, "formulaire-expire")
    page.goto(site.url("/ma-famille"))
    assert "Ailleurs" not in page.content()


def test_keyboard_only_login_and_logout(page, site, mail):
    """Skip link, the login form and the menu, with the keyboard alone."""
    login = active_family(site, mail)
    page.goto(site.url("/connexion"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-login"
    page.keyboard.type(login)
    page.keyboard.press("Tab")
    page.keyboard.type("Pas-le-bon-2026")
    expect_status(page, 401)
    page.keyboard.press("Enter")
    # The refusal: the error summary has the focus.
    page.get_by_role("alert").wait_for()
    assert page.evaluate("document.activeElement.className") == "error-summary"
    page.keyboard.press("Tab")  # the identifier (kept), then the password
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-password"
    page.keyboard.type("Soleil-d-ete-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(site.url("/ma-famille"))
    # Focus ring visible on the menu entries.
    page.get_by_role("link", name="Mon compte").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.get_by_role("button", name="Se déconnecter").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(site.url("/connexion"))


def test_session_ends_with_logout(page, site, mail):
    """The cookie of a closed session opens nothing (the token is revoked server side)."""
    login = active_family(site, mail)
    log_in(page, site, login)
    old = next(c for c in page.context.cookies() if c["name"] == "portail_session")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(site.url("/connexion"))
    assert "portail_session" not in {c["name"] for c in page.context.cookies()}
    page.context.add_cookies([old])
    page.goto(site.url("/ma-famille"))
    assert page.url == site.url("/connexion?suite=/ma-famille")
    # The API token of that session is refused too: one session machinery.
    r = site.parent("GET", "/me", old["value"])
    assert r.status_code == 401


def test_login_behind_https_return_path_stays_on_the_site(site, mail):
    """Behind the HTTPS proxy the session cookie is Secure; ``suite`` never leaves the site."""
    login = active_family(site, mail)
    https = {"X-Forwarded-Proto": "https"}
    first = requests.get(site.url("/connexion"), headers=https, timeout=HTTP_TIMEOUT)
    csrf = first.cookies.get("portail_csrf") or re.search(
        r"portail_csrf=([^;]+)", first.headers["set-cookie"]
    ).group(1)
    for suite, landing in (("//evil.example/x", "/ma-famille"), ("/mon-compte", "/mon-compte")):
        r = requests.post(
            site.url("/connexion"),
            data={"login": login, "password": PASSWORD, "csrf": csrf, "suite": suite},
            headers={**https, "Cookie": f"portail_csrf={csrf}"},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )
        assert r.status_code == 303, r.text
        assert r.headers["location"] == landing
        session = [c for c in r.raw.headers.getlist("set-cookie") if "portail_session=" in c]
        assert session, r.headers
        flags = session[0].lower()
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags
        # A new CSRF token comes with the session (none from before the login is kept).
        assert any(
            c.startswith("portail_csrf=") and csrf not in c
            for c in r.raw.headers.getlist("set-cookie")
        )


def test_expired_link_says_so_and_offers_a_new_one(page, site, mail):
    login = new_family(site)
    link = mail.last_to(login).link
    with site.db.session() as session:
        session.execute(
            update(SingleUseLink)
            .where(
                SingleUseLink.account_id.in_(
                    select(ParentAccount.id).where(ParentAccount.login_email == login)
                )
            )
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    page.goto(site.url("/" + link.split("/", 3)[3]))
    page.get_by_label("Nouveau mot de passe").fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    expect_status(page, 410)
    page.get_by_role("button", name="Activer mon compte").click()
    page.get_by_role("alert").get_by_text("Ce lien a expiré. Demandez-en un nouveau.").wait_for()
    assert page.get_by_role("button", name="Activer mon compte").count() == 0
    visit(page, "lien-expire")
    # « Mot de passe oublié » on an account not yet activated sends a new activation link.
    page.get_by_role("link", name="Recevoir un nouveau lien").click()
    page.get_by_label("Adresse e-mail").fill(login)
    page.get_by_role("button", name="Recevoir un lien").click()
    page.get_by_role("status").wait_for()
    fresh = mail.last_to(login).link
    assert fresh != link and "/activation#jeton=" in fresh


def test_unknown_page_is_a_french_page_for_browsers_json_for_the_api(page, site):
    expect_status(page, 404)
    page.goto(site.url("/page-qui-n-existe-pas"))
    page.get_by_role("heading", name="Page introuvable").wait_for()
    visit(page, "page-introuvable")
    r = requests.get(site.url("/page-qui-n-existe-pas"), timeout=HTTP_TIMEOUT)
    assert r.status_code == 404 and r.json()["detail"] == "Ressource introuvable."
