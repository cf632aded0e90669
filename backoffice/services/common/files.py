"""Files the services write (PDFs, exports): atomically, with a French message when
the disk says no.

- :func:`write_atomically` writes through a temporary file in the same folder
  (flushed, then renamed over the target): a reader never sees half a PDF, and a
  failed write leaves the previous file as it was.
- :func:`ensure_folder` creates an output folder (and its parents).

Both turn an :class:`OSError` — folder not writable, disk full, a file where the
folder should be, the file open in a PDF reader on Windows — into a
:class:`FileWriteError`: a :class:`~backoffice.errors.UserError` whose French
message names the file and the reason (:func:`os_reason`). The GUI shows it, the
CLI prints it; neither ends in a crash report.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from backoffice.errors import UserError

# Windows: "the process cannot access the file because it is being used by another process"
# (a PDF reader keeps the file open) and "… another process has locked a portion of the file".
_WINDOWS_SHARING_VIOLATIONS = {32, 33}

_REASONS_BY_NAME = {
    "EACCES": "accès refusé (dossier protégé en écriture, ou fichier ouvert dans un autre programme)",
    "EPERM": "opération non permise (droits insuffisants)",
    "ENOSPC": "disque plein",
    "EDQUOT": "quota du disque dépassé",
    "EROFS": "le disque est en lecture seule",
    "ENOENT": "dossier introuvable",
    "ENOTDIR": "un fichier porte le nom d'un des dossiers du chemin",
    "EEXIST": "un fichier porte déjà ce nom à la place du dossier",
    "EISDIR": "un dossier porte déjà ce nom",
    "ENAMETOOLONG": "nom de fichier trop long",
    "EIO": "erreur d'entrée-sortie du disque",
}
# Not every code exists on every system (no EDQUOT on Windows).
_REASONS = {
    getattr(errno, name): reason
    for name, reason in _REASONS_BY_NAME.items()
    if hasattr(errno, name)
}


class FileWriteError(UserError):
    """A file or folder could not be written; ``path`` and the French ``reason``."""

    def __init__(self, message: str, path: Path, reason: str):
        super().__init__(message)
        self.path = path
        self.reason = reason


def os_reason(exc: OSError) -> str:
    """Why the system refused, in French (the system's own words as a last resort)."""
    if getattr(exc, "winerror", None) in _WINDOWS_SHARING_VIOLATIONS:
        return "le fichier est ouvert dans un autre programme (lecteur PDF…) : fermez-le"
    reason = _REASONS.get(exc.errno) if exc.errno is not None else None
    return reason or exc.strerror or str(exc) or type(exc).__name__


def ensure_folder(folder: Path) -> Path:
    """Create ``folder`` (and its parents) if needed; returns it.

    Raises :class:`FileWriteError` « Impossible de créer le dossier … : raison. »"""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = os_reason(exc)
        raise FileWriteError(
            f"Impossible de créer le dossier {folder} : {reason}.", folder, reason
        ) from exc
    return folder


def write_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path``: temporary file in the same folder, flushed, then
    renamed over ``path`` (the folder must exist: :func:`ensure_folder`). Returns ``path``.

    Raises :class:`FileWriteError` « Impossible d'écrire le fichier … : raison. »;
    the temporary file is removed and a previous ``path`` is left as it was."""
    path = Path(path)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(exc, OSError):
            reason = os_reason(exc)
            raise FileWriteError(
                f"Impossible d'écrire le fichier {path} : {reason}.", path, reason
            ) from exc
        raise
    return path
