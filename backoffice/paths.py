"""Where things live: data, logs, resources. The one module that resolves paths.

- ``BACKOFFICE_DATA_DIR`` overrides the data directory (tests, several setups);
  logs go to its ``logs/`` sub-folder then.
- Portable mode (data beside the program): a ``portable.flag`` file next to the
  executable, or ``BACKOFFICE_PORTABLE=1``; refused (:class:`PortableNotWritable`,
  French) where the agent cannot write beside the program (Program Files).
- Resources are found the same way from a source checkout and a frozen build.
- The documents the back-office writes go under the data directory by default:
  invoice PDFs (:func:`invoices_dir`), deposit slips (:func:`slips_dir`), lists of
  the children expected (:func:`expected_lists_dir`). These are not created here:
  the service writing a file creates its folder (``services.common.files``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from backoffice import APP_NAME, APP_ORG
from backoffice.errors import UserError

_APPNAME = APP_NAME.replace(" ", "")


def _program_dir() -> Path:
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent.parent


def is_portable() -> bool:
    return (
        os.environ.get("BACKOFFICE_PORTABLE") == "1" or (_program_dir() / "portable.flag").exists()
    )


class PortableNotWritable(UserError):
    """Portable mode where the data folder beside the program cannot be written."""


def _writable(folder: Path) -> bool:
    probe = folder / ".ecriture-possible"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    return True


def portable_data_dir() -> Path:
    """The data folder of portable mode, once checked writable."""
    path = _program_dir() / "data"
    if not _writable(path):
        raise PortableNotWritable(
            f"Mode portable impossible : le dossier {path} n'est pas modifiable (programme "
            "installé pour tous les utilisateurs, ou support en lecture seule). Retirez le "
            f"fichier portable.flag de {_program_dir()} ou installez le programme pour vous "
            "seul ; aucune donnée n'a été créée ni déplacée."
        )
    return path


def data_dir() -> Path:
    override = os.environ.get("BACKOFFICE_DATA_DIR")
    if override:
        path = Path(override)
    elif is_portable():
        path = portable_data_dir()
    else:
        path = Path(platformdirs.user_data_dir(_APPNAME, APP_ORG, roaming=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    if os.environ.get("BACKOFFICE_DATA_DIR") or is_portable():
        path = data_dir() / "logs"
    else:
        path = Path(platformdirs.user_log_dir(_APPNAME, APP_ORG))
    path.mkdir(parents=True, exist_ok=True)
    return path


def resources_dir() -> Path:
    override = os.environ.get("BACKOFFICE_RESOURCES_DIR")
    if override:
        return Path(override)
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", _program_dir())) / "resources"
    return _program_dir() / "resources"


def resource(*parts: str) -> Path:
    """Path of a file under ``resources/``; raises a French error when it is missing."""
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"Ressource introuvable : {path}")
    return path


def default_database_path() -> Path:
    return data_dir() / "backoffice.sqlite3"


# -- documents written by the back-office (default folders, not created here) ------------


# The folders chosen in « Paramètres › Collectivité » (``folders.pdf``, ``folders.exports``),
# set at start-up and on saving by ``services.settings.collectivity.apply_folders``.
_output_folders: dict[str, Path | None] = {"pdf": None, "exports": None}


def set_output_folders(pdf: Path | None, exports: Path | None) -> None:
    """Where PDFs and exports go by default (None: under the data folder)."""
    _output_folders["pdf"], _output_folders["exports"] = pdf, exports


def pdf_root() -> Path:
    """The folder under which the PDFs go by default."""
    return _output_folders["pdf"] or data_dir()


def exports_dir() -> Path:
    """Default folder of the exports (catalogue TOML, CSV files)."""
    return _output_folders["exports"] or data_dir() / "exports"


def invoices_dir(run_id: int | None = None) -> Path:
    """Default folder of the invoice PDFs: one sub-folder per run, ``pieces`` for the others."""
    base = pdf_root() / "factures"
    return base / f"lot-{run_id:05d}" if run_id is not None else base / "pieces"


def slips_dir() -> Path:
    """Default folder of the cheque deposit slips (bordereaux de remise)."""
    return pdf_root() / "bordereaux"


def pes_dir() -> Path:
    """Default folder of the PES V2 files for the Trésor public."""
    return data_dir() / "pes"


def sepa_dir() -> Path:
    """Default folder of the SEPA direct-debit files (pain.008)."""
    return data_dir() / "prelevements"


def expected_lists_dir() -> Path:
    """Default folder of the printed lists of the children expected on a day."""
    return pdf_root() / "listes"
