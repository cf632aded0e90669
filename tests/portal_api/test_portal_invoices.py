"""Guide §7.1–7.2: invoices pushed by the back-office, per régie, with state, balance,
detail and PDF; visible to their family only."""

from __future__ import annotations

import hashlib

import requests
from portal_testkit import (
    HTTP_TIMEOUT,
    activate,
    family_body,
    invoice_body,
    new_key,
    push_invoice,
    push_windows,
    sample_pdf,
    set_now,
)


def _family(portal, smtp_sink, ref: str) -> str:
    login = f"{ref.lower()}@example.fr"
    r = portal.staff("PUT", f"/staff/families/{ref}", new_key(), json=family_body(login))
    assert r.status_code == 201, r.text
    return activate(portal, smtp_sink, login)


def _pdf(portal, number: str, content: bytes, key: str | None = None, **headers):
    digest = hashlib.sha256(content).hexdigest()
    return portal.staff(
        "PUT",
        f"/staff/invoices/{number}/pdf",
        key or new_key(),
        data=content,
        headers={"Content-Type": "application/pdf", "X-Content-SHA256": digest} | headers,
    )


def test_invoice_push_is_idempotent_and_seen_by_its_family_only(portal, smtp_sink):
    martin = _family(portal, smtp_sink, "F1")
    other = _family(portal, smtp_sink, "F2")
    body = invoice_body("F1", cents=(2500, 1250))
    key = new_key()
    first = push_invoice(portal, "ALSH-2026-0001", body, key)
    assert first.status_code == 201
    assert first.json() == {
        "number": "ALSH-2026-0001",
        "created": True,
        "changed": True,
        "state": "issued",
        "balance_cents": 3750,
        "pdf": None,
    }
    replay = push_invoice(portal, "ALSH-2026-0001", body, key)
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    same = push_invoice(portal, "ALSH-2026-0001", body)  # new key, same content
    assert same.status_code == 200 and same.json()["changed"] is False
    push_invoice(portal, "APS-2026-0001", invoice_body("F1", "APS", (4200,)))
    push_invoice(portal, "ALSH-2026-0002", invoice_body("F2", cents=(900,)))

    r = portal.parent("GET", "/me/invoices", martin)
    assert r.status_code == 200, r.text
    listing = r.json()
    assert [(g["regie"], g["regie_label"]) for g in listing["regies"]] == [
        ("ALSH", "Régie ALSH enfance"),
        ("APS", "Régie périscolaire TAP mercredi péricentre"),
    ]
    assert listing["balance_cents"] == 3750 + 4200
    [alsh] = listing["regies"][0]["invoices"]
    assert alsh == {
        "number": "ALSH-2026-0001",
        "regie": "ALSH",
        "regie_label": "Régie ALSH enfance",
        "issue_date": "2026-12-01",
        "period_start": "2026-12-21",
        "period_end": "2026-12-31",
        "due_date": "2026-12-18",
        "total_cents": 3750,
        "paid_cents": 0,
        "balance_cents": 3750,
        "state": "issued",
        "state_label": "À régler",
        "payable_online": True,
        "payable_now": False,  # online payment disabled on this portal
        "payment_pending": False,
        "has_pdf": False,
    }
    detail = portal.parent("GET", "/me/invoices/ALSH-2026-0001", martin).json()
    assert detail["qf_bracket"] == "QF 601-900"
    assert detail["children"][0]["child_name"] == "Léa MARTIN"
    assert detail["children"][0]["total_cents"] == 3750
    assert [line["amount_cents"] for line in detail["children"][0]["lines"]] == [2500, 1250]
    # Another family's invoice: 404, never data.
    r = portal.parent("GET", "/me/invoices/ALSH-2026-0002", martin)
    assert r.status_code == 404 and r.json()["detail"] == "Facture introuvable."
    assert portal.parent("GET", "/me/invoices/ALSH-2026-0002/pdf", martin).status_code == 404
    assert [g["regie"] for g in portal.parent("GET", "/me/invoices", other).json()["regies"]] == [
        "ALSH"
    ]
    assert requests.get(portal.url("/me/invoices"), timeout=HTTP_TIMEOUT).status_code == 401


