"""Text helpers shared by services, search and the GUI (no Qt here)."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case, accent-free form used for searching ("Hélène" → "helene")."""
    # Case-folded again after NFKD: compatibility forms (« 🄰 » → « A ») come out upper-case.
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold()).casefold()
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.replace("œ", "oe").replace("æ", "ae").split())
