"""PDFs of a whole invoice run: generate, e-mail, queue for the portal.

Worker-friendly: the data is read in one short session (frozen snapshots,
:mod:`backoffice.documents.invoice_data`), the PDFs are rendered without any
session (optionally in ``workers`` processes), each written atomically
(:func:`backoffice.services.common.files.write_atomically`) as ``ALSH-2026-00042.pdf``;
a ``progress(done, total)`` callback drives the GUI's progress bar.

The portal gets each PDF through the outbox: topic :data:`PORTAL_TOPIC`, the
payload names the file (path, sha256, size) rather than carrying the bytes; the
sync engine reads the file and sends ``PUT /staff/invoices/{number}/pdf``.
A PDF already queued with the same sha256 is not queued again (rendering is
deterministic, so regenerating a run queues nothing new).

E-mails sent are recorded as ``audit_event`` rows (entity :data:`EMAIL_ENTITY`,
``entity_id`` = invoice id, or credit note id for ``credit_note_email``,
``new_value`` = recipient), one committed right after each message: a retry
skips what went out, and a failure never loses what did.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.documents.invoice_data import (
    InvoiceDocument,
    credit_note_document,
    invoice_documents,
)
from backoffice.documents.invoice_pdf import render_invoice_bytes
from backoffice.errors import UserError
from backoffice.models import AuditAction, AuditEvent, CreditNote, Invoice, InvoiceRun, OutboxItem
from backoffice.services.billing import mail as mailer
from backoffice.services.common.actors import SYSTEM, Actor
from backoffice.services.common.files import (
    FileWriteError,
    ensure_folder,
    os_reason,
    write_atomically,
)
from backoffice.services.common.outbox import enqueue
from backoffice.services.common.permissions import Permission, require
from backoffice.storage import Database

Progress = Callable[[int, int], None]

PORTAL_TOPIC = "invoice.pdf"
EMAIL_ENTITY = "invoice_email"
CREDIT_NOTE_EMAIL_ENTITY = "credit_note_email"
SNAPSHOT_CHUNK = 200


@dataclass(frozen=True)
class RenderedFile:
    number: str
    kind: str
    path: Path
    sha256: str
    size: int
    family_id: int | None
    invoice_id: int | None
    credit_note_id: int | None = None


@dataclass
class RenderReport:
    out_dir: Path
    files: list[RenderedFile] = field(default_factory=list)
    queued: int = 0  # new outbox items for the portal
    errors: list[str] = field(default_factory=list)  # French, one per document
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.files)


@dataclass
class EmailReport:
    sent: list[str] = field(default_factory=list)  # numbers
    already_sent: list[str] = field(default_factory=list)
    without_email: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (number, French reason)


# -- which documents -----------------------------------------------------------------


def run_invoice_ids(session: Session, run_id: int) -> list[int]:
    if session.get(InvoiceRun, run_id) is None:
        raise UserError(f"Lot de facturation introuvable (n° {run_id}).")
    return list(
        session.scalars(select(Invoice.id).where(Invoice.run_id == run_id).order_by(Invoice.number))
    )


def _resolve_ids(
    session: Session, run_id: int | None, invoice_ids: Iterable[int] | None
) -> list[int]:
    if (run_id is None) == (invoice_ids is None):
        raise ValueError("give either run_id or invoice_ids")
    if run_id is not None:
        return run_invoice_ids(session, run_id)
    return list(dict.fromkeys(invoice_ids or ()))


def snapshot_documents(
    db: Database,
    run_id: int | None = None,
    *,
    invoice_ids: Iterable[int] | None = None,
    credit_note_ids: Iterable[int] = (),
) -> list[InvoiceDocument]:
    """Read every document to render in one short session."""
    with db.session() as session:
        ids = _resolve_ids(session, run_id, invoice_ids)
        docs: list[InvoiceDocument] = []
        for start in range(0, len(ids), SNAPSHOT_CHUNK):
            docs.extend(invoice_documents(session, ids[start : start + SNAPSHOT_CHUNK]))
        docs.extend(credit_note_document(session, cid) for cid in credit_note_ids)
    return docs


# -- rendering -----------------------------------------------------------------------


def render_to_file(doc: InvoiceDocument, out_dir: Path) -> RenderedFile:
    """Render one snapshot into ``out_dir`` (no session: fit for a worker)."""
    data = render_invoice_bytes(doc)
    path = Path(out_dir) / doc.file_name
    write_atomically(path, data)
    return RenderedFile(
        number=doc.number,
        kind=doc.kind,
        path=path.resolve(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        family_id=doc.family_id,
        invoice_id=doc.invoice_id,
        credit_note_id=doc.credit_note_id,
    )


def _safe_render(doc: InvoiceDocument, out_dir: Path) -> RenderedFile | str:
    try:
        return render_to_file(doc, out_dir)
    except FileWriteError as exc:
        return f"{doc.number} : écriture impossible dans {out_dir} ({exc.reason})."
    except OSError as exc:
        return f"{doc.number} : écriture impossible dans {out_dir} ({os_reason(exc)})."


def render_documents(
    docs: list[InvoiceDocument],
    out_dir: Path,
    progress: Progress | None = None,
    workers: int = 1,
) -> RenderReport:
    """Render snapshots to ``out_dir``; no database involved."""
    out_dir = Path(out_dir)
    try:
        ensure_folder(out_dir)
    except FileWriteError as exc:
        raise UserError(f"Dossier de sortie inutilisable : {out_dir} ({exc.reason}).") from exc
    report = RenderReport(out_dir=out_dir)
    started = time.perf_counter()
    total = len(docs)
    if progress:
        progress(0, total)
    if workers > 1 and total > 1:
        # spawn: no fork of a threaded GUI process (the frozen app calls freeze_support()).
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            results = pool.map(_safe_render, docs, [out_dir] * total, chunksize=8)
            for done, result in enumerate(results, 1):
                _collect(report, result)
                if progress:
                    progress(done, total)
    else:
        for done, doc in enumerate(docs, 1):
            _collect(report, _safe_render(doc, out_dir))
            if progress:
                progress(done, total)
    report.seconds = time.perf_counter() - started
    return report


def _collect(report: RenderReport, result: RenderedFile | str) -> None:
    if isinstance(result, str):
        report.errors.append(result)
    else:
        report.files.append(result)


def portal_payload(f: RenderedFile, doc: InvoiceDocument) -> dict:
    return {
        "number": f.number,
        "kind": f.kind,
        "invoice_id": f.invoice_id,
        "credit_note_id": f.credit_note_id,
        "family_code": doc.family_code,
        "regie": doc.regie_code,
        "issue_date": doc.issue_date.isoformat(),
        "total": format(doc.total, "f"),
        "path": str(f.path),
        "file_name": f.path.name,
        "sha256": f.sha256,
        "size": f.size,
        "content_type": "application/pdf",
    }


def queue_for_portal(
    session: Session, files: list[RenderedFile], docs: dict[str, InvoiceDocument]
) -> int:
    """One outbox item per new PDF (same number and sha256 already queued → skipped)."""
    family_ids = {f.family_id for f in files}
    known = {
        (item.payload.get("number"), item.payload.get("sha256"))
        for item in session.scalars(
            select(OutboxItem).where(
                OutboxItem.topic == PORTAL_TOPIC, OutboxItem.family_id.in_(family_ids)
            )
        )
    }
    queued = 0
    for f in files:
        if (f.number, f.sha256) in known:
            continue
        enqueue(session, PORTAL_TOPIC, portal_payload(f, docs[f.number]), f.family_id)
        queued += 1
    return queued


def render_run(
    db: Database,
    run_id: int | None = None,
    *,
    invoice_ids: Iterable[int] | None = None,
    credit_note_ids: Iterable[int] = (),
    out_dir: Path,
    progress: Progress | None = None,
    publish: bool = True,
    workers: int = 1,
) -> RenderReport:
    """Every PDF of run ``run_id`` (or of ``invoice_ids``) into ``out_dir``, queued for the portal.

    Call it from a worker thread: it opens its own short sessions."""
    docs = snapshot_documents(db, run_id, invoice_ids=invoice_ids, credit_note_ids=credit_note_ids)
    report = render_documents(docs, Path(out_dir), progress, workers)
    if publish and report.files:
        by_number = {d.number: d for d in docs}
        with db.session() as session:
            report.queued = queue_for_portal(session, report.files, by_number)
    return report


# -- e-mail --------------------------------------------------------------------------


def _entity(doc: InvoiceDocument) -> tuple[str, int]:
    if doc.is_credit_note:
        return CREDIT_NOTE_EMAIL_ENTITY, doc.credit_note_id or 0
    return EMAIL_ENTITY, doc.invoice_id or 0


def emailed(
    session: Session, invoice_ids: Iterable[int], entity: str = EMAIL_ENTITY
) -> dict[int, str]:
    """Invoice id → recipient of the last e-mail sent (for the GUI's lists too)."""
    rows = session.execute(
        select(AuditEvent.entity_id, AuditEvent.new_value)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id.in_(list(invoice_ids)))
        .order_by(AuditEvent.id)
    ).all()
    return {eid: value or "" for eid, value in rows}


