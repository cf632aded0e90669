"""One table of field values, fed to both sides' real entry points (issue #14).

For each value: the portal's HTTP API (served on loopback), the back-office's service
function (its transaction rolled back), and the back-office's sync pull — applying
what the portal accepted, or the same raw value put into the feed as a portal that
did not check it would. All three must accept or refuse alike: what the portal
accepts is never quarantined, what it refuses the back-office refuses too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sync_helpers import Parent, open_account

from backoffice.dates import paris_today
from backoffice.errors import UserError
from backoffice.models import Child, Family, QuarantinedChange
from backoffice.services.child_file.contacts import ContactForm, add_contact
from backoffice.services.child_file.editing import ChildInformationForm, save_child_information
from backoffice.services.child_file.medical import MedicalForm, VaccineAnswer, save_medical_record
from backoffice.services.families.edit import FamilyChanges, update_family
from backoffice.sync import run_round
from portal import feed

LOGIN = "sophie.lemoine@example.org"
BIRTH = date(2018, 5, 3)  # the child of sync_helpers.form
TOMORROW = (paris_today() + timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class Case:
    field: str
    value: str
    accepted: bool  # what both sides do with it

    def __str__(self) -> str:
        return f"{self.field}={self.value!r}"


CASES = [
    # names of the child (information block) and of a person to call
    Case("last_name", "LEFÈVRE-DUPONT", True),
    Case("last_name", "N'Diaye", True),
    Case("first_name", "Zoé Chloë", True),
    Case("first_name", "Ève\u2019Anne", True),
    Case("last_name", "MARTIN\u202eNITRAM", False),  # right-to-left override
    Case("first_name", "Lou\u200b", False),  # zero-width space
    Case("first_name", "\u2067Lou\u2069", False),  # right-to-left isolate
    Case("last_name", "Mar\x07tin", False),  # control character (bell)
    Case("last_name", "Mar\ntin", False),
    Case("last_name", "1234", False),  # no letter
    Case("first_name", "A" * 81, False),  # too long
    Case("contact_name", "Hélène d'Arc", True),
    Case("contact_name", "Durand\u202e", False),
    Case("contact_name", "Du\x1brand", False),
    # vaccination dates (child born on 3 May 2018)
    Case("vaccine_date", "2019-03-01", True),
    Case("vaccine_date", BIRTH.isoformat(), True),
    Case("vaccine_date", (BIRTH - timedelta(days=1)).isoformat(), False),
    Case("vaccine_date", "0001-01-01", False),
    Case("vaccine_date", TOMORROW, False),
    # the child's birth date
    Case("birth_date", "0001-01-01", False),
    Case("birth_date", "1990-01-01", False),  # would be over 25
    Case("birth_date", TOMORROW, False),
    Case("birth_date", "2016-02-29", True),
    # postcodes of the family's address
    Case("postcode", "72200", True),  # La Flèche
    Case("postcode", "7280", False),
    Case("postcode", "72 800", False),
    Case("postcode", "ABCDE", False),
    Case("postcode", "00100", False),
    # phones
    Case("phone", "02 43 94 00 12", True),
    Case("phone", "+33 6 12 34 56 78", True),
    Case("phone", "0692 12 34 56", True),  # La Réunion
    Case("phone", "+44 20 7946 0958", True),
    Case("phone", "0800 12 34 56", True),
    Case("phone", "0700000000", False),
    Case("phone", "0000000000", False),
    Case("phone", "612345678", True),  # the leading 0 left out, as spreadsheets lose it
    Case("phone", "06 12 34 56 7", False),
    Case("phone", "+999 123 456 789", False),
    Case("phone", "06 12 34 56 78\u202e", False),
    # e-mails
    Case("billing_email", "Factures.Lemoine@Example.fr", True),
    Case("billing_email", "élodie.lemoine@exemple.fr", True),
    Case("billing_email", "sophie@@example.org", False),
    Case("billing_email", "sophie@example", False),
    Case("billing_email", "sophie lemoine@example.org", False),
    Case("billing_email", "sophie@example.org\u202e", False),
]
COMMUNES = {"72200": "La Flèche"}


class Sides:
    """The portal as the parent uses it and the back-office as the agent and the sync do."""

    def __init__(self, db, agent, portal, client, parent: Parent, family_id: int):
        self.db, self.agent, self.portal, self.client = db, agent, portal, client
        self.parent, self.family_id = parent, family_id
        with db.session() as s:
            family = s.get(Family, family_id)
            self.code = family.code
            self.child_id = family.children[0].id
        self.child_ref = str(self.child_id)

    # -- the portal ---------------------------------------------------------------

    def portal_put(self, case: Case) -> tuple[bool, str]:
        """(accepted, French message when refused) of the parent's form on the portal."""
        p, token = self.portal, self.parent.token
        base = f"/me/children/{self.child_ref}"
        if case.field in ("last_name", "first_name", "birth_date"):
            info = p.parent("GET", base, token).json()["information"]
            r = p.parent("PUT", f"{base}/information", token, json=info | {case.field: case.value})
        elif case.field == "vaccine_date":
            body = {"vaccinations": [_vaccination(case.value)]}
            r = p.parent("PUT", f"{base}/medical", token, json=body)
        elif case.field == "contact_name":
            person = {
                "last_name": case.value,
                "first_name": "Annie",
                "relationship_label": "grand-mère",
                "phone1": "0612121212",
            }
            r = p.parent("PUT", f"{base}/emergency-contacts", token, json={"persons": [person]})
        else:
            current = p.parent("GET", "/me/family", token).json()
            body = {
                k: current[k]
                for k in ("address_line1", "address_line2", "postcode", "commune", "phone")
            }
            body["billing_email"] = current["billing_email"]
            body.update(_family_fields(case))
            r = p.parent("PUT", "/me/family", token, json=body)
        assert r.status_code in (200, 422), r.text
        return r.status_code == 200, "" if r.status_code == 200 else r.json()["detail"]

    # -- the back-office's service functions ----------------------------------------

    def service(self, case: Case) -> tuple[bool, str]:
        """(accepted, French message) of the agent typing the same value; rolled back."""
        today = paris_today()
        with self.db.sessionmaker() as s:
            try:
                child = s.get(Child, self.child_id)
                if case.field in ("last_name", "first_name", "birth_date"):
                    form = ChildInformationForm(
                        child.last_name,
                        child.first_name,
                        child.sex,
                        child.birth_date,
                        child.school,
                        child.school_class,
                        "",
                    )
                    if case.field == "birth_date":
                        form = replace(form, birth_date=date.fromisoformat(case.value))
                    else:
                        form = replace(form, **{case.field: case.value})
                    save_child_information(s, self.agent, child.id, form, child.version, today)
                elif case.field == "vaccine_date":
                    record = child.medical_record
                    answer = VaccineAnswer(done=True, last_date=date.fromisoformat(case.value))
                    save_medical_record(
                        s,
                        self.agent,
                        child.id,
                        MedicalForm(vaccines={"tetanos": answer}),
                        record.version if record else None,
                        today,
                    )
                elif case.field == "contact_name":
                    form = ContactForm(
                        last_name=case.value,
                        first_name="Annie",
                        relationship="grand-mère",
                        phone1="0612121212",
                    )
                    add_contact(s, self.agent, child.id, form)
                else:
                    family = s.get(Family, self.family_id)
                    changes = FamilyChanges(**_family_fields(case))
                    update_family(s, self.agent, family.id, changes, family.version)
            except UserError as exc:
                return False, str(exc)
            finally:
                s.rollback()
        return True, ""

    # -- the back-office's sync pull ----------------------------------------------------

    def pull(self, case: Case, portal_accepted: bool) -> bool | None:
        """Whether the pull applied the value without quarantine (None for the persons
        lists, which land in the requests inbox for an agent, unchecked)."""
        if case.field == "contact_name":
            run_round(self.db, self.client)
            return None
        if not portal_accepted:
            # What a portal without the shared rules would have sent.
            kind, after, child_ref = _raw_change(case)
            with self.portal.db.session() as ps:
                feed.append(
                    ps,
                    self.code,
                    kind,
                    {"before": {}, "after": after},
                    child_ref=self.child_ref if child_ref else None,
                )
        with self.db.session() as s:
            before = len(s.scalars(select(QuarantinedChange)).all())
        report = run_round(self.db, self.client)
        assert report.ok, report.error
        with self.db.session() as s:
            after = len(s.scalars(select(QuarantinedChange)).all())
        return after == before


