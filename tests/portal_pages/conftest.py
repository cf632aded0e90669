"""Fixtures of the parents' pages tests, defined in ``pages_kit`` (helpers too:
``from pages_kit import visit, log_in, active_family, …``)."""

from pages_kit import mail, page, site  # noqa: F401
