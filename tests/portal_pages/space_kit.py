"""Helpers of the §5–§7 pages tests: a parent's bearer (API side of the same account),
the planning's cells, the family's ref, a registration through the page."""

from __future__ import annotations

import re

from portal_testkit import PASSWORD


def bearer(site, login: str) -> str:
    r = site.post("/auth/login", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def cells(site, token: str, reg: str, week: str) -> dict[str, dict]:
    r = site.parent("GET", f"/me/registrations/{reg}/planning?week={week}", token)
    assert r.status_code == 200, r.text
    return {f"{c['unit']}|{d['date']}": c for d in r.json()["days"] for c in d["cells"]}


def family_ref(site, login: str) -> str:
    r = site.parent("GET", "/me/family", bearer(site, login))
    return r.json()["ref"]


def register_in_page(page, site, child_label: str) -> str:
    page.goto(site.url("/inscriptions"))
    page.get_by_label("Enfant (obligatoire)").select_option(label=child_label)
    page.get_by_label("Activité et période").select_option(
        label="Accueil de loisirs du Lude — Décembre 2026"
    )
    page.get_by_role("button", name="Demander l'inscription").click()
    page.get_by_role("status").get_by_text("acceptée").wait_for()
    return re.search(r"Inscription n° (\S+) acceptée", page.get_by_role("status").inner_text())[1]
