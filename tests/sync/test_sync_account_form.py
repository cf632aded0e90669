"""The blank account-opening form, published by the back-office, downloaded by anyone
from the real portal on loopback (``GET /documents/formulaire-inscription.pdf``)."""

from __future__ import annotations

import hashlib
from io import BytesIO

import pytest
import requests
from portal_testkit import HTTP_TIMEOUT
from pypdf import PdfReader
from sqlalchemy import select

from backoffice.models import ConsentDefinition, OutboxItem, OutboxState
from backoffice.services.families.form_pdf import FORM_TOPIC, blank_form, publish_form
from backoffice.sync import run_round

pytestmark = pytest.mark.postgres
URL = "/documents/formulaire-inscription.pdf"


def test_the_published_form_is_downloaded_from_the_portal(db, agent, portal, client):
    missing = requests.get(portal.url(URL), timeout=HTTP_TIMEOUT)
    assert missing.status_code == 404 and "pas encore publié" in missing.json()["detail"]
    with db.session() as s:
        s.add(ConsentDefinition(code="baignade", label="Baignade surveillée", mandatory=False))
    with db.session() as s:
        publish_form(s, agent)
        expected = blank_form(s, agent)

    report = run_round(db, client)
    assert not report.error, report.error

    with db.session() as s:
        [item] = s.scalars(select(OutboxItem).where(OutboxItem.topic == FORM_TOPIC)).all()
        assert item.state == OutboxState.ACKNOWLEDGED
    r = requests.get(portal.url(URL), timeout=HTTP_TIMEOUT)  # no login
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-sha256"] == hashlib.sha256(r.content).hexdigest()
    fields = PdfReader(BytesIO(r.content)).get_fields()
    assert "autorisation_baignade" in fields and "e1_vaccin_diphterie" in fields
    assert set(fields) == set(PdfReader(BytesIO(expected)).get_fields())

    other = requests.get(portal.url("/documents/autre.pdf"), timeout=HTTP_TIMEOUT)
    assert other.status_code == 404 and "Document inconnu" in other.json()["detail"]


def test_only_the_back_office_publishes(portal):
    r = requests.put(
        portal.url("/staff/documents/formulaire-inscription.pdf"),
        data=b"%PDF-1.4 fake",
        headers={"Content-Type": "application/pdf", "X-Content-SHA256": "0" * 64},
        timeout=HTTP_TIMEOUT,
    )
    assert r.status_code == 401
