"""What the « Synchronisation » area says, without Qt: times in Paris, the
interval (0 = off), the outcome of a round, the status-bar line. The settings and
counts it shows are read and written by :mod:`backoffice.sync.settings` and
:mod:`backoffice.sync.conflicts`.

Kept free of Qt so it is tested and reused as plain Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from backoffice.sync.round import RoundReport
from backoffice.sync.settings import MAX_INTERVAL_MINUTES

PARIS = ZoneInfo("Europe/Paris")
__all__ = ["MAX_INTERVAL_MINUTES"]  # the interval field's limit (sync.settings checks it)

# Why a round ended: decides the words of the status bar.
OK, UNREACHABLE, REFUSED, NOT_CONFIGURED, FAILED = (
    "ok",
    "unreachable",
    "refused",
    "not_configured",
    "failed",
)


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def clock_text(moment: datetime) -> str:
    """« 10:42 », Paris time."""
    return _aware(moment).astimezone(PARIS).strftime("%H:%M")


def day_text(moment: datetime, now: datetime) -> str:
    """« aujourd'hui à 10:42 », « hier à 18:05 », « le 24/11/2026 à 09:30 »."""
    local, today = _aware(moment).astimezone(PARIS), _aware(now).astimezone(PARIS).date()
    if local.date() == today:
        prefix = "aujourd'hui"
    elif local.date() == today - timedelta(days=1):
        prefix = "hier"
    elif local.date() == today + timedelta(days=1):
        prefix = "demain"
    else:
        prefix = f"le {local:%d/%m/%Y}"
    return f"{prefix} à {local:%H:%M}"


def ago_text(moment: datetime, now: datetime) -> str:
    """« à l'instant », « il y a 3 min », « il y a 2 h », « il y a 4 jours »."""
    seconds = (_aware(now) - _aware(moment)).total_seconds()
    if seconds < 60:
        return "à l'instant"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"il y a {minutes} min"
    hours = minutes // 60
    if hours < 24:
        return f"il y a {hours} h"
    days = hours // 24
    return f"il y a {days} jour{'s' if days > 1 else ''}"


def interval_text(minutes: int) -> str:
    if minutes <= 0:
        return "désactivée"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"toutes les {hours} h" if hours > 1 else "toutes les heures"
    return f"toutes les {minutes} min" if minutes > 1 else "chaque minute"


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


# -- a round's outcome ---------------------------------------------------------------


@dataclass
class Outcome:
    """How the last round ended, for the area and the status bar."""

    kind: str
    finished_at: datetime
    report: RoundReport | None = None
    message: str = ""  # French: why it stopped

    @property
    def ok(self) -> bool:
        return self.kind == OK

    def summary(self) -> str:
        if self.report is not None:
            return self.report.summary()
        return self.message


def moved_lines(report: RoundReport) -> list[str]:
    """Short French lines of what moved, for the header of the summary."""
    pull, push = report.pull, report.push
    lines = []
    if pull.received:
        lines.append(plural(pull.received, "changement reçu", "changements reçus"))
    if push.acknowledged:
        lines.append(plural(push.acknowledged, "élément envoyé", "éléments envoyés"))
    if push.failed:
        lines.append(plural(push.failed, "envoi refusé", "envois refusés"))
    if pull.quarantined:
        lines.append(plural(pull.quarantined, "mis en quarantaine", "mis en quarantaine"))
    if pull.conflicts:
        lines.append(plural(pull.conflicts, "nouveau conflit", "nouveaux conflits"))
    return lines


@dataclass
class Status:
    """Everything the status-bar indicator needs."""

    configured: bool
    running: bool = False
    last_success_at: datetime | None = None
    outcome: Outcome | None = None
    next_run_at: datetime | None = None
    conflicts: int = 0
    quarantined: int = 0
    details: list[str] = field(default_factory=list)

    def new_version(self) -> str:
        """« Une nouvelle version est disponible (x.y.z). » after a round that was told so."""
        report = self.outcome.report if self.outcome is not None else None
        return report.new_version if report is not None else ""

    def indicator_text(self) -> str:
        """« Synchronisé à 10:42 », « Synchronisation… »,
        « Portail injoignable (nouvel essai à 10:52) », plus the open problems."""
        if not self.configured:
            text = "Portail non configuré"
        elif self.running:
            text = "Synchronisation…"
        elif self.outcome is not None and not self.outcome.ok:
            text = {
                UNREACHABLE: "Portail injoignable",
                REFUSED: "Jeton refusé par le portail",
                NOT_CONFIGURED: "Synchronisation impossible",
            }.get(self.outcome.kind, "Synchronisation interrompue")
            if self.next_run_at is not None:
                text += f" (nouvel essai à {clock_text(self.next_run_at)})"
        elif self.outcome is not None:
            text = f"Synchronisé à {clock_text(self.outcome.finished_at)}"
        elif self.last_success_at is not None:
            text = f"Synchronisé à {clock_text(self.last_success_at)}"
        else:
            text = "Jamais synchronisé"
        problems = []
        if self.conflicts:
            problems.append(plural(self.conflicts, "conflit", "conflits"))
        if self.quarantined:
            problems.append(f"{self.quarantined} en quarantaine")
        if problems:
            text += " — " + ", ".join(problems)
        return text
