"""§7 in a real browser, as a parent: an invoice PDF downloaded, an online payment
through the simulated provider (pending, then validated), PayFiP left through a link;
and another family's pages not found. Every page shown goes through axe-core and is
photographed (``visit``)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pages_kit import active_family, expect_status, log_in, visit
from portal_testkit import (
    complete_child,
    enable_payments,
    invoice_body,
    new_key,
    push_catalogue,
    push_invoice,
    push_windows,
    sample_pdf,
    set_now,
)
from space_kit import bearer, cells, family_ref


def test_invoice_pdf_and_online_payment(page, site, mail):
    set_now(site, "2026-12-05 10:00")
    enable_payments(site)
    login = active_family(site, mail)
    family = family_ref(site, login)
    number = f"ALSH-2026-{family}"
    push_invoice(site, number, invoice_body(family, cents=(2500, 1700)))
    push_invoice(site, f"APS-2026-{family}", invoice_body(family, regie="APS", cents=(900,)))
    content = sample_pdf(number)
    r = site.staff(
        "PUT",
        f"/staff/invoices/{number}/pdf",
        new_key(),
        data=content,
        headers={
            "Content-Type": "application/pdf",
            "X-Content-SHA256": hashlib.sha256(content).hexdigest(),
        },
    )
    assert r.status_code in (200, 201), r.text
    push_windows(site, ("ALSH", "2026-12-01", "2026-12-20"))
    log_in(page, site, login)
    page.get_by_role("link", name="Factures").click()
    page.get_by_role("heading", name="Mes factures et paiements").wait_for()
    visit(page, "factures")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Télécharger la facture {number} (PDF)").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF") and data == content

    page.get_by_role("button", name="Payer en ligne les factures cochées").click()
    page.get_by_role("heading", name="Paiement en ligne").wait_for()
    assert "42,00" in page.get_by_role("main").inner_text()
    visit(page, "paiement-simule")
    simulated = page.url
    # The return page before the bank answered: pending.
    page.goto(site.url("/factures"))
    assert page.get_by_text("Paiement en ligne en attente de la banque").is_visible()
    page.get_by_role("link", name=re.compile("^PAY-")).click()
    page.get_by_text("Règlement en attente de validation par la banque").wait_for()
    visit(page, "paiement-en-attente")
    page.goto(simulated)
    page.get_by_role("button", name="Payer par carte bancaire").click()
    page.get_by_text("Règlement validé").wait_for()
    assert "Payé par carte bancaire" in page.get_by_role("status").inner_text()
    visit(page, "paiement-valide")


def test_payfip_payment_leaves_the_portal_through_a_link(page, site, mail):
    """PayFiP is another site: the page offers a link to it (the pages' CSP lets forms
    post to the portal only, redirects included), and the fake PayFiP shows the operation."""
    from portal_testkit import PAYFIP_NUMCLI, payfip_provider

    from portal.payfip_fake import FakePayfip
    from portal.providers import SimulatedProvider

    fake = FakePayfip(numcli=PAYFIP_NUMCLI).start()
    try:
        set_now(site, "2026-12-05 10:00")
        enable_payments(site, payfip_provider(fake))
        login = active_family(site, mail)
        family = family_ref(site, login)
        push_invoice(site, f"ALSH-2026-{family}", invoice_body(family, cents=(3100,)))
        push_windows(site, ("ALSH", "2026-12-01", "2026-12-20"))
        log_in(page, site, login)
        page.goto(site.url("/factures"))
        page.get_by_role("button", name="Payer en ligne les factures cochées").click()
        link = page.get_by_role("link", name="Continuer vers le paiement sécurisé")
        link.wait_for()
        assert "31,00" in page.get_by_role("main").inner_text()
        assert link.get_attribute("href").startswith(fake.page_url)
        visit(page, "paiement-payfip")
        expect_status(page, 404)  # the fake PayFiP has no favicon
        link.click()
        page.wait_for_url(fake.page_url + "**")
        page.wait_for_load_state("load")
        assert "31,00" in page.inner_text("body") or "3100" in page.inner_text("body")
        page.goto(site.url("/factures"))  # leave the fake before it stops
        assert page.get_by_text("Paiement en ligne en attente de la banque").is_visible()
    finally:
        enable_payments(site, SimulatedProvider())
        fake.stop()


def test_another_familys_pages_are_not_found(page, site, mail):
    """Registration, booking, invoice and payment numbers are guessable: another family's
    get the « Page introuvable » page, never their content."""
    push_catalogue(site)
    set_now(site, "2026-11-25 10:00")
    enable_payments(site)
    owner = active_family(site, mail, children=[complete_child("C101", "Léa")])
    token = bearer(site, owner)
    r = site.parent(
        "POST",
        "/me/registrations",
        token,
        json={"child_ref": "C101", "activity": "ALSH-LUDE", "period": "DEC-2026"},
    )
    assert r.status_code in (200, 201), r.text
    reg = r.json()["ref"]
    r = site.parent(
        "POST",
        f"/me/registrations/{reg}/draft",
        token,
        json={"changes": [{"action": "book", "unit": "JOURNEE", "dates": ["2026-12-01"]}]},
    )
    assert r.status_code == 200, r.text
    number = site.parent("POST", f"/me/registrations/{reg}/draft/validate", token).json()["number"]
    family = family_ref(site, owner)
    invoice = f"ALSH-2026-{family}-X"
    push_invoice(site, invoice, invoice_body(family))
    content = sample_pdf(invoice)
    r = site.staff(
        "PUT",
        f"/staff/invoices/{invoice}/pdf",
        new_key(),
        data=content,
        headers={
            "Content-Type": "application/pdf",
            "X-Content-SHA256": hashlib.sha256(content).hexdigest(),
        },
    )
    assert r.status_code in (200, 201), r.text

    other = active_family(site, mail)
    log_in(page, site, other)
    expect_status(page, 404)
    for path in (
        f"/reservations/{reg}/planning",
        f"/reservations/{reg}/verifier",
        f"/reservations/detail/{number}",
        f"/factures/{invoice}/pdf",
        "/enfants/C999",
        "/enfants/C101/inconnu",
    ):
        response = page.goto(site.url(path))
        assert response is not None and response.status == 404, path
        page.get_by_role("heading", name="Page introuvable").wait_for()
    # A form posted to another family's registration changes nothing.
    page.goto(site.url("/inscriptions"))
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    answer = page.request.post(
        site.url(f"/reservations/{reg}/planning"),
        form={"csrf": csrf, "semaine": "2026-W49", "case": "JOURNEE|2026-12-02"},
        max_redirects=0,
    )
    assert answer.status == 404
    week = cells(site, token, reg, "2026-W49")
    assert week["JOURNEE|2026-12-02"]["draft"] is None
