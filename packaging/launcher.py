"""Entry script of the frozen back-office (PyInstaller needs a file, not an entry point)."""

import multiprocessing
import sys

from backoffice.app import main

if __name__ == "__main__":
    # A frozen Windows app must say so before any worker process starts (PDF batches).
    multiprocessing.freeze_support()
    sys.exit(main())
