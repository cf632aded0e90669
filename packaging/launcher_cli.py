"""Entry script of the frozen ``backoffice-cli`` (console), beside the windowed
``backoffice`` and sharing its ``_internal`` folder (its own Python archive leaves the
GUI out: packaging/backoffice.spec).

``backoffice-cli --self-test`` runs the self-test's checks that need no Qt, with a
console to print them (the windowed ``backoffice.exe --self-test`` runs them all and
writes its lines to the log file; its exit code says the result).
"""

import multiprocessing
import sys

from backoffice.cli.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
