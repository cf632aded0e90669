"""Families search and detail, on SQLite and PostgreSQL; the CLI on top of them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from backoffice.models import (
    AccountState,
    AllowanceScheme,
    Child,
    Family,
    FamilyQuotient,
    Guardian,
    Sex,
)
from backoffice.services.families.queries import (
    NotFound,
    count_families,
    find_family_id,
    get_family_detail,
    refresh_search_text,
    search_families,
)

pytestmark = pytest.mark.postgres


def _add_family(session, code, name, commune, children, state=AccountState.ACTIVE):
    family = Family(
        code=code,
        name=name,
        commune=commune,
        postcode="72800",
        account_state=state,
        address_line1="1 place de l'Église",
        login_email=f"{code.lower()}@example.org",
    )
    family.guardians.append(
        Guardian(
            last_name=name,
            first_name="Claire",
            is_payer=True,
            mobile_phone="06 12 34 56 78",
            relationship_label="mère",
        )
    )
    for first, born in children:
        family.children.append(
            Child(last_name=name, first_name=first, sex=Sex.FEMALE, birth_date=born)
        )
    family.quotients.append(
        FamilyQuotient(quotient=740, valid_from=date(2026, 1, 1), source=AllowanceScheme.CAF)
    )
    refresh_search_text(family)
    session.add(family)
    return family


@pytest.fixture
def families(db):
    with db.session() as s:
        _add_family(
            s, "F00001", "MARTIN", "Le Lude", [("Zoé", date(2018, 3, 2)), ("Léo", date(2020, 6, 1))]
        )
        _add_family(s, "F00002", "DURAND", "Mayet", [("Inès", date(2016, 9, 9))])
        _add_family(
            s,
            "F00003",
            "LEFÈVRE",
            "Aubigné-Racan",
            [("Chloé", date(2019, 1, 5))],
            state=AccountState.AWAITING_ACTIVATION,
        )
        _add_family(s, "F00004", "100%_BIO", "Vaas", [])
    return db


def test_search_matches_family_child_commune_and_identifier(families):
    with families.session() as s:
        assert [r.code for r in search_families(s, "")] == ["F00004", "F00002", "F00003", "F00001"]
        assert [r.code for r in search_families(s, "zoe")] == ["F00001"]
        assert [r.code for r in search_families(s, "Zoé")] == ["F00001"]
        assert [r.code for r in search_families(s, "le")] == ["F00003", "F00001"]
        assert [r.code for r in search_families(s, "mayet")] == ["F00002"]
        assert [r.code for r in search_families(s, "f00003")] == ["F00003"]
        assert [r.code for r in search_families(s, "lefevre chloe")] == ["F00003"]
        assert search_families(s, "lefevre ines") == []
        # LIKE wildcards typed by an agent are literal characters.
        assert [r.code for r in search_families(s, "100%_")] == ["F00004"]
        assert [r.code for r in search_families(s, "%")] == ["F00004"]
        assert count_families(s, "le") == 2


def test_rows_carry_children_and_paging_is_stable(families):
    with families.session() as s:
        martin = search_families(s, "martin")[0]
        assert martin.children == "Zoé, Léo"
        assert martin.account_state_label == "Actif"
        first = search_families(s, "", offset=0, limit=2)
        second = search_families(s, "", offset=2, limit=2)
        assert [r.code for r in first + second] == ["F00004", "F00002", "F00003", "F00001"]


def test_detail_summarises_each_child(families):
    with families.session() as s:
        detail = get_family_detail(s, find_family_id(s, "f00001"), today=date(2026, 11, 27))
        assert detail.quotient == 740
        assert [c.full_name for c in detail.children] == ["Zoé MARTIN", "Léo MARTIN"]
        zoe = detail.children[0]
        assert zoe.age == 8
        assert "Fiche sanitaire" in zoe.missing and not detail.complete
        with pytest.raises(NotFound, match="Aucune famille"):
            find_family_id(s, "F99999")


def _cli(*args, url):
    return subprocess.run(
        [sys.executable, "-m", "backoffice.cli", "--database-url", url, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_lists_and_shows_families(families):
    url = families.url
    listed = _cli("families", "list", "--search", "zoé", "--json", url=url)
    assert listed.returncode == 0, listed.stderr
    assert [f["code"] for f in json.loads(listed.stdout)] == ["F00001"]
    shown = _cli("families", "show", "F00001", "--json", url=url)
    data = json.loads(shown.stdout)
    assert data["children"][0]["name"] == "Zoé MARTIN" and data["quotient"] == 740
    text = _cli("families", "show", "F00001", url=url)
    assert "Enfant : Zoé MARTIN" in text.stdout
    missing = _cli("families", "show", "F12345", url=url)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Erreur : Aucune famille ne correspond à « F12345 »."