def _record_sent(db: Database, doc: InvoiceDocument, recipient: str, actor: Actor) -> None:
    entity, entity_id = _entity(doc)
    with db.session() as session:
        session.add(
            AuditEvent(
                staff_user_id=actor.staff_id,
                actor=actor.login,
                action=AuditAction.CREATE,
                entity=entity,
                entity_id=entity_id,
                # Not attached to the family: the family history lists field changes.
                family_id=None,
                field="email",
                new_value=recipient,
            )
        )


def email_run(
    db: Database,
    run_id: int | None = None,
    *,
    invoice_ids: Iterable[int] | None = None,
    credit_note_ids: Iterable[int] = (),
    out_dir: Path,
    progress: Progress | None = None,
    resend: bool = False,
    actor: Actor = SYSTEM,
    password: str | None = None,
) -> EmailReport:
    """E-mail each PDF of the run to its billing address (rendered first if missing).

    Raises :class:`mailer.MailError` when the SMTP server cannot be reached or
    refuses the login (nothing sent); a refused message is listed in
    ``failed`` and the others go on."""
    require(db, actor, Permission.BILLING, "envoyer les factures par courriel")
    with db.session() as session:
        settings = mailer.smtp_settings(session)
    docs = snapshot_documents(db, run_id, invoice_ids=invoice_ids, credit_note_ids=credit_note_ids)
    report = EmailReport()
    with db.session() as session:
        done_invoices = emailed(session, [_entity(d)[1] for d in docs if not d.is_credit_note])
        done_notes = emailed(
            session, [_entity(d)[1] for d in docs if d.is_credit_note], CREDIT_NOTE_EMAIL_ENTITY
        )
    todo: list[InvoiceDocument] = []
    for doc in docs:
        sent_before = (done_notes if doc.is_credit_note else done_invoices).get(_entity(doc)[1])
        if sent_before is not None and not resend:
            report.already_sent.append(doc.number)
        elif not doc.billing_email.strip():
            report.without_email.append(doc.number)
        else:
            todo.append(doc)
    total = len(todo)
    if progress:
        progress(0, total)
    if not todo:
        return report
    out_dir = ensure_folder(Path(out_dir))
    with mailer.SmtpConnection(settings, password) as smtp:
        for done, doc in enumerate(todo, 1):
            path = out_dir / doc.file_name
            try:
                if not path.is_file():
                    render_to_file(doc, out_dir)
                recipient = mailer.send_invoice(settings, doc, path, connection=smtp)
            except (mailer.MailError, FileWriteError) as exc:
                report.failed.append((doc.number, str(exc)))
            except OSError as exc:
                report.failed.append((doc.number, f"PDF illisible ({os_reason(exc)})."))
            else:
                _record_sent(db, doc, recipient, actor)
                report.sent.append(doc.number)
            if progress:
                progress(done, total)
    return report


def credit_note_ids_of_invoices(session: Session, invoice_ids: Iterable[int]) -> list[int]:
    return list(
        session.scalars(
            select(CreditNote.id)
            .where(CreditNote.invoice_id.in_(list(invoice_ids)))
            .order_by(CreditNote.number)
        )
    )
