"""``backoffice-cli invoices pdf --run ID --out DIR [--email]`` on a demo month."""

from __future__ import annotations

import json
from datetime import date

from pypdf import PdfReader

from backoffice.cli import app as cli
from backoffice.demo.load import load_demo
from backoffice.services.common.actors import SYSTEM
from backoffice.services.settings import smtp as smtp_config


def test_issue_a_month_then_write_and_mail_its_pdfs(
    sqlite_db, smtp_sink, tmp_path, capsys, monkeypatch
):
    load_demo(sqlite_db, 30, 1, today=date(2026, 11, 27))
    with sqlite_db.session() as s:
        smtp_config.save_smtp_settings(
            s,
            SYSTEM,
            host="127.0.0.1",
            port=smtp_sink.port,
            security="none",
            sender="Régie périscolaire <regie@example.org>",
        )
    monkeypatch.setenv("BACKOFFICE_USER", "jfoucault")  # the demo's régisseur
    url = sqlite_db.url
    assert (
        cli.main(
            [
                "--database-url",
                url,
                "invoices",
                "issue",
                "--regie",
                "PERI",
                "--period",
                "2026-11",
                "--json",
            ]
        )
        == 0
    )
    issued = json.loads(capsys.readouterr().out)
    out = tmp_path / "pdf"
    assert (
        cli.main(
            [
                "--database-url",
                url,
                "invoices",
                "pdf",
                "--run",
                str(issued["run_id"]),
                "--out",
                str(out),
                "--email",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    files = sorted(out.glob("PERI-2026-*.pdf"))
    assert len(files) == issued["invoices"] > 0
    assert f"{issued['invoices']} PDF écrit(s)" in printed
    first = PdfReader(files[0]).pages[0].extract_text()
    assert issued["first_number"] in first and "Trésor public" in first
    assert len(smtp_sink.messages) == issued["invoices"]
    assert f"{issued['invoices']} facture(s) envoyée(s) par e-mail" in printed
