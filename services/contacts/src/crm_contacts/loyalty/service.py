"""Rules of the loyalty programme: earning on delivered orders, redemptions, adjustments, expiry.

Every change of an account locks its row first (SELECT ... FOR UPDATE on PostgreSQL, the write lock
on SQLite), so two debits at once never overdraw it. Expiry is lazy: before any read or change of an
account, the points whose expiry has passed are written off (`expire` entries) in the same
transaction. A debit beyond the balance is refused and writes nothing, expiry included.
The clock is a parameter (`now`), so tests give exact instants.
"""

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from crm_common.auth import Principal
from crm_common.db import utcnow
from crm_common.errors import Forbidden
from crm_common.http import check_if_match
from crm_common.pagination import Paged
from crm_contacts.access import RowScope
from crm_contacts.contacts.service import require_active, require_visible
from crm_contacts.loyalty import ledger, repository, rules
from crm_contacts.loyalty.errors import InsufficientPoints, InvalidProgramme
from crm_contacts.loyalty.ledger import Lot
from crm_contacts.loyalty.models import LoyaltyAccount, LoyaltyEntry, LoyaltyProgramme
from crm_contacts.loyalty.rules import Tier
from crm_contacts.loyalty.schemas import (
    AccountExport,
    AccountRead,
    AdjustmentCreate,
    CustomerEntryRead,
    EntryKind,
    EntryRead,
    ExpiringPoints,
    MyLoyaltyRead,
    ProgrammeRead,
    ProgrammeUpdate,
    RedemptionCreate,
    TierRule,
)

CREDITS = frozenset({EntryKind.earn, EntryKind.adjust})


# --- the programme ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Programme:
    """The rules in force: the stored programme, or the defaults while none is stored."""

    earn_rates: dict[str, str]
    tiers: list[Tier]
    expiry_days: int | None
    version: int = 1
    updated_at: datetime | None = None


DEFAULT_PROGRAMME = Programme(
    earn_rates=dict(rules.DEFAULT_EARN_RATES),
    tiers=[Tier(name, threshold) for name, threshold in rules.DEFAULT_TIERS],
    expiry_days=rules.DEFAULT_EXPIRY_DAYS,
)


def _programme(row: LoyaltyProgramme | None) -> Programme:
    if row is None:
        return DEFAULT_PROGRAMME
    return Programme(
        earn_rates=dict(row.earn_rates),
        tiers=[Tier(str(t["name"]), int(t["threshold"])) for t in row.tiers],
        expiry_days=row.expiry_days,
        version=row.version,
        updated_at=row.updated_at,
    )


def _programme_read(programme: Programme) -> ProgrammeRead:
    return ProgrammeRead(
        earn_rates=programme.earn_rates,
        tiers=[TierRule(name=t.name, threshold=t.threshold) for t in programme.tiers],
        expiry_days=programme.expiry_days,
        version=programme.version,
        updated_at=programme.updated_at,
    )


def current_programme(session: Session) -> Programme:
    return _programme(repository.get_programme(session))


def get_programme(session: Session) -> ProgrammeRead:
    return _programme_read(current_programme(session))


def update_programme(
    session: Session, data: ProgrammeUpdate, if_match: str | None, now: datetime | None = None
) -> ProgrammeRead:
    """Replace the programme (honours If-Match; a new version only when something changed).
    Points already earned keep the expiry they were given."""
    now = now or utcnow()
    tiers = [Tier(t.name, t.threshold) for t in data.tiers]
    errors = rules.tier_errors(tiers)
    if errors:
        raise InvalidProgramme(errors)
    defaults = DEFAULT_PROGRAMME
    repository.insert_programme_unless_present(
        session,
        {
            "earn_rates": defaults.earn_rates,
            "tiers": [asdict(t) for t in defaults.tiers],
            "expiry_days": defaults.expiry_days,
            "version": 1,
            "updated_at": now,
        },
    )
    row = repository.get_programme(session, for_update=True)
    assert row is not None  # inserted above unless present
    check_if_match(if_match, row.version)
    wanted: dict[str, Any] = {
        "earn_rates": dict(data.earn_rates),
        "tiers": [asdict(t) for t in tiers],
        "expiry_days": data.expiry_days,
    }
    if any(getattr(row, field) != value for field, value in wanted.items()):
        for field, value in wanted.items():
            setattr(row, field, value)
        row.version += 1
        row.updated_at = now
    return _programme_read(_programme(row))


