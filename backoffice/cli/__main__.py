"""``python -m backoffice.cli``: the same as ``backoffice-cli``."""

import sys

from backoffice.cli import main

sys.exit(main())
