"""Sample PDFs (invoices, credit note, cheque deposit slip) and their PNG screenshots.

    .venv/bin/python scripts/render_sample_invoice.py [--out docs/screenshots] [--pdf-dir DIR]

Renders the sample documents of :mod:`backoffice.documents.samples` (no database
needed), then converts every page with ``pdftoppm -png -r 80``. Saves
``invoice-alsh.png``, ``invoice-periscolaire.png``, ``invoice-credit-note.png``,
``invoice-multipage-1.png`` / ``-2.png`` and ``deposit-slip.png``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backoffice.documents.deposit_slip_pdf import render_deposit_slip  # noqa: E402
from backoffice.documents.invoice_pdf import render_invoice  # noqa: E402
from backoffice.documents.samples import (  # noqa: E402
    sample_alsh_invoice,
    sample_credit_note,
    sample_deposit_slip,
    sample_invoice,
    sample_periscolaire_invoice,
)


def to_png(pdf: Path, out_dir: Path, stem: str) -> list[Path]:
    """One PNG per page: ``stem.png`` for a single page, ``stem-N.png`` otherwise."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", str(pdf), str(Path(tmp) / "page")], check=True
        )
        pages = sorted(Path(tmp).glob("page*.png"))
        saved = []
        for i, page in enumerate(pages, 1):
            target = out_dir / (f"{stem}.png" if len(pages) == 1 else f"{stem}-{i}.png")
            shutil.copyfile(page, target)
            saved.append(target)
        return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--pdf-dir", type=Path, default=None, help="keep the PDFs there")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pdf_dir = args.pdf_dir or Path(tmp)
        pdf_dir.mkdir(parents=True, exist_ok=True)
        jobs = [
            ("invoice-alsh", lambda p: render_invoice(sample_alsh_invoice(), p)),
            ("invoice-periscolaire", lambda p: render_invoice(sample_periscolaire_invoice(), p)),
            ("invoice-credit-note", lambda p: render_invoice(sample_credit_note(), p)),
            ("invoice-multipage", lambda p: render_invoice(sample_invoice(7, 60), p)),
            ("deposit-slip", lambda p: render_deposit_slip(sample_deposit_slip(), p)),
        ]
        for stem, render in jobs:
            pdf = pdf_dir / f"{stem}.pdf"
            render(pdf)
            for png in to_png(pdf, args.out, stem):
                print(png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