# --- reading accounts ------------------------------------------------------------------------------


def to_read(entry: LoyaltyEntry) -> EntryRead:
    return EntryRead(
        id=entry.id,
        contact_id=entry.contact_id,
        kind=EntryKind(entry.kind),
        points=entry.points,
        balance_after=entry.balance_after,
        order_id=entry.order_id,
        reason=entry.reason,
        created_at=entry.created_at,
        expires_at=entry.expires_at,
    )


def to_customer_read(entry: EntryRead) -> CustomerEntryRead:
    """`entry` as its customer sees it: without the reason staff gave an adjustment."""
    reason = None if entry.kind == EntryKind.adjust else entry.reason
    return CustomerEntryRead.model_validate(
        {**entry.model_dump(exclude={"contact_id", "reason"}), "reason": reason}
    )


def _lot(entry: LoyaltyEntry) -> Lot:
    return Lot(entry.id, entry.unspent, entry.expires_at, entry.order_id)


def _current(
    session: Session, contact_id: uuid.UUID, now: datetime
) -> tuple[LoyaltyAccount | None, list[LoyaltyEntry]]:
    """The account and its open lots as of `now`: points past their expiry are written off first
    (under the account's lock)."""
    account = repository.get_account(session, contact_id)
    if account is None:
        return None, []
    lots = repository.open_lots(session, contact_id)
    if ledger.expired([_lot(e) for e in lots], now):
        account = repository.get_account(session, contact_id, for_update=True)
        assert account is not None  # accounts are never deleted
        lots = _expire(session, account, repository.open_lots(session, contact_id), now)
    return account, lots


def _account_read(
    contact_id: uuid.UUID,
    account: LoyaltyAccount | None,
    lots: list[LoyaltyEntry],
    programme: Programme,
) -> AccountRead:
    earned = account.earned if account is not None else 0
    standing = rules.standing(programme.tiers, earned)
    expiring = ledger.soonest([_lot(e) for e in lots])
    return AccountRead(
        contact_id=contact_id,
        balance=account.balance if account is not None else 0,
        earned_points=earned,
        tier=standing.tier,
        next_tier=standing.next_tier,
        points_to_next_tier=standing.points_to_next_tier,
        expiring=(
            ExpiringPoints(points=expiring.points, expires_at=expiring.expires_at)
            if expiring is not None
            else None
        ),
    )


def get_account(
    session: Session, contact_id: uuid.UUID, scope: RowScope, now: datetime | None = None
) -> AccountRead:
    """Balance, tier and the points expiring next of a contact in `scope`."""
    require_visible(session, contact_id, scope)
    account, lots = _current(session, contact_id, now or utcnow())
    return _account_read(contact_id, account, lots, current_programme(session))


def list_entries(
    session: Session,
    contact_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    scope: RowScope,
    now: datetime | None = None,
) -> Paged[EntryRead]:
    """The ledger of a contact in `scope`, newest first."""
    require_visible(session, contact_id, scope)
    _current(session, contact_id, now or utcnow())
    rows, next_cursor = repository.entries_page(session, contact_id, limit, cursor)
    return [to_read(e) for e in rows], next_cursor


def customer_contact_id(principal: Principal) -> uuid.UUID:
    """The contact of a customer token (403 when it names none this service could know)."""
    try:
        return uuid.UUID(str(principal.contact_id))
    except ValueError as exc:
        raise Forbidden("The customer token does not name a contact.") from exc


def my_loyalty(
    session: Session, principal: Principal, latest: int, now: datetime | None = None
) -> MyLoyaltyRead:
    """The customer's own account with its `latest` entries."""
    contact_id = customer_contact_id(principal)
    require_active(session, contact_id)
    account, lots = _current(session, contact_id, now or utcnow())
    read = _account_read(contact_id, account, lots, current_programme(session))
    rows, _ = repository.entries_page(session, contact_id, latest, None)
    return MyLoyaltyRead(**read.model_dump(), entries=[to_customer_read(to_read(e)) for e in rows])


