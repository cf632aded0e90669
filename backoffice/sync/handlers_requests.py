"""Parents' requests from the feed land in the agents' inbox (``PortalRequest``).

Registrations, bookings and cancellations (guide §6) will each be one line in
:data:`REQUEST_KINDS` once the portal emits them: the feed change's ``data``
is kept whole as the request's payload, and the portal's own reference
(``data["request_ref"]``, else the change number) makes applying twice a no-op.
"""

from __future__ import annotations

from ..models import PortalRequest, RequestKind
from .apply import ApplyContext, FeedChange, Quarantine, handles, request_ref

# Feed kind → inbox kind. The portal's §6 work (in progress) emits the first two;
# linking them to activity/period/booking rows comes with its settled contract.
REQUEST_KINDS: dict[str, RequestKind] = {
    "registration.submitted": RequestKind.REGISTRATION,
    "booking.submitted": RequestKind.BOOKING,
}


def land_request(
    ctx: ApplyContext, change: FeedChange, kind: RequestKind, child_id: int | None = None
) -> str:
    family = ctx.family()
    ref = request_ref(change)
    if ref is None:
        raise Quarantine("Référence de demande illisible (« request_ref »).")
    if ref in ctx.request_refs:  # loaded for the whole page by ApplyContext.preload
        return "unchanged"
    ctx.request_refs.add(ref)
    ctx.session.add(
        PortalRequest(
            portal_ref=ref,
            kind=kind,
            family_id=family.id,
            child_id=child_id,
            payload={"feed_seq": change.seq, "feed_kind": change.kind, **change.data},
        )
    )
    return "request"


def _request_handler(kind: RequestKind):
    def handle(ctx: ApplyContext, change: FeedChange) -> str:
        child_id = ctx.child().id if change.child_ref else None
        actual = kind
        if kind is RequestKind.BOOKING and "cancel" in str(change.data.get("action", "")):
            actual = RequestKind.CANCELLATION
        return land_request(ctx, change, actual, child_id=child_id)

    return handle


for _feed_kind, _kind in REQUEST_KINDS.items():
    handles(_feed_kind)(_request_handler(_kind))
