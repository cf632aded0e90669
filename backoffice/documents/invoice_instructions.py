"""What an invoice or a credit note tells the family about paying it: the title and French
sentences of the box under the totals, by the régie's settlement mode."""

from __future__ import annotations

from backoffice.documents.formatting import format_date
from backoffice.documents.invoice_data import InvoiceDocument, Issuer
from backoffice.models.catalogue import Settlement


def _desk(issuer: Issuer) -> str:
    return ", ".join(issuer.address_lines) if issuer.address_lines else issuer.name


def payment_instructions(doc: InvoiceDocument) -> tuple[str, list[str], str]:
    """(title, sentences, régie's own precisions) printed under the totals."""
    precisions = doc.regie_instructions.strip()
    if doc.is_credit_note:
        sentences = [
            f"Cet avoir annule ou corrige la facture N° {doc.related_number}"
            + (f" du {format_date(doc.related_date)}" if doc.related_date else "")
            + " : son montant vient en déduction de la somme à payer."
        ]
        if doc.settlement == Settlement.TRESOR_PUBLIC:
            sentences.append("Le Trésor public en tient compte dans l'avis des sommes à payer.")
        else:
            sentences.append(
                "Si la facture est déjà réglée, le trop-perçu reste au crédit de votre "
                "compte famille ou vous est remboursé sur demande."
            )
        return "Avoir", sentences, ""
    due = f" avant le {format_date(doc.due_date)}" if doc.due_date else ""
    if doc.settlement == Settlement.TRESOR_PUBLIC:
        return (
            "Règlement",
            [
                "À régler auprès du Trésor public à réception de l'avis des sommes à payer.",
                "Ne réglez pas cette facture au guichet de la Communauté de communes : "
                "le Trésor public vous adressera l'avis des sommes à payer.",
            ],
            precisions,
        )
    if doc.settlement == Settlement.DESK_AND_ONLINE and doc.paper_only:
        return (
            "Comment régler cette facture ?",
            [
                f"• Au guichet{due} : {_desk(doc.issuer)}.",
                "• Pour payer en ligne, communiquez-nous une adresse e-mail : nous vous "
                "ouvrirons un compte sur le Portail Famille.",
            ],
            precisions,
        )
    if doc.settlement == Settlement.DESK_AND_ONLINE:
        if doc.payment_window:
            opens, closes = doc.payment_window
            window = (
                f"pendant la période de paiement du {format_date(opens)} au {format_date(closes)}"
            )
        else:
            window = "pendant les périodes de paiement annoncées"
        return (
            "Comment régler cette facture ?",
            [
                f"• En ligne sur le Portail Famille (rubrique « Mes factures & paiements »), "
                f"{window}.",
                f"• Ou au guichet{due} : {_desk(doc.issuer)}.",
            ],
            precisions,
        )
    return (
        "Comment régler cette facture ?",
        [f"À régler{due} au guichet : {_desk(doc.issuer)}, ou auprès du directeur du centre."],
        precisions,
    )
