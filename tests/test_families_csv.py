"""Families CSV import/export: every row checked first, all or nothing, Excel encodings."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backoffice.cli import app as cli
from backoffice.demo.load import load_demo
from backoffice.errors import UserError
from backoffice.models import (
    AccountState,
    AuditAction,
    AuditEvent,
    Child,
    Family,
    Guardian,
    OutboxItem,
    Role,
    StaffUser,
)
from backoffice.services.common.actors import current_actor
from backoffice.services.common.validation import format_phone
from backoffice.services.database import open_database
from backoffice.services.families.csv_export import export_families_csv
from backoffice.services.families.csv_format import HEADERS
from backoffice.services.families.csv_import import CsvImportError, import_families_csv
from backoffice.services.families.queries import search_families

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 27)
COMMUNES = [
    ("72800", "Le Lude"),
    ("72360", "Mayet"),
    ("72500", "Vaas"),
    ("72510", "Pontvallain"),
    ("72800", "Aubigné-Racan"),
]
SURNAMES = ["Martin", "Lefèvre", "Durand", "Hervé", "Pasquier", "Rousseau", "Gaultier", "Besnier"]
FIRSTS = ["Chloé", "Léo", "Inès", "Noé", "Zoé", "Maël", "Anaïs", "Jules", "Éléna", "Timéo"]


def _family_rows(number: int) -> list[dict[str, str]]:
    """One hand-made family (every fourth has two children, so two rows)."""
    postcode, commune = COMMUNES[number % len(COMMUNES)]
    surname = SURNAMES[number % len(SURNAMES)]
    family = {
        "Réf. famille": str(number),
        "Nom de la famille": surname.upper(),
        "Adresse": f"{number} rue de la Gare",
        "Code postal": postcode,
        "Commune": commune,
        "Téléphone du foyer": f"02 43 {10 + number // 10000:02d} {number // 100 % 100:02d} {number % 100:02d}",
        "E-mail (identifiant du portail)": f"famille{number}@example.org",
        "Régime (CAF/MSA/aucun)": "CAF",
        "N° allocataire": f"{1000000 + number}",
        "QF": str(400 + number % 900),
        "QF valable du": "01/01/2026",
        "Payeur (1 ou 2)": "1",
        "Resp. 1 civilité": "Mme",
        "Resp. 1 nom": surname,
        "Resp. 1 prénom": "Claire",
        "Resp. 1 lien": "mère",
        "Resp. 1 portable": f"06 12 {number // 10000:02d} {number // 100 % 100:02d} {number % 100:02d}",
        "Resp. 2 nom": surname,
        "Resp. 2 prénom": "Marc",
        "Resp. 2 lien": "père",
    }
    children = 2 if number % 4 == 0 else 1
    rows = []
    for index in range(children):
        row = dict(family) if index == 0 else {"Réf. famille": str(number)}
        row.update(
            {
                "Prénom de l'enfant": FIRSTS[(number + index) % len(FIRSTS)],
                "Sexe (F/M)": "F" if (number + index) % 2 else "M",
                "Date de naissance": f"{date(2014, 1, 1) + timedelta(days=5 * number + 400 * index):%d/%m/%Y}",
                "École": "École Jean-de-La-Fontaine (Le Lude)",
                "Classe": "CE1",
            }
        )
        rows.append(row)
    return rows


def _rows(families: int) -> list[dict[str, str]]:
    return [row for number in range(1, families + 1) for row in _family_rows(number)]


def _write(path: Path, rows, *, encoding="utf-8-sig", delimiter=";", headers=HEADERS) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers, delimiter=delimiter, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def agent(db):
    with db.session() as s:
        s.add(StaffUser(login="mhuet", full_name="Mélanie Huet", role=Role.AGENT))
    with db.session() as s:
        return current_actor(s, "mhuet")


def _import(db, agent, path, **kwargs):
    with db.session() as s:
        return import_families_csv(s, agent, path, TODAY, **kwargs)


def _count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_three_bad_rows_among_500_import_nothing_then_the_fixed_file_imports_all(
    db, agent, tmp_path
):
    rows = _rows(500)
    assert len(rows) == 625
    good = [dict(r) for r in rows]
    # Line numbers in the file: the header is line 1, rows[i] is line i + 2.
    rows[15]["Téléphone du foyer"] = "0243"
    rows[300]["Date de naissance"] = "31/02/2019"
    rows[601]["Code postal"], rows[601]["Commune"] = "72800", "Mayet"
    path = _write(tmp_path / "familles.csv", rows)

    with pytest.raises(CsvImportError) as caught:
        _import(db, agent, path)
    exc = caught.value
    assert exc.bad_lines == [17, 302, 603]
    assert exc.errors == [
        (17, "« 0243 » n'est pas un numéro de téléphone français valide (Téléphone du foyer)."),
        (302, "« 31/02/2019 » n'est pas une date valide (Date de naissance) : écrivez JJ/MM/AAAA."),
        (
            603,
            "La commune « Mayet » ne correspond pas au code postal 72800 (Aubigné-Racan, "
            "La Chapelle-aux-Choux, Coulongé, Luché-Pringé, Le Lude, Saint-Germain-d'Arcé).",
        ),
    ]
    assert str(exc).splitlines()[0] == (
        "ligne 17 : « 0243 » n'est pas un numéro de téléphone français valide (Téléphone du foyer)."
    )
    assert _count(db, Family) == _count(db, Child) == _count(db, OutboxItem) == 0

    report = _import(db, agent, _write(tmp_path / "corrige.csv", good))
    assert (report.families, report.children, report.guardians) == (500, 625, 1000)
    assert report.codes[0] == "F00001" and report.codes[-1] == "F00500"
    assert _count(db, Family) == 500
    assert _count(db, Child) == 625
    assert _count(db, Guardian) == 1000


def test_cli_prints_each_bad_line_and_exits_1(db_url, db, agent, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BACKOFFICE_USER", "mhuet")
    rows = _rows(6)
    rows[2]["Resp. 1 e-mail"] = "claire@@example"
    rows[4]["Sexe (F/M)"] = "X"
    path = _write(tmp_path / "f.csv", rows)
    assert cli.main(["--database-url", db_url, "families", "import", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "ligne 4 : « claire@@example » n'est pas une adresse e-mail valide (E-mail du responsable 1).",
        "ligne 6 : « X » n'est pas un sexe reconnu (Sexe (F/M)) : écrivez F ou M.",
        "Erreur : 2 ligne(s) en erreur sur 7 : rien n'a été importé.",
    ]
    assert cli.main(["--database-url", db_url, "families", "import", str(path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["bad_lines"] == [4, 6]

    good = _write(tmp_path / "g.csv", _rows(6))
    assert cli.main(["--database-url", db_url, "families", "import", str(good), "--dry-run"]) == 0
    assert "aucune erreur ; 6 famille(s)" in capsys.readouterr().out
    assert _count(db, Family) == 0
    assert cli.main(["--database-url", db_url, "families", "import", str(good), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["families"], out["children"], out["first_code"]) == (6, 7, "F00001")
    assert _count(db, Family) == 6


def test_windows_1252_with_semicolons_and_accents(db, agent, tmp_path):
    rows = _family_rows(3)
    rows[0].update(
        {
            "Nom de la famille": "LEFÈVRE",
            "Commune": "Château-l'Hermitage",
            "Code postal": "72510",
            "Resp. 1 prénom": "Hélène",
            "Notes": "Œuvre : garde alternée",
        }
    )
    rows[0]["Prénom de l'enfant"] = "Maëlys"
    path = _write(tmp_path / "excel.csv", rows, encoding="cp1252")
    assert "Maëlys".encode("cp1252") in path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    report = _import(db, agent, path)
    assert (report.encoding, report.delimiter, report.families) == ("Windows-1252", ";", 1)
    with db.session() as s:
        family = s.scalars(select(Family)).one()
        assert (family.name, family.commune, family.notes) == (
            "LEFÈVRE",
            "Château-l'Hermitage",
            "Œuvre : garde alternée",
        )
        assert family.guardians[0].first_name == "Hélène"
        assert [c.first_name for c in family.children] == ["Maëlys"]
        assert family.children[0].last_name == "LEFÈVRE"


def test_utf8_bom_with_commas_and_quoted_cells(db, agent, tmp_path):
    rows = _rows(4)
    rows[0]["Adresse"] = "3, rue du Prieuré"
    rows[0]["Notes"] = "Deux lignes,\navec une virgule"
    path = _write(tmp_path / "virgules.csv", rows, delimiter=",")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = _import(db, agent, path)
    assert (report.encoding, report.delimiter, report.families, report.children) == (
        "UTF-8 (BOM)",
        ",",
        4,
        5,
    )
    with db.session() as s:
        family = s.scalars(select(Family).where(Family.code == "F00001")).one()
        assert family.address_line1 == "3, rue du Prieuré"
        assert family.notes == "Deux lignes,\navec une virgule"
        assert family.phone == "02 43 10 00 01"


def test_plain_utf8_excel_leading_zero_loss_and_reordered_columns(db, agent, tmp_path):
    """Excel turns 0612… into 612… and 01000 into 1000; headers differ in case/accents."""
    rows = _family_rows(2)
    rows[0]["Resp. 1 portable"] = "612345678"
    headers = [h.upper().replace("É", "E") for h in reversed(HEADERS)]
    upper_rows = [{h.upper().replace("É", "E"): v for h, v in row.items()} for row in rows]
    path = _write(tmp_path / "maj.csv", upper_rows, encoding="utf-8", headers=headers)
    report = _import(db, agent, path)
    assert (report.encoding, report.families) == ("UTF-8", 1)
    with db.session() as s:
        assert s.scalars(select(Guardian.mobile_phone).where(Guardian.rank == 1)).one() == (
            "06 12 34 56 78"
        )


def test_structure_errors_and_duplicates(db, agent, tmp_path):
    with db.session() as s:
        existing = Family(code="F00007", name="EXISTANT", login_email="famille5@example.org")
        existing.children.append(
            Child(last_name="Martin", first_name="Elena", sex="F", birth_date=date(2014, 2, 10))
        )
        s.add(existing)
    rows = _rows(8)
    # rows: 1,2,3,4(2 rows),5,6,7,8(2 rows) → line of family n's first row
    lines = {}
    for index, row in enumerate(rows):
        lines.setdefault(row["Réf. famille"], index + 2)
    rows[lines["4"] - 1]["Code postal"] = "72360"  # second row of family 4 contradicts the first
    rows[lines["2"] - 2]["Réf. famille"] = "F00007"  # an identifier that exists already
    twin = dict(rows[lines["6"] - 2])
    twin["Réf. famille"] = "99"
    twin["E-mail (identifiant du portail)"] = "autre@example.org"
    rows.append(twin)  # same child as family 6's, in another family
    # family 8's first child, Éléna MARTIN born 10/02/2014, is already in the database
    path = _write(tmp_path / "doublons.csv", rows)
    with pytest.raises(CsvImportError) as caught:
        _import(db, agent, path)
    messages = dict(caught.value.errors)
    assert messages[lines["4"] + 1] == (
        "« 72360 » diffère de la ligne 5 (« 72800 ») pour la même famille 4 (Code postal) : "
        "laissez la cellule vide ou répétez la même valeur."
    )
    assert messages[lines["2"]] == "l'identifiant F00007 existe déjà dans la base."
    assert messages[lines["5"]] == (
        "même e-mail (identifiant du portail) que la famille F00007 : « famille5@example.org »."
    )
    assert messages[len(rows) + 1] == (
        f"même enfant qu'à la ligne {lines['6']} : Anaïs GAULTIER, né(e) le 31/01/2014."
    )
    assert messages[lines["8"]] == (
        "même enfant que dans la famille F00007 : Éléna MARTIN, né(e) le 10/02/2014."
    )
    assert len(caught.value.errors) == 5
    assert _count(db, Family) == 1

    bad_header = tmp_path / "entete.csv"
    bad_header.write_text(
        "Réf. famille;Nom de famile;Prénom de l'enfant\n1;X;Y\n", encoding="utf-8"
    )
    with pytest.raises(CsvImportError) as caught:
        _import(db, agent, bad_header)
    assert caught.value.errors == [
        (1, "colonne « Nom de famile » inconnue (voir la liste des colonnes).")
    ]


def test_imported_families_are_searchable_queued_and_audited(db, agent, tmp_path):
    _import(db, agent, _write(tmp_path / "f.csv", _rows(8)))
    with db.session() as s:
        assert sorted(r.code for r in search_families(s, "mael")) == ["F00004", "F00005"]
        assert [r.code for r in search_families(s, "timeo martin")] == ["F00008"]
        assert search_families(s, "timeo pasquier") == []
        family = s.scalars(select(Family).where(Family.code == "F00004")).one()
        assert family.account_state is AccountState.AWAITING_ACTIVATION
        assert (family.postcode, family.commune, family.insee_code) == (
            "72800",
            "Aubigné-Racan",
            "72013",
        )
        assert family.billing_email == family.login_email == "famille4@example.org"
        assert family.quotient_on(TODAY).quotient == 404
        assert [g.is_payer for g in family.guardians] == [True, False]
        items = s.scalars(
            select(OutboxItem).where(OutboxItem.family_id == family.id).order_by(OutboxItem.id)
        ).all()
        assert [i.topic for i in items] == ["account.upsert", "account.send_activation"]
        payload = items[0].payload
        assert (
            payload["family_code"] == "F00004" and payload["login_email"] == "famille4@example.org"
        )
        assert [c["id"] for c in payload["children"]] == [c.id for c in family.children]
        assert [c["first_name"] for c in payload["children"]] == ["Zoé", "Maël"]
        assert items[1].payload == {"family_code": "F00004"}
        assert s.scalar(select(func.count()).select_from(OutboxItem)) == 16
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.family_id == family.id).order_by(AuditEvent.id)
        ).all()
        assert {e.action for e in events} == {AuditAction.CREATE}
        assert {e.actor for e in events} == {"mhuet"}
        assert sorted(e.entity for e in events) == [
            "child",
            "child",
            "family",
            "family_quotient",
            "guardian",
            "guardian",
        ]
        child_events = [e for e in events if e.entity == "child"]
        assert sorted(e.child_id for e in child_events) == sorted(c.id for c in family.children)


def _repair_demo_phones(db) -> None:
    """The demo draws some mobiles in unallocated or overseas ranges (07 0x, 06 9x) that
    the account rules refuse; give those a valid metropolitan number."""

    def fix(value: str) -> str:
        try:
            return format_phone(value) if value else value
        except ValueError:
            return "06 1" + value[4:]

    with db.session() as s:
        for family in s.scalars(select(Family)):
            family.phone = fix(family.phone)
        for g in s.scalars(select(Guardian)):
            g.mobile_phone, g.home_phone, g.work_phone = (
                fix(g.mobile_phone),
                fix(g.home_phone),
                fix(g.work_phone),
            )


def test_export_then_import_into_an_empty_database_round_trips(db_url, db, tmp_path, capsys):
    source = open_database(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    try:
        load_demo(source, families=30, seed=4, today=TODAY)
        _repair_demo_phones(source)
        first = tmp_path / "export.csv"
        with source.session() as s:
            assert export_families_csv(s, first) == 30
            expected = {
                f.code: (f.name, f.login_email, sorted(c.first_name for c in f.children))
                for f in s.scalars(select(Family))
            }
    finally:
        source.dispose()
    data = first.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert data.decode("utf-8-sig").splitlines()[0].split(";") == HEADERS

    assert cli.main(["--database-url", db_url, "families", "import", str(first)]) == 0
    assert "30 famille(s)" in capsys.readouterr().out
    second = tmp_path / "reexport.csv"
    assert cli.main(["--database-url", db_url, "families", "export", str(second)]) == 0
    assert capsys.readouterr().out.strip() == f"30 famille(s) exportée(s) dans {second}."
    assert second.read_bytes() == data
    with db.session() as s:
        got = {
            f.code: (f.name, f.login_email, sorted(c.first_name for c in f.children))
            for f in s.scalars(select(Family))
        }
    assert got == expected
    # Importing the same file again: every family is a duplicate, nothing changes.
    with db.session() as s:
        actor = current_actor(s)
        with pytest.raises(CsvImportError) as caught:
            import_families_csv(s, actor, first, TODAY)
    assert len(caught.value.bad_lines) >= 30


def test_unreadable_files_get_a_french_message(db, agent, tmp_path):
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    with pytest.raises(UserError, match="première ligne"):
        _import(db, agent, empty)
    header_only = _write(tmp_path / "entete.csv", [])
    with pytest.raises(UserError, match="aucune ligne de données"):
        _import(db, agent, header_only)
    binary = tmp_path / "binaire.csv"
    binary.write_bytes(b"R\xe9f. famille;\x81\x8d\n")
    with pytest.raises(UserError, match="Encodage du fichier non reconnu"):
        _import(db, agent, binary)
    with pytest.raises(UserError, match="Impossible de lire"):
        _import(db, agent, tmp_path / "absent.csv")


def test_the_documented_example_imports(db, agent, tmp_path):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "families-csv.md").read_text("utf-8")
    block = next(b for b in doc.split("```") if b.lstrip("\n").startswith("Réf. famille;"))
    path = tmp_path / "exemple.csv"
    path.write_text(block.lstrip("\n"), encoding="utf-8")
    report = _import(db, agent, path)
    assert (report.families, report.children, report.guardians) == (2, 3, 3)
    with db.session() as s:
        lemoine = s.scalars(select(Family).where(Family.name == "LEMOINE")).one()
        assert [c.first_name for c in lemoine.children] == ["Lou", "Tom"]
        assert lemoine.quotient_on(TODAY).quotient == 712
        breton = s.scalars(select(Family).where(Family.name == "BRETON")).one()
        assert (breton.allowance_scheme.value, breton.phone) == ("none", "")
