"""Feed changes about the family and its account: edits of the family's
information (guide §4.4), login e-mail changes (§4.5), account activation."""

from __future__ import annotations

from backoffice.models import AccountState, Family, Guardian
from backoffice.services.common import postcodes
from backoffice.services.common.validation import Checker
from backoffice.services.families.queries import refresh_search_text
from backoffice.sync import values as v
from backoffice.sync.apply import ApplyContext, FeedChange, Quarantine, handles, summarise

FAMILY_FIELDS: dict[str, v.Cleaner] = {
    "address_line1": v.text("Adresse", 200, required=True),
    "address_line2": v.text("Complément d'adresse", 200),
    "postcode": v.text("Code postal", 5),
    "commune": v.text("Commune", 80),
    "phone": v.phone("Téléphone du foyer"),
    "billing_email": v.email("E-mail de facturation"),
}
GUARDIAN_FIELDS: dict[str, v.Cleaner] = {
    "mobile_phone": v.phone("Portable du responsable"),
    "home_phone": v.phone("Téléphone fixe du responsable"),
    "work_phone": v.phone("Téléphone professionnel du responsable"),
    "email": v.email("E-mail du responsable"),
}


@handles("family.updated")
def family_updated(ctx: ApplyContext, change: FeedChange) -> str:
    family = ctx.family()
    before, after = _dicts(change)
    guardians = None  # loaded only when the change edits a guardian
    # (row, attribute, new value, parent's starting value)
    plan: list[tuple[Family | Guardian, str, object, object]] = []
    for key, raw in after.items():
        if key in FAMILY_FIELDS:
            clean = FAMILY_FIELDS[key]
            plan.append((family, key, clean(raw), v.lenient(clean, before.get(key))))
            continue
        parts = key.split(".")
        if len(parts) != 3 or parts[0] != "guardians" or parts[2] not in GUARDIAN_FIELDS:
            raise Quarantine(f"Champ inconnu dans une modification de la famille : « {key} ».")
        if guardians is None:
            guardians = {g.rank: g for g in family.guardians}
        if not parts[1].isdigit() or int(parts[1]) not in guardians:
            raise Quarantine(f"Responsable légal {parts[1]} inconnu de la famille {family.code}.")
        clean = GUARDIAN_FIELDS[parts[2]]
        plan.append(
            (guardians[int(parts[1])], parts[2], clean(raw), v.lenient(clean, before.get(key)))
        )
    commune = None
    if after.keys() & {"postcode", "commune"}:
        c = Checker()
        commune = c.commune(
            "address",
            "Adresse",
            after.get("postcode", family.postcode),
            after.get("commune", family.commune),
        )
        if commune is None:
            raise Quarantine(next(iter(c.errors.values())))
        plan = [(row, attr, _official(attr, new, commune), old) for row, attr, new, old in plan]
    old_place = (family.postcode, family.commune)
    outcome = summarise(ctx.set_field(row, attr, new, old) for row, attr, new, old in plan)
    if (family.postcode, family.commune) != old_place:
        found = [
            c for c in postcodes.communes_for_postcode(family.postcode) if c.name == family.commune
        ]
        family.insee_code = found[0].insee_code if found else ""
        refresh_search_text(family)
    return outcome


def _official(attr: str, value, commune: postcodes.Commune):
    """The commune's official spelling and postcode (BAN data)."""
    if attr == "commune":
        return commune.name
    if attr == "postcode":
        return commune.postcode
    return value


def _dicts(change: FeedChange) -> tuple[dict, dict]:
    before, after = change.data.get("before", {}), change.data.get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        raise Quarantine("Valeurs illisibles : « before » et « after » doivent être des objets.")
    return before, after


LOGIN = v.email("Identifiant du portail", required=True)


@handles("login_email.change_requested")
def login_change_requested(ctx: ApplyContext, change: FeedChange) -> str:
    family = ctx.family()
    new = LOGIN(change.data.get("new_email"))
    if family.pending_login_email == new:
        return "unchanged"
    family.pending_login_email = new
    return "applied"


@handles("login_email.changed")
def login_changed(ctx: ApplyContext, change: FeedChange) -> str:
    family = ctx.family()
    new = LOGIN(change.data.get("after"))
    if family.login_email == new and family.pending_login_email is None:
        return "unchanged"
    family.login_email = new
    if family.pending_login_email is not None:
        family.pending_login_email = None
    return "applied"


ACTIVATED_AT = v.moment("Date d'activation")


@handles("account.activated")
def account_activated(ctx: ApplyContext, change: FeedChange) -> str:
    family = ctx.family()
    at = ACTIVATED_AT(change.data.get("activated_at"))
    outcome = "unchanged"
    if family.activated_at is None:
        family.activated_at = at
        outcome = "applied"
    # A disabled account stays disabled; reactivating it will make it active.
    if family.account_state in (AccountState.FORM_RECEIVED, AccountState.AWAITING_ACTIVATION):
        family.account_state = AccountState.ACTIVE
        outcome = "applied"
    return outcome
