"""The parents' pages (server-rendered HTML, Jinja2), mounted in the portal app.

``install(app)`` adds the static files (``/static``), the page routers and the two
page-only exception handlers (login required → redirect, CSRF refused → 403 page).
How to add a page: ``docs/portal-pages.md``.
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal.pages import account, bookings, children, invoices, public
from portal.pages.web import HERE, CsrfRefused, LoginRequired, render

ROUTERS = [public.router, account.router, children.router, bookings.router, invoices.router]


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login_required(_request: Request, exc: LoginRequired):
        from urllib.parse import quote

        return RedirectResponse(f"/connexion?suite={quote(exc.return_to, safe='/')}", 303)

    json_answer = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(StarletteHTTPException)
    async def _not_found(request: Request, exc: StarletteHTTPException):
        # A browser (it asks for HTML) gets a page; API clients keep their JSON body.
        if exc.status_code == 404 and "text/html" in request.headers.get("accept", ""):
            return render(
                request,
                "error.html",
                {
                    "heading": "Page introuvable",
                    "message": "Cette page n'existe pas ou n'existe plus. Vérifiez l'adresse, "
                    "ou repartez de l'accueil.",
                },
                status_code=404,
            )
        answer = json_answer(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

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
