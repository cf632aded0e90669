"""The parents' pages (server-rendered HTML, Jinja2), mounted in the portal app.

``install(app)`` adds the static files (``/static``), the page routers and the two
page-only exception handlers (login required → redirect, CSRF refused → 403 page).
How to add a page: ``docs/portal-pages.md``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from portal.pages import account, public
from portal.pages.web import HERE, CsrfRefused, LoginRequired, render

ROUTERS = [public.router, account.router]


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login_required(_request: Request, exc: LoginRequired):
        from urllib.parse import quote

        return RedirectResponse(f"/connexion?suite={quote(exc.return_to, safe='/')}", 303)

    @app.exception_handler(CsrfRefused)
    async def _csrf_refused(request: Request, _exc: CsrfRefused):
        return render(
            request,
            "error.html",
            {
                "heading": "Formulaire expiré",
                "message": "Ce formulaire a expiré ou ne vient pas de ce site (jeton de "
                "sécurité absent ou invalide). Rechargez la page et recommencez.",
            },
            status_code=403,
        )
