"""The cyclic garbage collector around the start of the programs (GUI and command line).

Importing SQLAlchemy, Qt and declaring the models makes hundreds of thousands of
long-lived objects. While the program starts the collector is paused (:func:`pause`):
otherwise it walks them again and again, a tenth of the start. Once started (the
window painted, the command's database open), :func:`settle` moves them out of its way
(``gc.freeze``) and switches it back on: a full collection then walks only what the
work itself holds — a pull of the portal's changes, 10 pages of 1,000, met one full
collection of 0.2 s over the start-up objects, 6 ms once they are frozen. The little
cyclic garbage the start leaves is not worth a full collection first.

Only the programs' entry points pause it; code calling ``main`` functions in-process
(tests) keeps the collector as it found it (:func:`release`).
"""

from __future__ import annotations

import gc


def pause() -> None:
    """No automatic collection until :func:`settle` (the program is starting)."""
    gc.disable()


def settle() -> None:
    """The start is over: its objects out of later collections, the collector back on.
    Nothing when the collector was not paused (``main`` called in-process)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def release() -> None:
    """Leaving the entry point: the collector on, nothing frozen."""
    gc.enable()
    gc.unfreeze()
