"""Figures a benchmark script hands to ``python -m bench`` (one JSON file per script).

    from results import Results
    results = Results.from_args(args)          # args.json from add_json_argument
    results.add("Facturation d'un mois", "1×", "SQLite", 4.2, "s", floor=0.8)
    results.save()                             # no-op without --json

A figure is one measure at one scale on one database; ``floor`` is the same work done
the bare way in the same process (raw SQL, bare reportlab, raw HTTP), so the ratio
means something on a loaded machine.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(slots=True)
class Figure:
    figure: str  # French, e.g. « Facturation d'un mois, toutes régies »
    scale: str  # "1×" or "10×" (or "—" when the measure has no scale)
    database: str  # "SQLite", "PostgreSQL" or "—"
    value: float
    unit: str  # "s", "ms", "Mo"…
    floor: float | None = None  # same unit
    target: str = ""  # the target, in words
    detail: str = ""


@dataclass(slots=True)
class Results:
    path: Path | None = None
    figures: list[Figure] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Results:
        path = getattr(args, "json", None)
        return cls(Path(path) if path else None)

    def add(
        self,
        figure: str,
        scale: str,
        database: str,
        value: float,
        unit: str,
        *,
        floor: float | None = None,
        target: str = "",
        detail: str = "",
    ) -> None:
        self.figures.append(Figure(figure, scale, database, value, unit, floor, target, detail))
        self.save()  # written as it goes: a later failure keeps what was measured

    def save(self) -> None:
        if self.path is not None:
            self.path.write_text(
                json.dumps([asdict(f) for f in self.figures], ensure_ascii=False, indent=1),
                encoding="utf-8",
            )


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", metavar="FICHIER", help="écrit aussi les mesures en JSON (pour python -m bench)"
    )


def load(path: Path) -> list[Figure]:
    if not path.exists():
        return []
    return [Figure(**row) for row in json.loads(path.read_text(encoding="utf-8"))]
