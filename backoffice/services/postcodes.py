"""French postcodes → communes (BAN data, resources/codes-postaux.csv, MIT licence)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from .. import paths
from ..text import fold


@dataclass(frozen=True, slots=True)
class Commune:
    postcode: str
    insee_code: str
    name: str

    @property
    def department(self) -> str:
        return self.insee_code[:3] if self.insee_code.startswith("97") else self.insee_code[:2]


@lru_cache(maxsize=1)
def all_communes() -> tuple[Commune, ...]:
    with paths.resource("codes-postaux.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        return tuple(
            Commune(row["code_postal"], row["code_insee"], row["nom_commune"]) for row in reader
        )


@lru_cache(maxsize=1)
def _by_postcode() -> dict[str, tuple[Commune, ...]]:
    index: dict[str, list[Commune]] = {}
    for commune in all_communes():
        index.setdefault(commune.postcode, []).append(commune)
    return {code: tuple(items) for code, items in index.items()}


def communes_for_postcode(postcode: str) -> tuple[Commune, ...]:
    return _by_postcode().get(postcode.strip(), ())


def complete(prefix: str, limit: int = 20) -> list[Commune]:
    """Communes whose postcode starts with ``prefix`` (digits) or whose name does."""
    prefix = prefix.strip()
    if not prefix:
        return []
    if prefix.isdigit():
        hits = [c for c in all_communes() if c.postcode.startswith(prefix)]
    else:
        folded = fold(prefix)
        hits = [c for c in all_communes() if fold(c.name).startswith(folded)]
    return hits[:limit]


def communes_of_department(department: str) -> list[Commune]:
    return [c for c in all_communes() if c.department == department]
