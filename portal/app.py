"""The FastAPI application: ``create_app(settings)``.

The database is opened (and migrated) when the app is created, so a bad URL
or an unreachable server stops the start-up with a clear message.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI

from portal import __version__
from portal.db import open_database
from portal.deps import Services, ServicesDep
from portal.errors import install_handlers
from portal.mail import Mailer
from portal.pages import install as install_pages
from portal.protection import install as install_protection
from portal.providers import from_settings
from portal.routes import (
    auth,
    billing,
    bookings,
    common,
    documents,
    me,
    pay,
    staff,
    staff_billing,
    staff_bookings,
    staff_version,
)
from portal.settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = """API du Portail Famille d'une Communauté de communes.

* **parents** : activation du compte, connexion, mot de passe oublié, informations
  de la famille, changement d'identifiant, fiches enfants (guide parents §2 à §5) ;
  inscriptions, planning hebdomadaire, réservations et annulations (§6) ;
  factures et paiements (§7) ;
* **back-office** (jeton `Bearer` du personnel) : comptes familles, catalogue avec ses
  règles de traitement, inscriptions et décisions poussés avec une clé d'idempotence,
  envoi des liens, flux numéroté des changements faits par les parents ; factures
  avec leur PDF et périodes de paiement ; chaque écriture répond l'en-tête
  `X-Feed-Position` (dernier numéro du flux) ;
* **parents, §7** : factures par régie (état, solde, détail, PDF), paiements,
  paiement en ligne des factures ALSH pendant les périodes ouvertes (PayFiP ou
  fournisseur simulé).

Chaque erreur répond `{"detail": "message en français", "errors": [{"field", "message"}]}`.
"""


UNREADABLE_BODY = {
    "description": "Corps de la requête illisible.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
}


def _document_feed_position(app: FastAPI) -> None:
    """Declare the ``X-Feed-Position`` header on the success answers of every staff write."""
    build = app.openapi

    def openapi():
        if app.openapi_schema is None:
            schema = build()
            for path, item in schema["paths"].items():
                if not path.startswith("/staff/"):
                    continue
                for method, op in item.items():
                    if method == "get":
                        continue
                    for code, answer in op.get("responses", {}).items():
                        if code.startswith("2"):
                            answer.setdefault("headers", {}).update(common.FEED_POSITION_DOC)
            # A body that cannot even be read (not UTF-8, cut short) answers 400 before any
            # validation: say so on every operation that takes a body.
            for item in schema["paths"].values():
                for op in item.values():
                    if "requestBody" in op:
                        op["responses"].setdefault("400", UNREADABLE_BODY)
        return app.openapi_schema

    # FastAPI's documented way to extend the generated schema: replace the method.
    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    db = open_database(settings.resolved_database_url())

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        db.dispose()

    app = FastAPI(
        title="Portail Famille — API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # The OpenAPI pages only when PORTAL_API_DOCS says so; ``app.openapi()`` works anyway.
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
        openapi_url="/openapi.json" if settings.api_docs else None,
    )
    install_protection(app, settings)
    app.state.services = Services(
        settings=settings, db=db, mailer=Mailer(settings), provider=from_settings(settings)
    )
    install_handlers(app)
    app.include_router(auth.router)
    app.include_router(me.router)
    app.include_router(bookings.router)
    app.include_router(staff.router)
    app.include_router(staff_version.router)
    app.include_router(staff_bookings.router)
    app.include_router(billing.router)
    app.include_router(staff_billing.router)
    app.include_router(pay.router)
    app.include_router(documents.router)
    install_pages(app)
    _document_feed_position(app)

    @app.get("/health", tags=["système"], summary="État du service")
    def health(svc: ServicesDep) -> dict[str, str]:
        from sqlalchemy import text

        with svc.db.read() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    log.info("Portail démarré (%s)", db.description)
    return app
