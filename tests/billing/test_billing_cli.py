"""``invoices …`` and ``payments …`` commands (through the CLI parser with them registered)."""

from __future__ import annotations

import json

import pytest

from backoffice.cli import app as cli

pytestmark = pytest.mark.postgres


@pytest.fixture
def run(db, world, monkeypatch, capsys):
    monkeypatch.setenv("BACKOFFICE_USER", "regisseur")

    def call(*argv):
        code = cli.main(["--database-url", db.url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_preview_issue_and_listing(run, tmp_path):
    code, out, _ = run(
        "invoices", "preview", "--regie", "ALSH", "--period", "2026-07", "--date", "2026-06-25"
    )
    assert code == 0
    assert "1 facture(s), 12 ligne(s), total 129,67\u00a0€" in out
    assert "Réservation en attente de décision" in out
    code, out, _ = run(
        "invoices",
        "preview",
        "--regie",
        "PERI",
        "--period",
        "2026-03-01:2026-03-31",
        "--date",
        "2026-04-02",
        "--json",
    )
    data = json.loads(out)
    assert (data["invoices"], data["total"]) == (2, "26.75")
    assert {a["kind"] for a in data["anomalies"]} == {
        "no_attendance",
        "missing_qf",
        "no_billing_address",
    }
    code, out, _ = run(
        "invoices",
        "issue",
        "--regie",
        "ALSH",
        "--period",
        "2026-07",
        "--date",
        "2026-06-25",
        "--json",
    )
    assert code == 0 and json.loads(out)["first_number"] == "ALSH-2026-00001"
    code, out, _ = run(
        "invoices", "issue", "--regie", "ALSH", "--period", "2026-07", "--date", "2026-06-25"
    )
    assert code == 0 and "Rien à facturer" in out

    code, out, _ = run(
        "payments",
        "record",
        "--family",
        "F00042",
        "--regie",
        "ALSH",
        "--mode",
        "cheque",
        "--amount",
        "42.50",
        "--bank",
        "CIC",
        "--number",
        "99887766",
        "--date",
        "2026-06-28",
    )
    assert code == 0
    assert "Chèque de 42,50\u00a0€ — affecté à ALSH-2026-00001 (42,50\u00a0€)" in out
    code, out, _ = run("payments", "list", "--json")
    rows = json.loads(out)
    assert [(r["mode"], r["amount"], r["bank"], r["reference"]) for r in rows] == [
        ("cheque", "42.50", "CIC", "99887766")
    ]
    code, out, _ = run("payments", "unpaid", "--regie", "ALSH", "--date", "2026-07-10", "--json")
    assert [(r["number"], r["balance"], r["days_overdue"]) for r in json.loads(out)] == [
        ("ALSH-2026-00001", "87.17", 10)
    ]
    code, out, _ = run("payments", "balance", "--family", "F00042")
    assert "87,17\u00a0€ à payer" in out
    code, out, _ = run("payments", "slip", "--regie", "ALSH", "--create", "--date", "2026-06-29")
    assert "Bordereau BR-ALSH-2026-00001" in out and "1 chèque(s)" in out

    code, out, _ = run(
        "invoices",
        "credit-note",
        "ALSH-2026-00001",
        "--reason",
        "Erreur",
        "--lines",
        "1,2:5.00",
        "--date",
        "2026-07-01",
    )
    assert code == 0 and "Avoir AV-ALSH-2026-00001" in out and "16,20\u00a0€" in out
    target = tmp_path / "factures.csv"
    code, out, _ = run("invoices", "export-csv", str(target))
    assert code == 0 and "1 facture(s) exportée(s)" in out
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[1].startswith("ALSH-2026-00001;ALSH;F00042;Mme Claire Martin;")
    assert ";129,67;16,20;42,50;70,97;" in text
    code, out, _ = run("invoices", "export-csv", str(tmp_path / "lignes.csv"), "--lines")
    assert "12 ligne(s) de facture" in out


def test_errors_exit_1_in_french(run):
    code, _, err = run("invoices", "preview", "--regie", "XXX", "--period", "2026-07")
    assert code == 1 and "Erreur : Régie inconnue : « XXX »" in err
    code, _, err = run("invoices", "issue", "--regie", "ALSH", "--period", "juillet")
    assert code == 1 and "Période invalide" in err
    code, _, err = run(
        "payments",
        "record",
        "--family",
        "F00042",
        "--regie",
        "ALSH",
        "--mode",
        "cesu",
        "--amount",
        "10",
    )
    assert code == 1 and "moins de 6 ans" in err
    code, _, err = run("invoices", "credit-note", "ALSH-2026-00009", "--reason", "x")
    assert code == 1 and "Facture inconnue" in err
    code, _, err = run(
        "payments",
        "record",
        "--family",
        "F09999",
        "--regie",
        "ALSH",
        "--mode",
        "especes",
        "--amount",
        "10",
    )
    assert code == 1 and "Aucune famille" in err


def test_close_and_tresor(run):
    assert (
        run("invoices", "issue", "--regie", "PERI", "--period", "2026-03", "--date", "2026-04-02")[
            0
        ]
        == 0
    )
    code, out, _ = run(
        "invoices", "tresor", "PERI-2026-00001", "PERI-2026-00002", "--date", "2026-04-03"
    )
    assert code == 0 and "2 facture(s) transmise(s)" in out
    code, out, _ = run("invoices", "close", "--regie", "PERI", "--period", "2026-03")
    assert code == 0 and "clôturée" in out
    code, _, err = run("invoices", "issue", "--regie", "PERI", "--period", "2026-03")
    assert code == 1 and "clôturée" in err