def _vaccination(day: str) -> dict:
    return {"vaccine": "tetanos", "done": True, "last_date": day}


def _family_fields(case: Case) -> dict:
    if case.field == "postcode":
        return {"postcode": case.value, "commune": COMMUNES.get(case.value, "Le Lude")}
    return {case.field: case.value}


def _raw_change(case: Case) -> tuple[str, dict, bool]:
    """(feed kind, « after », is it a child's change) carrying the case's raw value."""
    if case.field in ("last_name", "first_name", "birth_date"):
        return "child.information.updated", {case.field: case.value}, True
    if case.field == "vaccine_date":
        return "child.medical.updated", {"vaccinations": [_vaccination(case.value)]}, True
    return "family.updated", _family_fields(case), False


@pytest.fixture
def sides(db, agent, portal, smtp_sink, client) -> Sides:
    family_id, _code = open_account(db, agent, LOGIN)
    assert run_round(db, client).ok
    parent = Parent(portal, smtp_sink, LOGIN)
    assert run_round(db, client).pull.by_kind == {"account.activated": 1}
    return Sides(db, agent, portal, client, parent, family_id)


def test_portal_and_back_office_accept_the_same_values(sides):
    differences = []
    for case in CASES:
        portal_ok, portal_message = sides.portal_put(case)
        service_ok, service_message = sides.service(case)
        pulled_ok = sides.pull(case, portal_ok)
        seen = {"portail": portal_ok, "back-office": service_ok}
        if pulled_ok is not None:
            seen["synchronisation"] = pulled_ok
        if set(seen.values()) != {case.accepted}:
            differences.append(f"{case}: {seen} {portal_message!r} {service_message!r}")
        for side, ok, message in (
            ("portail", portal_ok, portal_message),
            ("back-office", service_ok, service_message),
        ):
            if not ok and not message:
                differences.append(f"{case}: refusé par le {side} sans message")
    assert not differences, "\n".join(differences)


