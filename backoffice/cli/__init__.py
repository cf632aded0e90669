"""``backoffice-cli``: headless commands calling the same services as the GUI.

One module per command group (``database``, ``catalogue``, ``families``,
``billing``, ``sync``), each with a ``register(sub)`` adding its sub-commands;
:mod:`.app` builds the parser and holds the entry point. No module under
``ui/`` imports this package.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """The ``backoffice-cli`` entry point (kept here so installed launchers stay valid).
    The collector is paused while the command starts, settled once its database is
    open (:mod:`backoffice.collector`)."""
    from backoffice import collector

    collector.pause()
    try:
        from backoffice.cli.app import main as run

        return run(argv)
    finally:
        collector.release()
