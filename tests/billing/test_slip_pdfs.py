"""A cheque deposit slip's PDF on disk (services.billing.slip_pdfs) and ``payments slip --pdf``:
written into a folder, refused with a French message when the folder cannot be written."""

from __future__ import annotations

import io
import json
from datetime import date

import pypdf
import pytest
from sqlalchemy import func, select

from backoffice.cli import app as cli
from backoffice.errors import UserError
from backoffice.models import DepositSlip, Payment, PaymentMode
from backoffice.paths import slips_dir
from backoffice.services.billing import issue_run, record_payment
from backoffice.services.billing.slip_pdfs import create_deposit_slip_pdf, write_slip_pdf
from backoffice.services.common.actors import current_actor

NUMBER = "BR-ALSH-2026-00001"


@pytest.fixture
def cheques(db, world):
    """Two cheques of F00042 at the ALSH desk, not yet deposited; the acting régisseur."""
    with db.session() as s:
        issue_run(s, "ALSH", date(2026, 7, 1), date(2026, 7, 31), issue_date=date(2026, 6, 25))
    with db.session() as s:
        record_payment(s, "F00042", "ALSH", "cheque", "50.00", bank="CIC", number="1234567")
        record_payment(s, "F00042", "ALSH", "cheque", "12.50", bank="La Poste", number="7654321")
        return current_actor(s, "regisseur")


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def slip_count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(DepositSlip.id)))


def test_a_new_slip_and_its_pdf_in_a_folder(db, cheques, tmp_path):
    new = create_deposit_slip_pdf(
        db, cheques, "ALSH", deposit_date=date(2026, 6, 29), folder=tmp_path / "remises"
    )
    assert (new.number, new.slip.count, new.error) == (NUMBER, 2, "")
    assert new.path == tmp_path / "remises" / f"{NUMBER}.pdf"
    data = new.path.read_bytes()
    assert data.startswith(b"%PDF") and NUMBER in pdf_text(data)
    assert [p.name for p in new.path.parent.iterdir()] == [f"{NUMBER}.pdf"]  # no temporary left

    # Printed again (another folder, lower-case number typed): the same slip.
    again = write_slip_pdf(db, cheques, NUMBER.lower(), tmp_path)
    assert again == tmp_path / f"{NUMBER}.pdf" and NUMBER in pdf_text(again.read_bytes())
    # By default, the slips folder of the data directory.
    assert write_slip_pdf(db, cheques, NUMBER) == slips_dir() / f"{NUMBER}.pdf"


def test_a_folder_that_cannot_be_written_gives_a_french_message(db, cheques, tmp_path):
    blocker = tmp_path / "remises"
    blocker.write_text("un fichier, pas un dossier")  # tests may run as root: no chmod
    new = create_deposit_slip_pdf(db, cheques, "ALSH", folder=blocker)
    # The slip is recorded all the same (committed first), without its PDF.
    assert new.number == NUMBER and new.path is None and slip_count(db) == 1
    assert new.error.startswith(
        f"Le bordereau {NUMBER} est établi, mais son PDF n'a pas été écrit."
    )
    assert f"Impossible de créer le dossier {blocker}" in new.error

    with pytest.raises(UserError) as caught:
        write_slip_pdf(db, cheques, NUMBER, blocker / "sous-dossier")
    assert str(caught.value) == (
        f"Impossible de créer le dossier {blocker / 'sous-dossier'} : "
        "un fichier porte le nom d'un des dossiers du chemin."
    )
    # A folder where the PDF should be: the file cannot replace it, no temporary is left.
    out = tmp_path / "sortie"
    (out / f"{NUMBER}.pdf").mkdir(parents=True)
    with pytest.raises(UserError, match=f"Impossible d'écrire le fichier .*{NUMBER}.pdf : "):
        write_slip_pdf(db, cheques, NUMBER, out)
    assert [p.name for p in out.iterdir()] == [f"{NUMBER}.pdf"]


def test_unknown_slip(db, cheques, tmp_path):
    with pytest.raises(UserError, match="Bordereau de remise introuvable : BR-ALSH-2026-00099"):
        write_slip_pdf(db, cheques, "BR-ALSH-2026-00099", tmp_path / "sortie")
    assert not (tmp_path / "sortie").exists()


# -- backoffice-cli payments slip … --pdf ------------------------------------------------------


@pytest.fixture
def run(db, cheques, monkeypatch, capsys):
    monkeypatch.setenv("BACKOFFICE_USER", "regisseur")

    def call(*argv):
        try:
            code = cli.main(["--database-url", db.url, *argv])
        except SystemExit as exc:  # usage errors (argparse)
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return call


def test_cli_writes_the_slip_pdf(run, db, tmp_path):
    code, out, err = run(
        "payments", "slip", "--regie", "ALSH", "--create", "--date", "2026-06-29",
        "--pdf", str(tmp_path),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert f"Bordereau {NUMBER} — régie ALSH : 2 chèque(s)" in out
    assert f"PDF du bordereau écrit : {tmp_path / (NUMBER + '.pdf')}" in out
    assert NUMBER in pdf_text((tmp_path / f"{NUMBER}.pdf").read_bytes())

    code, out, _ = run(
        "payments", "slip", "--number", NUMBER, "--pdf", str(tmp_path / "bis"), "--json"
    )
    data = json.loads(out)
    assert code == 0 and (data["number"], data["count"]) == (NUMBER, 2)
    assert data["pdf"] == str(tmp_path / "bis" / f"{NUMBER}.pdf")
    code, out, _ = run("payments", "slip", "--number", NUMBER, "--pdf")
    assert code == 0 and f"PDF du bordereau écrit : {slips_dir() / (NUMBER + '.pdf')}" in out
    code, out, _ = run("payments", "slip", "--number", NUMBER)  # shown, nothing written
    assert code == 0 and "PDF" not in out and f"Bordereau {NUMBER}" in out


def test_cli_slip_pdf_errors_in_french(run, db, tmp_path):
    code, _, err = run("payments", "slip", "--regie", "ALSH", "--pdf", str(tmp_path))
    assert code == 1 and "Erreur : Le PDF est celui d'un bordereau établi" in err
    code, _, err = run("payments", "slip", "--number", NUMBER, "--create")
    assert code == 1 and "Erreur : --create établit un nouveau bordereau" in err
    code, _, err = run("payments", "slip")
    assert code == 2 and "un de ces arguments est obligatoire : --regie --number" in err

    blocker = tmp_path / "remises"
    blocker.write_text("x")
    code, out, err = run("payments", "slip", "--regie", "ALSH", "--create", "--pdf", str(blocker))
    assert code == 1 and f"Bordereau {NUMBER}" in out  # recorded, and said so
    assert f"Erreur : Le bordereau {NUMBER} est établi, mais son PDF n'a pas été écrit." in err
    assert f"Impossible de créer le dossier {blocker}" in err
    assert f"payments slip --number {NUMBER} --pdf" in err
    assert slip_count(db) == 1
    with db.session() as s:  # the cheques are on the slip
        assert not s.scalar(
            select(func.count(Payment.id)).where(
                Payment.mode == PaymentMode.CHEQUE, Payment.deposit_slip_id.is_(None)
            )
        )
    code, _, err = run("payments", "slip", "--number", NUMBER, "--pdf", str(blocker))
    assert code == 1 and err.startswith(f"Erreur : Impossible de créer le dossier {blocker}")