# --- changing accounts -----------------------------------------------------------------------------


def _locked(
    session: Session, contact_id: uuid.UUID, now: datetime, *, create: bool
) -> tuple[LoyaltyAccount | None, list[LoyaltyEntry]]:
    """The account of `contact_id` under its lock (created first when `create`), expiry applied."""
    if create:
        repository.insert_account_unless_present(session, contact_id, now)
    account = repository.get_account(session, contact_id, for_update=True)
    if account is None:
        return None, []
    return account, _expire(session, account, repository.open_lots(session, contact_id), now)


def _append(
    session: Session,
    account: LoyaltyAccount,
    kind: EntryKind,
    points: int,
    now: datetime,
    *,
    order_id: uuid.UUID | None = None,
    reason: str | None = None,
    expires_at: datetime | None = None,
) -> LoyaltyEntry:
    """The next entry of the ledger; a credit is a lot of its own points."""
    account.balance += points
    if kind == EntryKind.earn:
        account.earned += points
    account.last_seq += 1
    account.updated_at = now
    entry = LoyaltyEntry(
        contact_id=account.contact_id,
        seq=account.last_seq,
        kind=kind.value,
        points=points,
        balance_after=account.balance,
        unspent=points if kind in CREDITS and points > 0 else 0,
        order_id=order_id,
        reason=reason,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(entry)
    return entry


def _expire(
    session: Session, account: LoyaltyAccount, lots: list[LoyaltyEntry], now: datetime
) -> list[LoyaltyEntry]:
    """Write off what is left of the lots whose expiry has passed; the lots still open."""
    by_id = {e.id: e for e in lots}
    for lot in ledger.expired([_lot(e) for e in lots], now):
        earned = by_id[lot.entry_id]
        earned.unspent = 0
        _append(
            session,
            account,
            EntryKind.expire,
            -lot.points,
            now,
            order_id=earned.order_id,
            reason=f"Points of {earned.created_at:%Y-%m-%d} expired on {lot.expires_at:%Y-%m-%d}",
        )
    return [e for e in lots if e.unspent > 0]


def _debit(
    session: Session,
    account: LoyaltyAccount | None,
    lots: list[LoyaltyEntry],
    kind: EntryKind,
    points: int,
    reason: str | None,
    now: datetime,
) -> LoyaltyEntry:
    """Take `points` from the oldest lots; 409 (nothing written) beyond the balance."""
    balance = account.balance if account is not None else 0
    if account is None or points > balance:
        raise InsufficientPoints(balance, points)
    draws, _ = ledger.draw([_lot(e) for e in lots], points)
    by_id = {e.id: e for e in lots}
    for taken in draws:
        by_id[taken.entry_id].unspent -= taken.points
    return _append(session, account, kind, -points, now, reason=reason)


def _redeem(
    session: Session, contact_id: uuid.UUID, data: RedemptionCreate, now: datetime | None
) -> EntryRead:
    now = now or utcnow()
    account, lots = _locked(session, contact_id, now, create=False)
    return to_read(_debit(session, account, lots, EntryKind.redeem, data.points, data.reason, now))


def redeem(
    session: Session,
    contact_id: uuid.UUID,
    data: RedemptionCreate,
    scope: RowScope,
    now: datetime | None = None,
) -> EntryRead:
    """Spend points of a contact in `scope` (oldest first); 409 insufficient-points beyond the
    balance."""
    require_visible(session, contact_id, scope)
    return _redeem(session, contact_id, data, now)


def redeem_own(
    session: Session, principal: Principal, data: RedemptionCreate, now: datetime | None = None
) -> CustomerEntryRead:
    """A customer spends their own points."""
    contact_id = customer_contact_id(principal)
    require_active(session, contact_id)
    return to_customer_read(_redeem(session, contact_id, data, now))


def adjust(
    session: Session,
    contact_id: uuid.UUID,
    data: AdjustmentCreate,
    scope: RowScope,
    now: datetime | None = None,
) -> EntryRead:
    """Add points to a contact in `scope` (a lot that never expires) or take them (oldest first,
    never below zero)."""
    now = now or utcnow()
    require_visible(session, contact_id, scope)
    if data.points < 0:
        account, lots = _locked(session, contact_id, now, create=False)
        entry = _debit(session, account, lots, EntryKind.adjust, -data.points, data.reason, now)
        return to_read(entry)
    account, _ = _locked(session, contact_id, now, create=True)
    assert account is not None  # created above unless present
    return to_read(
        _append(session, account, EntryKind.adjust, data.points, now, reason=data.reason)
    )


def merge_accounts(
    session: Session, survivor_id: uuid.UUID, duplicate_id: uuid.UUID, now: datetime | None = None
) -> None:
    """A merge moves the duplicate's points to the survivor: each open lot becomes a lot of the
    survivor with the same points left and the same expiry, the duplicate's balance goes to zero,
    and what it earned counts towards the survivor's tier."""
    now = now or utcnow()
    duplicate, lots = _locked(session, duplicate_id, now, create=False)
    if duplicate is None or (duplicate.balance == 0 and duplicate.earned == 0):
        return
    survivor, _ = _locked(session, survivor_id, now, create=True)
    assert survivor is not None  # created above unless present
    for lot in lots:
        # No order id: an order earns once, and its entry stays with the duplicate.
        origin = f" (order {lot.order_id})" if lot.order_id else ""
        _append(
            session,
            survivor,
            EntryKind.adjust,
            lot.unspent,
            now,
            reason=f"Moved from merged contact {duplicate_id}{origin}",
            expires_at=lot.expires_at,
        )
    survivor.earned += duplicate.earned
    if duplicate.balance > 0:
        _debit(
            session,
            duplicate,
            lots,
            EntryKind.adjust,
            duplicate.balance,
            f"Moved to contact {survivor_id} (merge)",
            now,
        )


def earn_for_order(
    session: Session,
    contact_id: uuid.UUID,
    *,
    order_id: uuid.UUID,
    number: str,
    total: Decimal,
    currency: str,
    delivered_at: datetime,
    now: datetime | None = None,
) -> EntryRead | None:
    """Points for a delivered order: floor(total * the currency's rate), once per order, expiring
    `expiry_days` after the delivery. None when the order earns nothing or already earned."""
    now = now or utcnow()
    programme = current_programme(session)
    points = rules.points_for(total, currency, programme.earn_rates)
    if points == 0:
        return None
    account, _ = _locked(session, contact_id, now, create=True)
    assert account is not None  # created above unless present
    if repository.earned_for_order(session, order_id):
        return None
    expires_at = (
        delivered_at + timedelta(days=programme.expiry_days)
        if programme.expiry_days is not None
        else None
    )
    entry = _append(
        session,
        account,
        EntryKind.earn,
        points,
        now,
        order_id=order_id,
        reason=f"Order {number} delivered",
        expires_at=expires_at,
    )
    return to_read(entry)


# --- data rights -----------------------------------------------------------------------------------


def export(session: Session, contact_id: uuid.UUID) -> dict[str, Any]:
    """Everything the programme holds about `contact_id` (for its privacy export): the account
    and every entry, oldest first."""
    account = repository.get_account(session, contact_id)
    entries = repository.all_entries(session, contact_id)
    read = (
        AccountExport(
            balance=account.balance,
            earned_points=account.earned,
            created_at=account.created_at,
            updated_at=account.updated_at,
        ).model_dump(mode="json")
        if account is not None
        else None
    )
    return {
        "loyalty_account": read,
        "loyalty_entries": [to_read(e).model_dump(mode="json") for e in entries],
    }


def erase(session: Session, contact_id: uuid.UUID) -> int:
    """Anonymise the programme's data of an erased contact: the free-text reasons of its entries
    become "erased" (points and dates stay, as the account's arithmetic). How many changed."""
    return repository.clear_reasons(session, contact_id)
