"""Entry script of the frozen back-office (PyInstaller needs a file, not an entry point).

One script for both programs, chosen by the name it is started under: ``backoffice``
(the windowed GUI) or ``backoffice-cli`` (the command line). On Windows these are two
EXEs sharing ``_internal`` (``backoffice-cli.exe`` is a console program); on Linux,
where a program has no console/windowed flag, ``backoffice-cli`` is a symbolic link to
``backoffice`` (``packaging/build.py``), so the Python archive is not carried twice.
"""

import multiprocessing
import sys
from pathlib import Path

CLI_NAME = "backoffice-cli"

if __name__ == "__main__":
    # A frozen Windows app must say so before any worker process starts (PDF batches).
    multiprocessing.freeze_support()
    if CLI_NAME in {Path(sys.argv[0]).stem, Path(sys.executable).stem}:
        from backoffice.cli import main
    else:
        from backoffice.app import main
    sys.exit(main())
