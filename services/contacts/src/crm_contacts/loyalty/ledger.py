"""The FIFO arithmetic of a loyalty account, without I/O: which points a debit consumes, which expire.

A credit entry (an earn, or a positive adjustment) is a lot of points. Debits (redemptions, negative
adjustments) consume the oldest lots first, in ledger order, so a lot that expires has only its
unconsumed part left to lose. Lots without an expiry (adjustments) never expire.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class Lot:
    """The points of one credit entry still unspent, and when they expire (None: never)."""

    entry_id: uuid.UUID
    points: int
    expires_at: datetime | None
    order_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Draw:
    """`points` taken from the lot of `entry_id`."""

    entry_id: uuid.UUID
    points: int


@dataclass(frozen=True)
class Expiring:
    """The points that expire next, and when."""

    points: int
    expires_at: datetime


def balance(lots: Sequence[Lot]) -> int:
    return sum(lot.points for lot in lots)


def expired(lots: Sequence[Lot], now: datetime) -> list[Lot]:
    """The lots with points left whose expiry is at or before `now`, soonest expiry first."""
    due = [
        lot
        for lot in lots
        if lot.points > 0 and lot.expires_at is not None and lot.expires_at <= now
    ]
    return sorted(due, key=lambda lot: lot.expires_at or now)


def without(lots: Sequence[Lot], gone: Sequence[Lot]) -> list[Lot]:
    """`lots` less the lots of `gone`, in their order."""
    ids = {lot.entry_id for lot in gone}
    return [lot for lot in lots if lot.entry_id not in ids]


def draw(lots: Sequence[Lot], points: int) -> tuple[list[Draw], list[Lot]]:
    """Take `points` from `lots` (in ledger order) oldest first: what each lot gives, and the lots
    with points left afterwards. ValueError when the lots hold fewer than `points`."""
    if points < 0:
        raise ValueError("a draw takes a positive number of points")
    if points > balance(lots):
        raise ValueError(f"the lots hold {balance(lots)} points, fewer than {points}")
    draws: list[Draw] = []
    left: list[Lot] = []
    wanted = points
    for lot in lots:
        taken = min(wanted, lot.points)
        if taken > 0:
            draws.append(Draw(lot.entry_id, taken))
            wanted -= taken
        if lot.points > taken:
            left.append(replace(lot, points=lot.points - taken))
    return draws, left


def soonest(lots: Sequence[Lot]) -> Expiring | None:
    """The points of the lots that expire first (all lots sharing that instant), or None."""
    dated = [lot for lot in lots if lot.points > 0 and lot.expires_at is not None]
    if not dated:
        return None
    first = min(lot.expires_at for lot in dated if lot.expires_at is not None)
    return Expiring(sum(lot.points for lot in dated if lot.expires_at == first), first)
