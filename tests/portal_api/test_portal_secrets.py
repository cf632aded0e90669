"""Secrets never stored nor logged in clear: passwords, session tokens, e-mailed links."""

from __future__ import annotations

import logging

from portal_testkit import PASSWORD


def test_no_secret_in_database_or_logs(portal, smtp_sink, make_family, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    login = make_family()
    activation = smtp_sink.last_to(login)
    r = portal.post(
        "/auth/activate",
        json={"token": activation.token, "password": PASSWORD, "password_confirmation": PASSWORD},
    )
    session_token = r.json()["access_token"]
    portal.post("/auth/password-forgotten", json={"email": login})
    reset = smtp_sink.last_to(login)
    login_token = portal.post("/auth/login", json={"login": login, "password": PASSWORD}).json()[
        "access_token"
    ]
    secrets = [PASSWORD, activation.token, reset.token, session_token, login_token]

    portal.db.engine.dispose()  # flush the WAL into the file
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("portal.sqlite3*"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in secrets:
        assert secret.encode() not in stored
        assert secret not in logged
    assert b"$argon2id$" in stored  # the password is there only as an argon2 hash
