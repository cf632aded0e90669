"""Helpers of the sync tests: an agent opening accounts, a parent using the portal."""

from __future__ import annotations

from datetime import date

from portal_testkit import HTTP_TIMEOUT, PASSWORD, STAFF_TOKEN

from backoffice.models import AllowanceScheme, Family, Sex
from backoffice.services.families import accounts
from backoffice.services.families.accounts import AccountForm, ChildForm, GuardianForm
from backoffice.sync import PortalClient

TODAY = date(2026, 11, 27)


def make_client(portal, **options) -> PortalClient:
    options.setdefault("retries", 1)
    options.setdefault("backoff", 0)
    options.setdefault("timeout", (HTTP_TIMEOUT, HTTP_TIMEOUT))
    return PortalClient(portal.base, STAFF_TOKEN, **options)


def form(login: str, family_name: str = "Lemoine", first_name: str = "Lou") -> AccountForm:
    return AccountForm(
        family_name=family_name,
        address_line1="12 rue du Mail",
        postcode="72800",
        commune="Le Lude",
        phone="0243940012",
        login_email=login,
        allowance_scheme=AllowanceScheme.NONE,
        guardians=[
            GuardianForm(
                last_name=family_name,
                first_name="Sophie",
                relationship="mère",
                is_payer=True,
                mobile_phone="0612345678",
                email=login,
            )
        ],
        children=[
            ChildForm(
                first_name=first_name,
                sex=Sex.FEMALE,
                birth_date=date(2018, 5, 3),
                school="École Jean Moulin",
                school_class="CE2",
            )
        ],
    )


def open_account(db, agent, login: str, **kwargs) -> tuple[int, str]:
    """(family id, family code) of a new account opened at the desk."""
    with db.session() as s:
        family = accounts.open_account(s, agent, form(login, **kwargs), TODAY)
        return family.id, family.code


def family(db, family_id: int) -> Family:
    with db.session() as s:
        f = s.get(Family, family_id)
        _ = list(f.guardians), list(f.children)
        return f


class Parent:
    """A parent on the portal: activates from the e-mail, then edits."""

    def __init__(self, portal, smtp_sink, login: str):
        self.portal, self.login = portal, login
        token = smtp_sink.last_to(login).token
        r = portal.post(
            "/auth/activate",
            json={"token": token, "password": PASSWORD, "password_confirmation": PASSWORD},
        )
        assert r.status_code == 200, r.text
        self.token = r.json()["access_token"]

    def edit_family(self, **changes) -> dict:
        current = self.portal.parent("GET", "/me/family", self.token).json()
        body = {
            k: current[k]
            for k in (
                "address_line1",
                "address_line2",
                "postcode",
                "commune",
                "phone",
                "billing_email",
            )
        }
        body.update(changes)
        r = self.portal.parent("PUT", "/me/family", self.token, json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def edit_child(self, child_ref: str, block: str, body) -> dict:
        r = self.portal.parent("PUT", f"/me/children/{child_ref}/{block}", self.token, json=body)
        assert r.status_code == 200, r.text
        return r.json()
