"""PDF invoices: rendering throughput next to a bare-reportlab floor, in the same run.

    .venv/bin/python bench/bench_invoice_pdf.py [--invoices 300] [--lines 12] [--repeat 5]

Measured: ``render_invoice`` (platypus: page templates, table with repeated
header, totals, payment box, « Page n/N ») on generated ALSH invoices of
``--lines`` lines, into memory.
Floor: a bare ``reportlab.pdfgen.canvas.Canvas`` drawing the same strings (header,
address, details, every cell of every line, subtotals, totals, instructions,
legal mentions, page number) at fixed positions with the same DejaVu fonts,
same compression and ``invariant`` setting, into memory.
Prints invoices/s for both and the ratio (target: within 1.3× of the floor, issue #21).
Both are timed alternately on chunks of 20 invoices; each chunk keeps its best\ntime over ``--repeat`` rounds (robust on a shared machine).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from results import Results, add_json_argument  # noqa: E402

from backoffice.documents.fonts import register_fonts  # noqa: E402
from backoffice.documents.formatting import (  # noqa: E402
    format_date,
    format_euros,
    format_quantity,
)
from backoffice.documents.invoice_data import InvoiceDocument  # noqa: E402
from backoffice.documents.invoice_instructions import payment_instructions  # noqa: E402
from backoffice.documents.invoice_pdf import LEGAL_VAT, render_invoice  # noqa: E402
from backoffice.documents.samples import sample_invoice  # noqa: E402

REGULAR, BOLD = register_fonts()
W, H = A4
CHUNK = 20


def floor_render(doc: InvoiceDocument, out) -> None:
    """The same text, plain strings at fixed positions: what any PDF of it must cost."""
    c = Canvas(out, pagesize=A4, invariant=1)
    x, y = 18 * mm, H - 20 * mm
    c.setFont(BOLD, 11.5)
    c.drawString(x, y, doc.issuer.name)
    c.setFont(REGULAR, 8.5)
    for line in (*doc.issuer.address_lines, f"Tél. {doc.issuer.phone} · {doc.issuer.email}",
                 f"SIRET {doc.issuer.siret_display}"):  # fmt: skip
        y -= 10.5
        c.drawString(x, y, line)
    c.setFont(BOLD, 22)
    c.drawRightString(W - 18 * mm, H - 20 * mm, "FACTURE")
    c.setFont(BOLD, 11)
    c.drawRightString(W - 18 * mm, H - 28 * mm, f"N° {doc.number}")
    c.setFont(REGULAR, 8.5)
    y = H - 58 * mm
    for label, value in (
        ("Date d'émission", format_date(doc.issue_date)),
        ("Date d'échéance", format_date(doc.due_date)),
        ("Régie", doc.regie_name),
        ("Période", f"du {format_date(doc.period_start)} au {format_date(doc.period_end)}"),
        ("Réf. famille", doc.family_code),
    ):
        c.drawString(x, y, label)
        c.drawString(x + 31 * mm, y, value)
        y -= 11.5
    y = H - 54 * mm
    c.setFont(REGULAR, 10)
    for line in (doc.billing_name, *doc.billing_address_lines):
        c.drawString(114 * mm, y, line)
        y -= 12.5
    c.setFont(BOLD, 8)
    y = H - 95 * mm
    cols = (x, x + 46 * mm, x + 98 * mm, x + 136 * mm, x + 154 * mm, x + 174 * mm)
    for col, head in zip(
        cols, ("Désignation", "Dates", "Tranche QF", "Qté", "Prix unit.", "Montant"), strict=True
    ):
        c.drawString(col, y, head)
    for section in doc.sections:
        y -= 14
        c.setFont(BOLD, 9)
        c.drawString(x, y, section.name)
        c.setFont(REGULAR, 8.5)
        for row in section.rows:
            y -= 13
            c.drawString(cols[0], y, row.label)
            c.drawString(cols[1], y, row.dates)
            c.drawString(cols[2], y, row.qf_bracket)
            c.drawRightString(cols[3] + 10 * mm, y, format_quantity(row.quantity))
            c.drawRightString(cols[4] + 16 * mm, y, format_euros(row.unit_price))
            c.drawRightString(cols[5], y, format_euros(row.amount))
        y -= 13
        c.drawString(x, y, f"Sous-total {section.name}")
        c.drawRightString(cols[5], y, format_euros(section.subtotal))
    for label, amount in (
        ("Total de la facture", doc.total),
        ("Règlements reçus", sum((a.amount for a in doc.settlements), doc.total - doc.total)),
        ("Reste à payer", doc.balance),
    ):
        y -= 14
        c.drawString(x + 90 * mm, y, label)
        c.drawRightString(cols[5], y, format_euros(amount))
    title, sentences, precisions = payment_instructions(doc)
    y -= 20
    c.drawString(x, y, title)
    for sentence in (*sentences, precisions):
        y -= 11
        c.drawString(x, y, sentence[:120])
    c.setFont(REGULAR, 7)
    c.drawString(x, 15 * mm, f"{doc.issuer.name}, collectivité territoriale")
    c.drawString(x, 12 * mm, f"Régie de recettes « {doc.regie_name} » — {LEGAL_VAT}")
    c.drawRightString(W - 18 * mm, 15 * mm, "Page 1/1")
    c.showPage()
    c.save()


def measure(render, docs) -> tuple[float, int]:
    size = 0
    started = time.perf_counter()
    for doc in docs:
        buffer = io.BytesIO()
        render(doc, buffer)
        size += buffer.tell()
    return time.perf_counter() - started, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--lines", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", default="—", help="étiquette d'échelle (1×, 10×) du JSON")
    add_json_argument(parser)
    args = parser.parse_args(argv)
    docs = [sample_invoice(i + 1, args.lines) for i in range(args.invoices)]
    # Warm-up: font files parsed, caches filled, for both.
    measure(render_invoice, docs[:5])
    measure(floor_render, docs[:5])
    # The machine may be shared: both are timed on the same small chunks, alternating,
    # and each chunk keeps its best time over the rounds.
    chunks = [docs[i : i + CHUNK] for i in range(0, len(docs), CHUNK)]
    real = [float("inf")] * len(chunks)
    floor = [float("inf")] * len(chunks)
    real_size = floor_size = 0
    for _ in range(args.repeat):
        real_size = floor_size = 0
        for i, chunk in enumerate(chunks):
            seconds, size = measure(render_invoice, chunk)
            real[i], real_size = min(real[i], seconds), real_size + size
            seconds, size = measure(floor_render, chunk)
            floor[i], floor_size = min(floor[i], seconds), floor_size + size
    best_real, best_floor = sum(real), sum(floor)
    n = args.invoices
    print(f"{n} factures de {args.lines} lignes, meilleur de {args.repeat} passages")
    print(
        f"  render_invoice (platypus) : {n / best_real:7.1f} factures/s "
        f"({best_real * 1000 / n:.2f} ms/facture, {real_size / n / 1024:.1f} Kio)"
    )
    print(
        f"  plancher (canvas nu)      : {n / best_floor:7.1f} factures/s "
        f"({best_floor * 1000 / n:.2f} ms/facture, {floor_size / n / 1024:.1f} Kio)"
    )
    ratio = best_real / best_floor
    print(f"  rapport : {ratio:.2f}× le plancher (objectif ≤ 1,3×)")
    Results.from_args(args).add(
        "PDF des factures (rendu)",
        args.scale,
        "—",
        best_real,
        "s",
        floor=best_floor,
        target="≤ 1,3× reportlab nu",
        detail=f"{n} factures de {args.lines} lignes",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
