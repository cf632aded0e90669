"""The whole loop in a real browser: a family opened at the desk, its parent books on the
parents' pages (Debian's Chromium), a sync round brings the late days in as requests,
the agent accepts one and refuses the other at the desk, the next round takes the
decisions out, and the parent's planning page shows them with the answers.

The portal, the back-office database and the SMTP sink are the real ones of the sync
tests; the browser is the session's one (``browser``, tests/browser_kit.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from portal_testkit import set_now

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "portal_pages"))

from pages_kit import DESKTOP, axe_check, log_in  # noqa: E402
from test_sync_decisions import LOGIN, _requests, registered  # noqa: E402, F401

from backoffice.models import RequestState  # noqa: E402
from backoffice.services.requests.decisions import accept_requests, refuse_requests  # noqa: E402
from backoffice.sync import run_round  # noqa: E402

pytestmark = pytest.mark.postgres


def _row(page, day: str) -> str:
    return page.get_by_role("table").get_by_role("row").filter(has_text=day).inner_text()


def test_a_booking_made_on_the_page_is_decided_at_the_desk(
    db, agent, portal, client, registered, browser
):
    _parent, _child_id, reg = registered
    # Friday 4 December, 15:00: Monday 7 and Tuesday 8 are past « J-2 à 12:00 ».
    set_now(portal, "2026-12-04 15:00")
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR")
    try:
        page = context.new_page()
        log_in(page, portal, LOGIN)
        planning = portal.url(f"/reservations/{reg}/planning?semaine=2026-W50")
        page.goto(planning)
        for day in ("lundi 07/12/2026", "mardi 08/12/2026"):
            page.get_by_role("checkbox", name=f"Journée, {day}").check()
        page.get_by_role("button", name="Vérifier ma réservation").click()
        page.get_by_role("button", name="Valider ma réservation").click()
        page.get_by_role("heading", name=re.compile("^Réservation n°")).wait_for()
        assert page.get_by_text("Demande de réservation en attente de validation").count() == 2

        # The back-office: the requests come in, the agent decides, the decisions go out.
        pulled = run_round(db, client)
        assert pulled.ok and pulled.pull.requests == 2, pulled.summary()
        requests = _requests(db)
        assert {r.state for r in requests.values()} == {RequestState.PENDING}
        with db.session() as s:
            accept_requests(s, agent, [requests[("JOURNEE", "2026-12-07")].id], answer="À lundi !")
        with db.session() as s:
            refuse_requests(s, agent, [requests[("JOURNEE", "2026-12-08")].id], "Sortie complète.")
        pushed = run_round(db, client)
        assert pushed.ok and pushed.push.by_topic == {"booking.decisions": 2}, pushed.summary()

        # The parent's page shows them, with the answers and the legend.
        page.goto(planning)
        assert "Réservation acceptée" in _row(page, "lundi 07/12/2026")
        assert "À lundi !" in _row(page, "lundi 07/12/2026")
        refused = _row(page, "mardi 08/12/2026")
        assert "Sortie complète." in refused and "acceptée" not in refused
        axe_check(page)
    finally:
        context.close()
