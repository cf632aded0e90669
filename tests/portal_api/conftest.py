"""Fixtures of the portal tests (defined in ``portal_testkit``).

The folder is not called ``tests/portal``: that name would shadow the ``portal``
package on ``sys.path``.
"""

from portal_testkit import (  # noqa: F401
    active_parent,
    make_family,
    payfip_fake,
    portal,
    smtp_sink,
)
