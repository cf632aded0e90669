"""Logging to a rotating file in the user log directory (no Qt here).

The GUI and the crash handler write there; the crash dialog tells the agent
which file to send to support.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from backoffice import paths

LOG_FILE_NAME = "backoffice.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(threadName)s] %(message)s"

_HANDLER_NAME = "backoffice-file"


def log_file_path(directory: Path | None = None) -> Path:
    return (directory or paths.log_dir()) / LOG_FILE_NAME


def setup_logging(level: int = logging.INFO, directory: Path | None = None) -> Path:
    """Send the root logger to a rotating file (1 MB × 5); calling again replaces it.

    Returns the path of the log file.
    """
    path = log_file_path(directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutdown_logging()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    return path


def shutdown_logging() -> None:
    """Detach and close the file handler installed by :func:`setup_logging`."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
            handler.close()
