"""Debian's Chromium driven by Playwright (``python3 tasks.py`` installs the Debian package
``chromium``; Playwright's own download is not reachable here).

One browser per test process: the ``browser`` fixture of ``tests/conftest.py`` (session)
is the only place that starts Playwright's sync API — a second ``sync_playwright()`` in
a process where one runs fails with « Sync API inside the asyncio loop », whichever test
happened to come first on that xdist worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--lang=fr-FR",  # date fields in French order (jj/mm/aaaa): Chromium takes its UI language
]


def launched() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} absent : installez le paquet Debian « chromium » (tasks.py)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
