"""What a catalogue import did: counts per kind of object, and what it left alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KIND_LABELS = {
    "setting": "Paramètres de la collectivité",
    "regie": "Régies",
    "payment_window": "Fenêtres de paiement",
    "site": "Établissements",
    "activity": "Activités",
    "age_group": "Groupes d'âge",
    "period": "Périodes",
    "unit": "Unités",
    "capacity": "Capacités",
    "rule": "Règles de traitement",
    "tariff": "Tarifs",
    "closure": "Fermetures",
    "consent": "Autorisations",
}


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


@dataclass
class CatalogueReport:
    """What an import did, per kind of object, plus what it left alone."""

    source: str = "catalogue"
    counts: dict[str, KindCounts] = field(
        default_factory=lambda: {kind: KindCounts() for kind in KIND_LABELS}
    )
    absent: list[str] = field(default_factory=list)  # in the database, not in the file
    kept: list[str] = field(default_factory=list)  # used tariffs left out of the file, kept

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.counts.values())

    def summary(self) -> str:
        lines = [f"Catalogue « {self.source} » importé."]
        if not self.changed:
            lines.append("Aucun changement : la base était déjà à jour.")
        for kind, c in self.counts.items():
            if not (c.changed or c.unchanged):
                continue
            parts = [
                f"{c.created} ajout(s)",
                f"{c.updated} modification(s)",
                f"{c.unchanged} sans changement",
            ]
            if c.deleted:
                parts.append(f"{c.deleted} suppression(s)")
            lines.append(f"  {KIND_LABELS[kind]} : " + ", ".join(parts))
        if self.absent:
            lines.append("Absents du fichier (laissés tels quels) : " + ", ".join(self.absent))
        lines.extend(f"Conservé : {item}" for item in self.kept)
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "changed": self.changed,
            "counts": {kind: vars(c).copy() for kind, c in self.counts.items()},
            "absent": list(self.absent),
            "kept": list(self.kept),
        }

    def tally(self, kind: str, created: bool = False, changed: bool = False) -> None:
        counts = self.counts[kind]
        if created:
            counts.created += 1
        elif changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