def test_bidi_override_in_a_name_is_refused_in_french_on_both_sides(sides):
    case = Case("first_name", "Lou\u202euoL", False)

    portal_ok, portal_message = sides.portal_put(case)
    service_ok, service_message = sides.service(case)

    assert not portal_ok and not service_ok
    expected = (
        "Le champ « Prénom » contient un caractère invisible ou de contrôle (U+202E) : "
        "retapez-le au clavier sans copier-coller."
    )
    assert portal_message == expected
    assert service_message == expected


def test_year_one_birth_date_and_vaccine_before_birth_are_refused_by_the_portal(sides):
    birth_ok, birth_message = sides.portal_put(Case("birth_date", "0001-01-01", False))
    vaccine_ok, vaccine_message = sides.portal_put(Case("vaccine_date", "2018-05-02", False))

    assert not birth_ok and not vaccine_ok
    assert birth_message == (
        "Le champ « Date de naissance » n'est pas plausible (01/01/0001) : "
        "l'enfant aurait plus de 25 ans."
    )
    assert vaccine_message == (
        "Vaccin « Tétanos » : la date de dernière vaccination (02/05/2018) "
        "précède la naissance de l'enfant (03/05/2018)."
    )
    # Nothing reached the feed, so the back-office has nothing to quarantine.
    report = run_round(sides.db, sides.client)
    assert report.ok and report.pull.received == 0


def test_list_valued_codes_are_quarantined_with_a_french_reason(sides):
    """A portal sending a list where a code is expected must not stop the pull."""
    changes = [
        {"vaccinations": [{"vaccine": ["tetanos"], "done": True, "last_date": "2019-03-01"}]},
        {"diseases": [{"disease": ["rougeole"], "had": True}]},
        {"allergies": [{"allergy": ["asthme"], "present": True, "detail": "effort"}]},
    ]
    with sides.portal.db.session() as ps:
        for after in changes:
            feed.append(
                ps,
                sides.code,
                "child.medical.updated",
                {"before": {}, "after": after},
                child_ref=sides.child_ref,
            )
    sides.parent.edit_family(phone="0243445566")  # a later change still applies

    report = run_round(sides.db, sides.client)

    assert report.ok, report.error
    assert (report.pull.quarantined, report.pull.applied) == (3, 1)
    with sides.db.session() as s:
        reasons = [
            q.reason
            for q in s.scalars(select(QuarantinedChange).order_by(QuarantinedChange.feed_position))
        ]
        assert s.get(Family, sides.family_id).phone == "02 43 44 55 66"
    assert reasons == [
        "Vaccin inconnu du back-office : « ['tetanos'] ».",
        "Maladie inconnue du back-office : « ['rougeole'] ».",
        "Allergie inconnue du back-office : « ['asthme'] ».",
    ]
