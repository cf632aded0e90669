"""Fixtures of the portal tests (defined in ``portal_testkit``).

The folder is not called ``tests/portal``: that name would shadow the ``portal``
package on ``sys.path``.
"""

from portal_testkit import active_parent, make_family, portal, smtp_sink  # noqa: F401
