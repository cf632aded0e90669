"""The blank account-opening form: built from the catalogue and settings, read back by
pypdf, written by ``backoffice-cli families form-pdf``; French refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from io import BytesIO

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from backoffice.errors import UserError
from backoffice.models import ConsentDefinition, Role, Setting
from backoffice.services.common.actors import Actor, PermissionDenied, current_actor
from backoffice.services.families.form_pdf import blank_form, read_form
from fieldrules.child_file import VACCINES


@pytest.fixture
def blank(sqlite_db) -> bytes:
    with sqlite_db.session() as s:
        s.add(Setting(key="collectivity.name", value="Communauté de communes Sud Sarthe"))
        s.add(ConsentDefinition(code="baignade", label="Baignade surveillée", mandatory=False))
        s.add(ConsentDefinition(code="seul", label="Rentrer seul", asks_detail=True))
    with sqlite_db.session() as s:
        return blank_form(s, current_actor(s, "mhuet"))


def test_the_blank_form_asks_the_catalogue_and_the_compulsory_vaccines(blank):
    reader = PdfReader(BytesIO(blank))
    fields = reader.get_fields()
    assert len(reader.pages) == 5  # family, children, three fiches sanitaires
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Communauté de communes Sud Sarthe" in text
    assert "Baignade surveillée" in text and "Rentrer seul" in text
    for slot in (1, 2, 3):
        for code in VACCINES:
            assert f"e{slot}_vaccin_{code}" in fields and f"e{slot}_vaccin_{code}_date" in fields
    assert "autorisation_baignade" in fields and "autorisation_seul_precision" in fields
    assert "autorisation_baignade_precision" not in fields
    assert fields["payeur"]["/_States_"] == ["/r1", "/r2"]


def test_the_blank_form_reads_back_empty(blank):
    form = read_form(Actor(None, "a", Role.AGENT), blank)
    assert form.children == [] and form.contacts == [] and form.family["family_name"] == ""
    assert form.consents == {"baignade": (None, ""), "seul": (None, "")}


def test_reading_refuses_other_files_and_roles_in_french(blank):
    agent = Actor(None, "a", Role.AGENT)
    with pytest.raises(UserError, match="n'est pas un PDF"):
        read_form(agent, b"PK\x03\x04 not a pdf")
    with pytest.raises(UserError, match="n'a pas pu être lu"):
        read_form(agent, b"%PDF-1.4\n%%EOF\n")
    scanned = BytesIO()
    page = Canvas(scanned)
    page.drawString(100, 700, "Formulaire scanné")
    page.save()
    with pytest.raises(UserError, match="formulaire scanné se saisit à la main"):
        read_form(agent, scanned.getvalue())
    with pytest.raises(PermissionDenied, match="rôle"):
        read_form(Actor(None, "r", Role.ACCOUNTANT), blank)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backoffice.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_writes_the_blank_form(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    out = tmp_path / "formulaire.pdf"
    done = _cli("--database-url", url, "families", "form-pdf", "--output", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["output"] == str(out)
    assert "famille_nom" in PdfReader(out).get_fields()
    missing = _cli("--database-url", url, "families", "form-pdf")
    assert missing.returncode == 2 and "--output" in missing.stderr
    bad = _cli(
        "--database-url", url, "families", "form-pdf", "--output", str(tmp_path / "no" / "x.pdf")
    )
    assert bad.returncode == 1 and bad.stderr.startswith("Erreur : ")
