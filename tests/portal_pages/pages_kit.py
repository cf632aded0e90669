"""Kit of the parents' pages tests (fixtures re-exported by conftest.py): the portal served for real, a real SMTP sink,
Debian's Chromium driven by Playwright, axe-core and screenshots.

* ``site`` (module): the portal on a fresh SQLite file, served by uvicorn on loopback
  (``tests/portal_api/portal_testkit.serve``), its e-mails going to ``mail`` (module,
  an aiosmtpd sink: ``mail.last_to(address).link``).
* ``browser`` (session, from ``tests/conftest.py``): Chromium from ``/usr/bin/chromium``
  (``tests/browser_kit.py``: one Playwright per test process).
* ``page`` (function): a fresh French browser context at 1280×800; at the end, no
  console error (a CSP refusal shows up there) may have been logged.
* ``axe_check(page)``: axe-core on the page, 0 serious or critical violations.
* ``shoot(page, name)``: ``docs/screenshots/portal-<name>-1280x800.png`` and ``-390x844.png``.
* ``new_family(site)``/``active_family(site, mail)``: a family created through the staff
  API (unique ref and login), activated or not; ``log_in(page, site, login)``.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
if "portal_testkit" not in sys.modules:
    _spec = importlib.util.spec_from_file_location(
        "portal_testkit", TESTS / "portal_api" / "portal_testkit.py"
    )
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["portal_testkit"] = _module
    _spec.loader.exec_module(_module)

from aiosmtpd.controller import Controller  # noqa: E402
from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Page  # noqa: E402
from portal_testkit import (  # noqa: E402
    PASSWORD,
    Portal,
    SmtpSink,
    family_body,
    free_port,
    make_settings,
    new_key,
    serve,
)

SCREENSHOTS = TESTS.parent / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000  # generous: the machine is shared; every wait ends as soon as it can

_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def mail():
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory, mail):
    """The portal served for real (``portal serve`` equivalent) on a fresh SQLite file."""
    folder = tmp_path_factory.mktemp("portail")
    running, stop = serve(make_settings(f"sqlite:///{folder / 'portal.sqlite3'}", mail.port))
    yield running
    stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    expected: set[int] = set()
    tab.expected_statuses = expected  # type: ignore[attr-defined]  # see expect_status
    yield tab
    context.close()
    problems = [p for p in problems if not any(f"status of {code} " in p for code in expected)]
    assert not problems, f"erreurs dans la console du navigateur : {problems}"


def expect_status(page: Page, code: int) -> None:
    """The test means to show a page answered with this error status (the browser's
    console logs it): not a problem."""
    page.expected_statuses.add(code)  # type: ignore[attr-defined]


_axe = Axe()


def axe_check(page: Page) -> None:
    """axe-core on the page as shown: no serious or critical violation."""
    results = _axe.run(page)
    bad = [
        f"{v['id']} ({v['impact']}) : {v['help']} — "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, f"axe sur {page.url} :\n" + "\n".join(bad)


def shoot(page: Page, name: str) -> None:
    """The page at 1280×800 and at 390×844 (phone), full height, in docs/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.screenshot(
            path=str(SCREENSHOTS / f"portal-{name}-{size['width']}x{size['height']}.png"),
            full_page=True,
        )
    page.set_viewport_size(DESKTOP)


def visit(page: Page, name: str) -> None:
    """Every page of a journey: axe-core, then the two screenshots."""
    axe_check(page)
    shoot(page, name)


def new_family(site: Portal, **overrides) -> str:
    """A family created through the staff API (activation e-mail sent); returns its login."""
    n = next(_numbers)
    login = overrides.pop("login", f"parent{n}@example.fr")
    body = family_body(login, **overrides)
    r = site.staff("PUT", f"/staff/families/P{n:05d}", new_key(), json=body)
    assert r.status_code == 201, r.text
    return login


def active_family(site: Portal, mail: SmtpSink, **overrides) -> str:
    """A family whose account is activated (through the API) with ``PASSWORD``."""
    login = new_family(site, **overrides)
    token = mail.last_to(login).token
    r = site.post(
        "/auth/activate",
        json={"token": token, "password": PASSWORD, "password_confirmation": PASSWORD},
    )
    assert r.status_code == 200, r.text
    return login


def log_in(page: Page, site: Portal, login: str, password: str = PASSWORD) -> None:
    """Through the login page; ends on « Ma famille »."""
    page.goto(site.url("/connexion"))
    page.get_by_label("Identifiant (adresse e-mail)").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(site.url("/ma-famille"))
