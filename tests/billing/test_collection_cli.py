"""``tresor pes``, ``sepa run`` and ``sepa reject`` through the CLI parser."""

from __future__ import annotations

from datetime import date

import pytest
from collection_world import GOOD_BIC, GOOD_IBAN, REGISSEUR, demo_month
from sqlalchemy import select

from backoffice.cli import app as cli
from backoffice.models import Family, Invoice, InvoiceState, SepaDebit
from backoffice.services.billing.sepa import save_mandate


@pytest.fixture
def run(sqlite_db, monkeypatch, capsys):
    demo_month(sqlite_db, "PERI", "ALSH")

    def call(*argv, user="jfoucault"):
        monkeypatch.setenv("BACKOFFICE_USER", user)
        code = cli.main(["--database-url", sqlite_db.url, *map(str, argv)])
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_pes_and_sepa_from_the_command_line(run, sqlite_db, tmp_path):
    code, out, _ = run(
        "tresor",
        "pes",
        "--regie",
        "PERI",
        "--period",
        "2026-10",
        "--out",
        tmp_path,
        "--date",
        "2026-11-20",
    )
    assert code == 0 and "PES_ORMC_PERI_2026_B0001.xml : bordereau n° 1" in out
    assert (tmp_path / "PES_ORMC_PERI_2026_B0001.xml").exists()
    code, _, err = run("tresor", "pes", "--regie", "PERI", "--period", "2026-10", "--out", tmp_path)
    assert code == 1 and "Aucune facture de la régie PERI" in err

    with sqlite_db.session() as s:
        family_id = s.scalar(select(Invoice.family_id).where(Invoice.number.like("ALSH-%")))
        code_family = s.get(Family, family_id).code
        save_mandate(
            s,
            REGISSEUR,
            code_family,
            debtor_name="Camille Dupont",
            iban=GOOD_IBAN,
            bic=GOOD_BIC,
            signed_on=date(2026, 9, 1),
        )
    code, _, err = run(
        "sepa", "run", "--regie", "ALSH", "--due", "2026-11-30", "--out", tmp_path, user="mhuet"
    )
    assert code == 1 and "régisseur ou administrateur" in err  # the demo's desk agent
    code, out, _ = run(
        "sepa",
        "run",
        "--regie",
        "ALSH",
        "--due",
        "2026-11-30",
        "--period",
        "2026-10",
        "--out",
        tmp_path,
    )
    assert code == 0 and "FRST, 0 RCUR), " in out and "SEPA_ALSH_2026-11-30_0001.xml" in out
    with sqlite_db.session() as s:
        debit = s.scalars(select(SepaDebit)).first()
        payment_id, invoice_id = debit.payment_id, debit.invoice_id
    code, out, _ = run("sepa", "reject", payment_id, "--reason", "MD06", "--date", "2026-12-02")
    assert code == 0 and "Rejet MD06 enregistré" in out
    with sqlite_db.session() as s:
        assert s.get(Invoice, invoice_id).state is InvoiceState.ISSUED
