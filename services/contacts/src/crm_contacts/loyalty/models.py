"""Tables of the loyalty programme: its rules, an account per contact, and the ledger of entries."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, UniqueConstraint
from sqlmodel import Field

from crm_common.db import UTCDateTime, new_id, utcnow
from crm_contacts.db import ContactsBase

# The one programme of an installation is the row with this id.
PROGRAMME_ID = 1


class LoyaltyProgramme(ContactsBase, table=True):
    """The programme's rules; absent until an admin first changes the defaults."""

    __tablename__ = "loyalty_programme"

    id: int = Field(
        default=PROGRAMME_ID, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    # {"EUR": "1"}: points per currency unit of a delivered order, as decimal strings.
    earn_rates: dict[str, str] = Field(sa_type=JSON)
    # [{"name": "bronze", "threshold": 0}, ...]: ascending thresholds of lifetime earned points.
    tiers: list[dict[str, Any]] = Field(sa_type=JSON)
    expiry_days: int | None = Field(default=None)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoyaltyAccount(ContactsBase, table=True):
    """A contact's points: the balance, the lifetime earned points its tier counts, and the number of
    its last ledger entry. Its row is the lock every change of the ledger takes first."""

    __tablename__ = "loyalty_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    contact_id: uuid.UUID = Field(foreign_key="contacts.id", primary_key=True)
    balance: int = Field(default=0, sa_type=BigInteger)
    earned: int = Field(default=0, sa_type=BigInteger)
    last_seq: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoyaltyEntry(ContactsBase, table=True):
    """One change of an account: `earn` and positive `adjust` entries credit points (`unspent` of
    them remain, consumed oldest first), `redeem`, negative `adjust` and `expire` entries debit."""

    __tablename__ = "loyalty_entries"
    __table_args__ = (
        # The ledger's order, and the pages of entries newest first.
        UniqueConstraint("contact_id", "seq"),
        # One earn per order, and one expiry of its points.
        UniqueConstraint("order_id", "kind"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    contact_id: uuid.UUID = Field(foreign_key="loyalty_accounts.contact_id")
    seq: int
    kind: str = Field(max_length=20)
    points: int = Field(sa_type=BigInteger)
    balance_after: int = Field(sa_type=BigInteger)
    unspent: int = Field(default=0, sa_type=BigInteger)
    order_id: uuid.UUID | None = Field(default=None)
    reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
