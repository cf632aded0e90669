"""What every parents' page uses: templates, the session cookie, CSRF, flash messages.

* :func:`render` answers a template with the base context (settings, the parent if
  signed in, the CSRF token, the flash message) and the strict CSP (no inline code).
* The session is the API's bearer token (``accounts.open_session``, idle and absolute
  expiry) kept in the ``portail_session`` cookie: HttpOnly, SameSite=Lax, Secure when
  the request came over HTTPS (behind a trusted proxy, ``X-Forwarded-Proto`` says so).
* CSRF: double-submit token, a random value in the ``portail_csrf`` cookie (HttpOnly,
  SameSite=Lax) repeated in the ``csrf`` hidden field of every form; :data:`FormDep`
  reads the form of a POST and refuses (403 page) when they differ. A new value is set
  at every login, so a token from before the login is worthless after it.
* Flash: a message carried by the ``portail_flash`` cookie across a POST-redirect-GET.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from portal import accounts
from portal.deps import Services, ServicesDep
from portal.protection import CSP
from portal.security import new_token, same_secret

HERE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
# The templates ship with the package: no stat() of each file at every page to see
# whether it changed.
templates.env.auto_reload = False


def phone(number: str) -> str:
    """A French 10-digit number in pairs (« 02 43 00 00 00 »); others as stored."""
    digits = number.replace(" ", "")
    if len(digits) == 10 and digits.isdigit():
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return number


templates.env.filters["phone"] = phone

SESSION_COOKIE = "portail_session"
CSRF_COOKIE = "portail_csrf"
FLASH_COOKIE = "portail_flash"
CSRF_FIELD = "csrf"


class LoginRequired(Exception):
    """A page for signed-in parents, asked without a (valid) session: go to the login."""

    def __init__(self, return_to: str):
        super().__init__(return_to)
        self.return_to = return_to


class CsrfRefused(Exception):
    """A form posted without the right CSRF token: a French 403 page."""


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (a new one is set by :func:`render` if it had none)."""
    token = getattr(request.state, "csrf", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or ""
        if len(token) < 20:
            token = new_token()
            request.state.new_csrf = True
        request.state.csrf = token
    return token


def renew_csrf(request: Request) -> None:
    """A new CSRF token from now on (after a login: no fixation)."""
    request.state.csrf = new_token()
    request.state.new_csrf = True


def _set_cookie(request: Request, response: Any, name: str, value: str, **kw: Any) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=is_https(request), path="/", **kw
    )


def finish(request: Request, response: Any) -> Any:
    """Cookies this request decided: a new CSRF token, the flash message read."""
    if getattr(request.state, "session_out", None):
        _set_cookie(request, response, SESSION_COOKIE, request.state.session_out)
    if getattr(request.state, "session_end", False):
        response.delete_cookie(SESSION_COOKIE, path="/")
    if getattr(request.state, "new_csrf", False):
        _set_cookie(request, response, CSRF_COOKIE, request.state.csrf)
    if getattr(request.state, "flash_read", False):
        response.delete_cookie(FLASH_COOKIE, path="/")
    if getattr(request.state, "flash_out", None):
        _set_cookie(request, response, FLASH_COOKIE, quote(request.state.flash_out))
    return response


def flash(request: Request, message: str) -> None:
    """A message shown once by the next page (after the redirect)."""
    request.state.flash_out = message


def _flash_in(request: Request) -> str:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return ""
    request.state.flash_read = True
    return unquote(raw)[:500]


def page_parent(request: Request, svc: Services) -> accounts.CurrentParent | None:
    """The signed-in parent of this request, or None (expired, revoked, no cookie)."""
    if hasattr(request.state, "parent"):
        return request.state.parent
    token = request.cookies.get(SESSION_COOKIE)
    parent = None
    if token:
        with svc.db.lookup() as session:
            parent = accounts.authenticate(session, svc.settings, token)
        if parent is not None and parent.prolong_until is not None:
            with svc.db.session() as session:
                accounts.prolong(session, parent)
    request.state.parent = parent
    return parent


def current_parent_page(request: Request, svc: ServicesDep) -> accounts.CurrentParent:
    """Dependency of the signed-in pages: the parent, or a redirect to the login page
    (``/connexion?suite=<this page>``)."""
    parent = page_parent(request, svc)
    if parent is None:
        path = request.url.path
        if request.url.query and request.method == "GET":
            path += "?" + request.url.query
        raise LoginRequired(path if request.method == "GET" else "/ma-famille")
    return parent


ParentPage = Annotated[accounts.CurrentParent, Depends(current_parent_page)]


async def checked_form(request: Request) -> FormData:
    """Dependency of every POST: the form, once its CSRF field matched the cookie."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    if not isinstance(sent, str) or not cookie or not same_secret(sent, cookie):
        raise CsrfRefused()
    return form


FormDep = Annotated[FormData, Depends(checked_form)]


def text(form: FormData, name: str, limit: int = 1000) -> str:
    """A text field of the form ('' when absent), cut at ``limit`` characters."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def safe_return(path: str | None, default: str = "/ma-famille") -> str:
    """A return path on this site only (no ``//host``, no scheme)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    svc: Services = request.app.state.services
    base: dict[str, Any] = {
        "settings": svc.settings,
        "parent": page_parent(request, svc),
        "csrf": csrf_token(request),
        "flash": _flash_in(request),
        "path": request.url.path,
        "errors": {},
        "values": {},
    }
    base.update(context or {})
    response = templates.TemplateResponse(request, template, base, status_code=status_code)
    # The pages' own policy: no inline script nor style at all.
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return finish(request, response)


def redirect(request: Request, to: str) -> RedirectResponse:
    """POST-redirect-GET (303), carrying the cookies this request decided."""
    return finish(request, RedirectResponse(to, status_code=303))


def start_session(request: Request, token: str) -> None:
    """Sign the browser in with this bearer token (cookie set by the answer)."""
    renew_csrf(request)
    request.state.session_out = token


def end_session(request: Request) -> None:
    request.state.session_end = True
