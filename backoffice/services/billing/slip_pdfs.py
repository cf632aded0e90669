"""The PDF of a cheque deposit slip on disk, for the GUI and the CLI alike.

:func:`write_slip_pdf` reads a recorded slip in one short session, renders it
(:mod:`backoffice.documents.deposit_slip_pdf`) without any session and writes it
atomically as ``BR-ALSH-2026-00001.pdf``, by default into
:func:`backoffice.paths.slips_dir`. :func:`create_deposit_slip_pdf` records a new
slip (:func:`.slips.create_deposit_slip`, committed) and then writes its PDF.

Worker-safe: each opens its own sessions, so the GUI runs them off its thread.
A folder or file that cannot be written (not writable, disk full, the PDF open in
a reader on Windows) is a :class:`~backoffice.services.common.files.FileWriteError`
(a :class:`~backoffice.errors.UserError`) naming the file and the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from backoffice.documents.deposit_slip_pdf import (
    deposit_slip_document_for,
    render_deposit_slip_bytes,
)
from backoffice.paths import slips_dir
from backoffice.services.billing.slips import SlipData, create_deposit_slip
from backoffice.services.common.actors import Actor, bind
from backoffice.services.common.files import FileWriteError, ensure_folder, write_atomically
from backoffice.services.common.permissions import Permission, require
from backoffice.storage import Database


def slip_pdf_path(number: str, folder: Path | None = None) -> Path:
    """Where the PDF of slip ``number`` goes (``folder``, else the slips folder)."""
    return Path(folder if folder is not None else slips_dir()) / f"{number}.pdf"


def write_slip_pdf(db: Database, actor: Actor, number: str, folder: Path | None = None) -> Path:
    """Render the recorded slip ``number`` (the agent ``actor`` as depositor) into
    ``folder`` (default: the slips folder); returns the file written.

    Raises :class:`~backoffice.errors.UserError` for an unknown slip, and
    :class:`FileWriteError` when the folder or the file cannot be written."""
    require(db, actor, Permission.PAYMENTS, "imprimer un bordereau de remise")
    number = number.strip().upper()
    with db.session() as session:
        slip = deposit_slip_document_for(session, number, depositor=actor.label)
    data = render_deposit_slip_bytes(slip)
    path = slip_pdf_path(number, folder)
    ensure_folder(path.parent)
    return write_atomically(path, data)


@dataclass(frozen=True)
class NewSlip:
    """A slip just recorded, and its PDF — or why the PDF was not written."""

    slip: SlipData
    path: Path | None = None
    error: str = ""  # French; the slip is recorded all the same

    @property
    def number(self) -> str:
        return self.slip.number


def create_deposit_slip_pdf(
    db: Database,
    actor: Actor,
    regie_code: str,
    *,
    deposit_date: date | None = None,
    payment_ids: Iterable[int] | None = None,
    folder: Path | None = None,
) -> NewSlip:
    """Record a slip with the régie's cheques (all, or ``payment_ids``), then write its PDF.

    The slip is committed before the PDF is written: a PDF that cannot be written
    does not undo it. That failure is returned in :attr:`NewSlip.error` (the slip
    is reprinted with :func:`write_slip_pdf` once the folder is fixed); any other
    refusal (no cheque, a cheque already deposited) raises :class:`UserError`."""
    with db.session() as session:
        bind(session, actor)
        data = create_deposit_slip(
            session,
            regie_code,
            deposit_date=deposit_date,
            actor=actor,
            payment_ids=payment_ids,
        )
    try:
        path = write_slip_pdf(db, actor, data.number, folder)
    except FileWriteError as exc:
        return NewSlip(
            data,
            error=f"Le bordereau {data.number} est établi, mais son PDF n'a pas été écrit. {exc}",
        )
    return NewSlip(data, path)
