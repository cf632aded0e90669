"""What every command shares: JSON output, progress lines on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable


def print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def progress_printer(label: str) -> Callable[[int, int], None]:
    last = {"pct": -1}

    def report(done: int, total: int) -> None:
        pct = 100 * done // total if total else 100
        if pct != last["pct"] and (pct % 10 == 0 or done == total):
            last["pct"] = pct
            print(f"{label} : {done}/{total} ({pct} %)", file=sys.stderr, flush=True)

    return report
