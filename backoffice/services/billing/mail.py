"""Sending invoices by e-mail (SMTP).

The mail server's settings, its password (OS keyring) and the connection live in
:mod:`backoffice.services.settings.smtp` (« Paramètres › Messagerie (SMTP) »); this
module composes the invoice's e-mail and sends it through them.

Every failure becomes a French :class:`MailError` (a :class:`UserError`); what
was sent is recorded by :mod:`.invoice_pdfs`, so nothing is lost or sent
twice by accident.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

from backoffice.documents.formatting import format_date, format_euros
from backoffice.documents.invoice_data import InvoiceDocument
from backoffice.models.catalogue import Settlement
from backoffice.services.settings.smtp import (
    MailError,
    SmtpConnection,
    SmtpSettings,
    check_address,
    smtp_settings,
)

__all__ = ["MailError", "SmtpConnection", "SmtpSettings", "send_invoice", "smtp_settings"]

log = logging.getLogger(__name__)

# -- composing -----------------------------------------------------------------------


def compose_invoice_email(
    doc: InvoiceDocument, pdf: bytes, settings: SmtpSettings, to: str | None = None
) -> EmailMessage:
    """The French e-mail of an invoice or credit note, the PDF attached."""
    recipient = (to or doc.billing_email or "").strip()
    if not recipient:
        raise MailError(f"{doc.number} : la famille n'a pas d'adresse e-mail de facturation.")
    check_address(recipient, "Le destinataire")
    what = "Avoir" if doc.is_credit_note else "Facture"
    msg = EmailMessage()
    msg["Subject"] = f"{what} {doc.number} — {doc.regie_name}"
    msg["From"] = settings.sender
    msg["To"] = formataddr((doc.billing_name, recipient))
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].split("@")[-1] or None)

    lines = ["Bonjour,", ""]
    if doc.is_credit_note:
        lines.append(
            f"Veuillez trouver ci-joint l'avoir {doc.number} du {format_date(doc.issue_date)}, "
            f"d'un montant de {format_euros(-doc.total)}, sur la facture {doc.related_number}."
        )
    else:
        lines.append(
            f"Veuillez trouver ci-joint la facture {doc.number} du {format_date(doc.issue_date)} "
            f"de la {doc.regie_name}, d'un montant de {format_euros(doc.total)}"
            + (
                f" (reste à payer : {format_euros(doc.balance)})"
                if doc.balance != doc.total
                else ""
            )
            + "."
        )
        lines.append("")
        if doc.settlement == Settlement.TRESOR_PUBLIC:
            lines.append(
                "Cette facture est à régler auprès du Trésor public à réception de l'avis des "
                "sommes à payer : ne la réglez pas au guichet de la Communauté de communes."
            )
        elif doc.settlement == Settlement.DESK_AND_ONLINE:
            window = (
                f" du {format_date(doc.payment_window[0])} au {format_date(doc.payment_window[1])}"
                if doc.payment_window
                else ""
            )
            lines.append(
                "Vous pouvez la régler en ligne sur le Portail Famille, rubrique « Mes factures "
                f"& paiements », pendant la période de paiement{window}, ou au guichet"
                + (f" avant le {format_date(doc.due_date)}" if doc.due_date else "")
                + "."
            )
        else:
            lines.append(
                "Elle est à régler au guichet"
                + (f" avant le {format_date(doc.due_date)}" if doc.due_date else "")
                + "."
            )
    lines += [
        "",
        "Elle est aussi disponible sur le Portail Famille."
        if not doc.is_credit_note
        else "Il est aussi disponible sur le Portail Famille.",
        "",
        "Cordialement,",
        doc.issuer.name,
    ]
    contact = " · ".join(p for p in (doc.issuer.phone, doc.issuer.email) if p)
    if contact:
        lines.append(contact)
    lines += ["", "Ce message est envoyé automatiquement ; pour toute question, répondez-y ou "
              "contactez le service enfance-jeunesse."]  # fmt: skip
    msg.set_content("\n".join(lines))
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=doc.file_name)
    return msg


# -- sending -------------------------------------------------------------------------


def send_invoice(
    settings: SmtpSettings,
    doc: InvoiceDocument,
    pdf: bytes | Path,
    *,
    to: str | None = None,
    connection: SmtpConnection | None = None,
) -> str:
    """Send one invoice (or credit note) PDF to the billing address; returns the recipient.

    Opens its own SMTP session unless ``connection`` (for a batch) is given."""
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    message = compose_invoice_email(doc, data, settings, to)
    if connection is not None:
        connection.send(message)
    else:
        with SmtpConnection(settings) as smtp:
            smtp.send(message)
    log.info("Facture %s envoyée par e-mail", doc.number)  # no address: personal data
    return parseaddr(message["To"])[1]
