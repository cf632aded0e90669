"""One sync round: pull the parents' changes, then push the outbox, then (when
accounts were pushed) a closing pull.

Pull comes first: the account pushes (``PUT /staff/families/{ref}``) carry the
whole family as the back-office holds it, so they must include the parents'
latest edits, or they would overwrite them on the portal. A parent's edit made
between the pull and the PUT is still overwritten on the portal: the pull that
receives it queues the family again (``pull._requeue_overwritten``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from backoffice.models import OutboxItem, OutboxState, QuarantinedChange, SyncConflict, utcnow
from backoffice.services.requests import auto_processing
from backoffice.storage import Database
from backoffice.sync import settings, versions
from backoffice.sync.client import PortalClient, PortalError
from backoffice.sync.pull import PullReport, pull_changes
from backoffice.sync.push import PushReport, push_pending

Progress = Callable[[str, int, int], None]


@dataclass
class RoundReport:
    started_at: datetime
    finished_at: datetime | None = None
    pull: PullReport = field(default_factory=PullReport)
    push: PushReport = field(default_factory=PushReport)
    pending: int = 0  # outbox items still to send
    auto_decided: int = 0  # booking days decided by the activities' rules after the pull
    open_conflicts: int = 0
    open_quarantine: int = 0
    error: str = ""  # why the round stopped early, in French
    new_version: str = ""  # « Une nouvelle version est disponible (x.y.z). », when announced

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def moved(self) -> int:
        return self.pull.received + self.push.acknowledged + self.push.failed

    def summary(self) -> str:
        lines = []
        p, s = self.pull, self.push
        if p.received:
            lines.append(
                f"Reçu du portail : {p.received} changement(s) — {p.applied} appliqué(s), "
                f"{p.requests} demande(s), {p.conflicts} conflit(s), "
                f"{p.quarantined} en quarantaine, {p.unchanged} sans effet."
            )
        else:
            lines.append("Reçu du portail : rien de nouveau.")
        if s.acknowledged or s.failed:
            lines.append(
                f"Envoyé au portail : {s.acknowledged} élément(s) accepté(s), {s.failed} refusé(s)."
            )
        else:
            lines.append("Envoyé au portail : rien à envoyer.")
        if self.auto_decided:
            lines.append(f"Traitement automatique : {self.auto_decided} jour(s) décidé(s).")
        if s.skipped:
            lines.append(
                f"  Sans envoi : {s.skipped} élément(s) (remplacés par un plus récent, "
                "ou hors du contrat du portail)."
            )
        if s.stale:
            lines.append(
                f"  Décisions sans objet : {s.stale} (jour retiré ou changé par la famille "
                "entre-temps ; la décision est annulée, voir les conflits)."
            )
        lines += [f"  Refus : {f}" for f in s.failures]
        if self.pending:
            lines.append(f"Reste à envoyer : {self.pending} élément(s).")
        if self.open_conflicts:
            lines.append(f"Conflits à trancher : {self.open_conflicts}.")
        if self.open_quarantine:
            lines.append(f"Changements en quarantaine : {self.open_quarantine}.")
        if self.error:
            lines.append(f"Synchronisation interrompue : {self.error}")
        if self.new_version:
            lines.append(self.new_version)
        return "\n".join(lines)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data["pull"]["received"] = self.pull.received
        return data


def run_round(db: Database, client: PortalClient, progress: Progress | None = None) -> RoundReport:
    """Agree on the exchange's version, then pull then push; network problems end the
    round early with a French ``error`` (nothing is lost: the cursor and the outbox say
    where to resume), and so do different versions, before anything is pulled."""
    report = RoundReport(started_at=utcnow())
    try:
        report.new_version = versions.agree(client).notice
    except PortalError as exc:
        report.error = str(exc)
    else:
        report.pull = pull_changes(db, client, progress)
        report.error = report.pull.stopped
    if not report.error:
        # The rules' automatic decisions on what just came in go out with this push.
        report.auto_decided = auto_processing.run(db).decided
        report.push = push_pending(db, client, progress)
        report.error = report.push.stopped
    if not report.error and report.push.by_topic.get("account.upsert"):
        # A closing pull: a parent's change made while the accounts were being pushed
        # comes in now (and the family is pushed again if the PUT overwrote it);
        # usually there is none, and the pushes need no second look next round.
        closing = pull_changes(db, client, progress)
        _add_pull(report.pull, closing)
        report.error = closing.stopped
    with db.session() as session:
        report.pending = session.execute(
            select(func.count(OutboxItem.id)).where(OutboxItem.state == OutboxState.PENDING)
        ).scalar_one()
        report.open_conflicts = session.execute(
            select(func.count(SyncConflict.id)).where(SyncConflict.resolved_at.is_(None))
        ).scalar_one()
        report.open_quarantine = session.execute(
            select(func.count(QuarantinedChange.id)).where(QuarantinedChange.resolved_at.is_(None))
        ).scalar_one()
    report.finished_at = utcnow()
    return report


def _add_pull(total: PullReport, more: PullReport) -> None:
    for name in ("applied", "unchanged", "conflicts", "quarantined", "requests"):
        setattr(total, name, getattr(total, name) + getattr(more, name))
    for kind, count in more.by_kind.items():
        total.by_kind[kind] = total.by_kind.get(kind, 0) + count
    total.position = max(total.position, more.position)


def client_from_settings(
    db: Database, *, portal_url: str | None = None, token: str | None = None, **options
) -> PortalClient:
    """A client for the configured portal (or ``portal_url``), token from the keyring."""
    with db.session() as session:
        url = portal_url or settings.portal_url(session)
        ca_file = settings.ca_bundle(session)
    if not url:
        raise PortalError(
            "Aucun portail n'est configuré : indiquez-le dans « Paramètres › Portail et "
            "synchronisation » (ou en ligne de commande : backoffice-cli sync configure "
            "--portal URL)."
        )
    return PortalClient(url, token or settings.read_token(url), ca_bundle=ca_file, **options)
