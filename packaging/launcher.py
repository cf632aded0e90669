"""Entry script of the frozen back-office (PyInstaller needs a file, not an entry point)."""

import sys

from backoffice.app import main

if __name__ == "__main__":
    sys.exit(main())
