"""A whole run: every PDF written atomically, progress reported, queued for the portal."""

from __future__ import annotations

from datetime import date

import pypdf
import pytest
from invoice_kit import QF, add_invoice
from sqlalchemy import select

from backoffice.errors import UserError
from backoffice.models import InvoiceRun, OutboxItem
from backoffice.services.billing.invoice_pdfs import PORTAL_TOPIC, render_run


def make_run(db, world, n: int) -> tuple[int, list[int]]:
    with db.session() as s:
        run = InvoiceRun(
            regie_id=world.regie["ALSH"],
            period_start=date(2026, 7, 6),
            period_end=date(2026, 7, 31),
        )
        s.add(run)
        s.flush()
        run_id = run.id
    ids = []
    for i in range(n):
        lines = [
            (i % 2, date(2026, 7, 6 + k), "Journée (repas compris)", QF, "1", "14.20")
            for k in range(i + 1)
        ]
        ids.append(add_invoice(db, world, "ALSH", i + 1, lines, run_id=run_id))
    add_invoice(db, world, "ALSH", 99, lines)  # another invoice, not in the run
    return run_id, ids


def test_render_run_writes_every_pdf_and_queues_them(billing_db, world, tmp_path):
    run_id, ids = make_run(billing_db, world, 5)
    out = tmp_path / "factures"
    seen = []
    report = render_run(billing_db, run_id, out_dir=out, progress=lambda d, t: seen.append((d, t)))
    assert report.errors == []
    assert report.count == 5
    assert seen == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"ALSH-2026-{i:05d}.pdf" for i in range(1, 6)]  # no temp file left
    third = pypdf.PdfReader(out / "ALSH-2026-00003.pdf").pages[0].extract_text()
    assert "ALSH-2026-00003" in third and "42,60" in third

    with billing_db.session() as s:
        items = s.scalars(select(OutboxItem).where(OutboxItem.topic == PORTAL_TOPIC)).all()
        assert len(items) == 5 and report.queued == 5
        payload = next(i.payload for i in items if i.payload["number"] == "ALSH-2026-00003")
        assert payload["path"] == str((out / "ALSH-2026-00003.pdf").resolve())
        assert payload["file_name"] == "ALSH-2026-00003.pdf"
        assert len(payload["sha256"]) == 64 and payload["size"] > 1000
        assert payload["total"] == "42.60" and payload["family_code"] == "F00137"
        assert all(i.family_id == world.family_id for i in items)

    # Rendering again gives the same bytes: nothing new for the portal.
    again = render_run(billing_db, run_id, out_dir=out)
    assert again.count == 5 and again.queued == 0
    assert [f.sha256 for f in again.files] == [f.sha256 for f in report.files]


def test_render_selected_invoices_without_publishing(billing_db, world, tmp_path):
    _run_id, ids = make_run(billing_db, world, 3)
    report = render_run(billing_db, invoice_ids=ids[:2], out_dir=tmp_path, publish=False)
    assert [f.number for f in report.files] == ["ALSH-2026-00001", "ALSH-2026-00002"]
    with billing_db.session() as s:
        assert s.scalars(select(OutboxItem)).all() == []


def test_render_in_worker_processes(billing_db, world, tmp_path):
    run_id, _ids = make_run(billing_db, world, 4)
    seen = []
    report = render_run(
        billing_db, run_id, out_dir=tmp_path, workers=2, publish=False,
        progress=lambda d, t: seen.append(d),
    )  # fmt: skip
    assert report.count == 4 and seen[-1] == 4
    assert len(list(tmp_path.glob("*.pdf"))) == 4


def test_unknown_run_and_unwritable_folder(billing_db, world, tmp_path):
    with pytest.raises(UserError, match="Lot de facturation introuvable"):
        render_run(billing_db, 999, out_dir=tmp_path)
    run_id, _ = make_run(billing_db, world, 1)
    blocker = tmp_path / "fichier"
    blocker.write_text("x")
    with pytest.raises(UserError, match="Dossier de sortie inutilisable"):
        render_run(billing_db, run_id, out_dir=blocker / "sous-dossier")


def test_a_pdf_that_cannot_be_written_is_reported_in_french(billing_db, world, tmp_path):
    run_id, _ids = make_run(billing_db, world, 2)
    out = tmp_path / "factures"
    (out / "ALSH-2026-00001.pdf").mkdir(parents=True)  # a folder where the PDF should be
    report = render_run(billing_db, run_id, out_dir=out)
    assert [f.number for f in report.files] == ["ALSH-2026-00002"] and report.queued == 1
    assert report.errors == [
        f"ALSH-2026-00001 : écriture impossible dans {out} (un dossier porte déjà ce nom)."
    ]
    assert sorted(p.name for p in out.iterdir()) == ["ALSH-2026-00001.pdf", "ALSH-2026-00002.pdf"]
