"""« Paramètres › Messagerie (SMTP) »: settings checked and audited, the test mail through
real servers on loopback (STARTTLS, implicit TLS with the collectivity's own CA), the
server's refusals in French."""

from __future__ import annotations

import pytest
from smtp_servers import (
    PASSWORD,
    USER,
    free_port,
    implicit_tls_server,  # noqa: F401
    starttls_server,  # noqa: F401
)
from sqlalchemy import select

from backoffice.models import AuditEvent, Role, Setting, StaffUser
from backoffice.services.common.actors import PermissionDenied, current_actor
from backoffice.services.settings import smtp
from backoffice.services.settings.audited import SETTING_ENTITY

SENDER = "Communauté de communes <portailfamilles@example.fr>"


def actor(db, role=Role.ADMIN, login="admin"):
    with db.session() as s:
        s.add(StaffUser(login=login, full_name=login, role=role))
    with db.session() as s:
        return current_actor(s, login)


def configure(db, admin, port, security, ca_file="", user=USER):
    with db.session() as s:
        return smtp.save_smtp_settings(
            s, admin, host="127.0.0.1", port=port, security=security, user=user,
            sender=SENDER, ca_bundle=str(ca_file),
        )  # fmt: skip


def send_test(db, admin, password=PASSWORD, to="it@example.fr"):
    with db.session() as s:
        return smtp.send_test_mail(s, admin, to, password=password)


def test_test_mail_over_starttls_with_the_collectivitys_ca(sqlite_db, starttls_server):
    admin = actor(sqlite_db)
    configure(
        sqlite_db, admin, starttls_server.port, "starttls", starttls_server.certificates.ca_file
    )
    answer = send_test(sqlite_db, admin)
    assert answer == (
        "Courriel de test envoyé à it@example.fr par 127.0.0.1. "
        "Réponse du serveur : 250 2.0.0 Ok: queued as TEST42."
    )
    assert starttls_server.logins == [(USER, True)]
    (message,) = starttls_server.messages
    assert message["Subject"] == "Portail Famille — courriel de test"
    assert message["To"] == "it@example.fr"


def test_test_mail_over_implicit_tls(sqlite_db, implicit_tls_server):
    admin = actor(sqlite_db)
    ca = implicit_tls_server.certificates.ca_file
    configure(sqlite_db, admin, implicit_tls_server.port, "ssl", ca)
    assert "250 2.0.0 Ok" in send_test(sqlite_db, admin)
    assert len(implicit_tls_server.messages) == 1


def test_wrong_password_shows_the_servers_refusal_in_french(sqlite_db, starttls_server):
    admin = actor(sqlite_db)
    configure(
        sqlite_db, admin, starttls_server.port, "starttls", starttls_server.certificates.ca_file
    )
    with pytest.raises(smtp.MailError) as refused:
        send_test(sqlite_db, admin, password="mauvais")
    assert str(refused.value) == (
        "Le serveur SMTP 127.0.0.1 a refusé l'identifiant ou le mot de passe (réponse du "
        "serveur : 535 5.7.8 Authentication credentials invalid)."
    )
    assert starttls_server.messages == []


def test_unknown_certificate_is_explained(sqlite_db, implicit_tls_server):
    admin = actor(sqlite_db)
    configure(sqlite_db, admin, implicit_tls_server.port, "ssl")  # no CA file given
    with pytest.raises(smtp.MailError, match="Le certificat du serveur SMTP 127.0.0.1 n'est pas "
                       r"reconnu \(autorité de certification inconnue\).*Autorité de certif"):  # fmt: skip
        send_test(sqlite_db, admin)
    assert implicit_tls_server.messages == []


def test_connection_refused(sqlite_db):
    admin = actor(sqlite_db)
    port = free_port()
    configure(sqlite_db, admin, port, "none", user="")
    with pytest.raises(smtp.MailError, match=f"127.0.0.1:{port} : connexion refusée"):
        send_test(sqlite_db, admin, password=None)


def test_only_an_administrator_changes_or_tests_the_mail_server(sqlite_db, tmp_path):
    admin = actor(sqlite_db)
    agent = actor(sqlite_db, Role.ACCOUNTANT, "regisseur")
    with pytest.raises(PermissionDenied, match="Seul un administrateur"):
        configure(sqlite_db, agent, 587, "starttls")
    configure(sqlite_db, admin, 587, "starttls")
    with pytest.raises(PermissionDenied):
        send_test(sqlite_db, agent)


def test_saving_is_audited_and_checks_the_ca_file(sqlite_db, tmp_path):
    admin = actor(sqlite_db)
    configure(sqlite_db, admin, 587, "starttls")
    configure(sqlite_db, admin, 465, "ssl")
    with sqlite_db.session() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.entity == SETTING_ENTITY).order_by(AuditEvent.id)
        ).all()
        changed = [(e.field, e.old_value, e.new_value) for e in events if e.old_value]
        assert changed == [
            ("mail.smtp_port", "587", "465"),
            ("mail.smtp_security", "starttls", "ssl"),
        ]
        assert {e.actor for e in events} == {"admin"}
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("pas un certificat")
    with pytest.raises(smtp.UserError, match="ne contient pas de certificat lisible"):
        configure(sqlite_db, admin, 465, "ssl", not_pem)
    with pytest.raises(smtp.UserError, match="introuvable"):
        configure(sqlite_db, admin, 465, "ssl", tmp_path / "absent.pem")


def test_the_typed_password_is_never_stored(sqlite_db, starttls_server):
    admin = actor(sqlite_db)
    configure(
        sqlite_db, admin, starttls_server.port, "starttls", starttls_server.certificates.ca_file
    )
    send_test(sqlite_db, admin)
    with sqlite_db.session() as s:
        values = [v for (v,) in s.execute(select(Setting.value))]
        audited = [v for (v,) in s.execute(select(AuditEvent.new_value))]
    assert not any(PASSWORD in (v or "") for v in values + audited)