def test_issued_content_never_changes_states_move(portal, smtp_sink):
    token = _family(portal, smtp_sink, "F1")
    body = invoice_body("F1", "APS", (4200,), payable_online=False)
    push_invoice(portal, "APS-2026-0007", body)
    r = portal.staff(
        "PUT",
        "/staff/invoices/APS-2026-0007",
        new_key(),
        json=body
        | {"total_cents": 4300, "children": invoice_body("F1", "APS", (4300,))["children"]},
    )
    assert r.status_code == 409
    assert "ne change plus (children, total_cents)" in r.json()["detail"]
    assert "avoir" in r.json()["detail"]
    # Lines that do not add up to the total are refused.
    r = portal.staff(
        "PUT", "/staff/invoices/APS-2026-0008", new_key(), json=body | {"total_cents": 1}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "total_cents"
    # Transmitted to the Trésor public: settled for the parents.
    r = push_invoice(portal, "APS-2026-0007", body | {"state": "sent_to_tresor"})
    assert r.json()["changed"] is True and r.json()["balance_cents"] == 0
    inv = portal.parent("GET", "/me/invoices/APS-2026-0007", token).json()
    assert (inv["state"], inv["state_label"], inv["balance_cents"]) == (
        "sent_to_tresor",
        "Transmise au Trésor public",
        0,
    )
    # A desk payment recorded by the back-office: partially paid, listed in the payments.
    alsh = invoice_body("F1", cents=(3000,))
    push_invoice(portal, "ALSH-2026-0003", alsh)
    cheque = {
        "ref": "REG-2026-0042",
        "date": "2026-12-05",
        "mode": "cheque",
        "amount_cents": 1000,
    }
    r = push_invoice(
        portal, "ALSH-2026-0003", alsh | {"state": "partially_paid", "settlements": [cheque]}
    )
    assert r.json()["balance_cents"] == 2000
    inv = portal.parent("GET", "/me/invoices/ALSH-2026-0003", token).json()
    assert (inv["state"], inv["paid_cents"], inv["balance_cents"]) == ("partially_paid", 1000, 2000)
    assert inv["settlements"] == [
        {
            "ref": "REG-2026-0042",
            "date": "2026-12-05",
            "mode": "cheque",
            "mode_label": "Chèque",
            "amount_cents": 1000,
        }
    ]
    payments = portal.parent("GET", "/me/payments", token).json()
    assert [(p["ref"], p["kind"], p["state"], p["mode_label"]) for p in payments] == [
        ("REG-2026-0042", "settlement", "validated", "Chèque")
    ]
    # Cancelled by a credit note (which must be named); then final.
    r = portal.staff(
        "PUT", "/staff/invoices/ALSH-2026-0003", new_key(), json=alsh | {"state": "cancelled"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "credit_note"
    cancelled = alsh | {"state": "cancelled", "credit_note": "AV-2026-0001"}
    assert push_invoice(portal, "ALSH-2026-0003", cancelled).json()["state"] == "cancelled"
    inv = portal.parent("GET", "/me/invoices/ALSH-2026-0003", token).json()
    assert (inv["state_label"], inv["credit_note"], inv["balance_cents"]) == (
        "Annulée par un avoir",
        "AV-2026-0001",
        0,
    )
    r = portal.staff("PUT", "/staff/invoices/ALSH-2026-0003", new_key(), json=alsh)
    assert r.status_code == 409 and "état définitif" in r.json()["detail"]
    # Unknown family: 404.
    r = portal.staff(
        "PUT", "/staff/invoices/X-1", new_key(), json=invoice_body("F404", cents=(100,))
    )
    assert r.status_code == 404 and r.json()["detail"] == "Famille introuvable."


def test_pdf_upload_and_download_with_sha256(portal, smtp_sink):
    token = _family(portal, smtp_sink, "F1")
    other = _family(portal, smtp_sink, "F2")
    push_invoice(portal, "ALSH-2026-0001", invoice_body("F1"))
    content = sample_pdf("ALSH-2026-0001")
    digest = hashlib.sha256(content).hexdigest()
    r = portal.parent("GET", "/me/invoices/ALSH-2026-0001/pdf", token)
    assert r.status_code == 404 and "pas encore disponible" in r.json()["detail"]
    key = new_key()
    r = _pdf(portal, "ALSH-2026-0001", content, key)
    assert r.status_code == 200, r.text
    assert r.json() == {"number": "ALSH-2026-0001", "sha256": digest, "size": len(content)}
    assert r.headers["X-Feed-Position"] == "2"  # two activations
    assert _pdf(portal, "ALSH-2026-0001", content, key).headers["Idempotent-Replayed"] == "true"
    r = portal.parent("GET", "/me/invoices/ALSH-2026-0001/pdf", token)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.content == content and hashlib.sha256(r.content).hexdigest() == digest
    assert r.headers["X-Content-SHA256"] == digest
    assert "facture-ALSH-2026-0001.pdf" in r.headers["Content-Disposition"]
    assert portal.parent("GET", "/me/invoices/ALSH-2026-0001", token).json()["has_pdf"] is True
    assert portal.parent("GET", "/me/invoices/ALSH-2026-0001/pdf", other).status_code == 404
    # Refusals: wrong digest, not a PDF, wrong type, too big, unknown invoice.
    r = _pdf(portal, "ALSH-2026-0001", content, **{"X-Content-SHA256": "0" * 64})
    assert r.status_code == 422 and "SHA-256" in r.json()["detail"]
    r = _pdf(portal, "ALSH-2026-0001", b"GIF89a...")
    assert r.status_code == 415 and r.json()["detail"] == "Le contenu envoyé n'est pas un PDF."
    r = _pdf(portal, "ALSH-2026-0001", content, **{"Content-Type": "application/json"})
    assert r.status_code == 415
    big = content + b"0" * portal.settings.invoice_pdf_max_bytes
    r = _pdf(portal, "ALSH-2026-0001", big)
    assert r.status_code == 413 and "trop volumineux" in r.json()["detail"]
    assert _pdf(portal, "NOPE-1", content).status_code == 404
    r = portal.staff("GET", "/staff/invoices/ALSH-2026-0001")
    assert r.json()["has_pdf"] is True


def test_payment_windows_are_replaced_whole(portal, smtp_sink):
    from portal_testkit import enable_payments

    token = _family(portal, smtp_sink, "F1")
    enable_payments(portal)
    push_invoice(portal, "ALSH-2026-0001", invoice_body("F1"))
    push_windows(portal, ("ALSH", "2026-12-01", "2026-12-18"), ("ALSH", "2027-02-01", "2027-02-12"))
    set_now(portal, "2026-11-30 10:00")
    group = portal.parent("GET", "/me/invoices", token).json()["regies"][0]
    assert group["online_payment_open"] is False
    assert group["payment_window"] == {
        "start": "2026-12-01",
        "end": "2026-12-18",
        "label": "Vacances",
    }
    assert group["invoices"][0]["payable_now"] is False
    set_now(portal, "2026-12-18 23:59")
    group = portal.parent("GET", "/me/invoices", token).json()["regies"][0]
    assert group["online_payment_open"] is True and group["invoices"][0]["payable_now"] is True
    set_now(portal, "2026-12-19 00:00")
    group = portal.parent("GET", "/me/invoices", token).json()["regies"][0]
    assert group["online_payment_open"] is False
    assert group["payment_window"]["start"] == "2027-02-01"
    push_windows(portal)  # none left
    group = portal.parent("GET", "/me/invoices", token).json()["regies"][0]
    assert group["payment_window"] is None
    r = portal.staff(
        "PUT",
        "/staff/payment-windows",
        new_key(),
        json={"windows": [{"regie": "ALSH", "start": "2026-12-10", "end": "2026-12-01"}]},
    )
    assert r.status_code == 422 and "précède" in r.json()["detail"]
