"""French postcodes → communes (BAN data, resources/codes-postaux.csv, MIT licence)."""

from __future__ import annotations

import csv
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from backoffice import paths
from backoffice.text import fold


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


def _key(text: str) -> str:
    """Folded, with hyphens and apostrophes as spaces: "Saint-Germain-d'Arcé" → "saint germain d arce"."""
    return " ".join(re.sub(r"[-'’]", " ", fold(text)).split())


@lru_cache(maxsize=2)
def _name_index(words: bool) -> tuple[list[str], list[Commune]]:
    """Communes sorted by name (or, with ``words``, by each later word of the name:
    "lude" finds Le Lude), so a prefix is a bisection, not a scan of 35,000 rows."""
    pairs = []
    for commune in all_communes():
        parts = _key(commune.name).split()
        if words:
            pairs += [(" ".join(parts[i:]), commune) for i in range(1, len(parts))]
        else:
            pairs.append((" ".join(parts), commune))
    pairs.sort(key=lambda p: p[0])
    return [p[0] for p in pairs], [p[1] for p in pairs]


def complete(text: str, limit: int = 20) -> list[Commune]:
    """Communes whose postcode (digits) or name start with ``text`` (accents, case,
    hyphens ignored); names starting so come before names with a later word starting so."""
    text = text.strip()
    if not text:
        return []
    if text.isdigit():
        return [c for c in all_communes() if c.postcode.startswith(text)][:limit]
    prefix = _key(text)
    found: list[Commune] = []
    for words in (False, True):
        keys, communes = _name_index(words)
        index = bisect_left(keys, prefix)
        while index < len(keys) and keys[index].startswith(prefix) and len(found) < limit:
            if communes[index] not in found:
                found.append(communes[index])
            index += 1
    return found


def communes_of_department(department: str) -> list[Commune]:
    return [c for c in all_communes() if c.department == department]
