"""Every query on contacts and their contact points, tags and assignees."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    delete,
    exists,
    false,
    func,
    insert,
    literal_column,
    null,
    or_,
    union,
    union_all,
    update,
)
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from crm_common.db import new_id, table_of
from crm_common.pagination import Paged, SortKey, keyset_page
from crm_contacts.access import EVERYTHING, RowScope
from crm_contacts.agents import repository as agents
from crm_contacts.contacts.models import (
    Contact,
    ContactAssignee,
    ContactEmail,
    ContactPhone,
    ContactTag,
)

CANDIDATE_LIMIT = 200


@dataclass(frozen=True)
class ContactFilters:
    """Filters of the contact list; `q_digits` is set when the search text looks like a number."""

    q: str | None = None
    q_digits: str | None = None
    tag: str | None = None
    owner_id: str | None = None
    lifecycle_stage: str | None = None


def get(session: Session, contact_id: uuid.UUID, *, for_update: bool = False) -> Contact | None:
    stmt = select(Contact).where(Contact.id == contact_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def _agent_is(column: Any, scope: RowScope) -> ColumnElement[bool]:
    """`column` names one of the scope's agents or an agent of one of its teams."""
    matches: list[ColumnElement[bool]] = []
    if scope.agent_ids:
        matches.append(column.in_(sorted(scope.agent_ids)))
    if scope.teams:
        matches.append(column.in_(agents.ids_in_teams(scope.teams)))
    return or_(*matches)


def visible_condition(scope: RowScope) -> ColumnElement[bool] | None:
    """The SQL condition on `Contact` of the contacts `scope` covers; None when it covers all, so
    that such callers pay nothing. One `id IN (owned UNION assigned)`, both sides indexed by agent
    (`ix_contacts_owner_id`, `ix_contact_assignees_agent_id_contact_id`), which PostgreSQL can
    plan as a semi-join (an OR of conditions would keep it from doing so)."""
    if scope.everything:
        return None
    if scope.nothing:
        return false()
    return col(Contact.id).in_(visible_ids_query(scope))


def visible_ids_query(scope: RowScope) -> Any:
    """The ids of the contacts owned by or assigned to the agents of `scope` (neither `everything`
    nor `nothing`), as a subquery for `IN`."""
    return union(
        core_select(col(Contact.id)).where(_agent_is(col(Contact.owner_id), scope)),
        core_select(col(ContactAssignee.contact_id)).where(
            _agent_is(col(ContactAssignee.agent_id), scope)
        ),
    )


def _within(stmt: SelectOfScalar[Contact], scope: RowScope) -> SelectOfScalar[Contact]:
    condition = visible_condition(scope)
    return stmt if condition is None else stmt.where(condition)


def get_visible(
    session: Session, contact_id: uuid.UUID, scope: RowScope, *, for_update: bool = False
) -> Contact | None:
    """The contact `contact_id` (merged or not) when `scope` covers it, else None."""
    stmt = _within(select(Contact).where(Contact.id == contact_id), scope)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def visible_ids(session: Session, ids: Sequence[uuid.UUID], scope: RowScope) -> set[uuid.UUID]:
    """Those of `ids` that `scope` covers (no query when it covers every contact)."""
    if scope.everything or not ids:
        return set(ids)
    stmt = select(Contact.id).where(col(Contact.id).in_(ids))
    condition = visible_condition(scope)
    if condition is not None:
        stmt = stmt.where(condition)
    return set(session.exec(stmt).all())


def get_many_for_update(session: Session, ids: Sequence[uuid.UUID]) -> list[Contact]:
    """Lock `ids` in id order, so that two merges of the same pair cannot deadlock."""
    stmt = select(Contact).where(col(Contact.id).in_(ids)).order_by(col(Contact.id))
    return list(session.exec(stmt.with_for_update()).all())


@dataclass
class ContactDetails:
    """A contact's emails and phones as (value, label) pairs, its tags and its assignees' agent
    ids, each in their order."""

    emails: list[tuple[str, str | None]] = field(default_factory=list)
    phones: list[tuple[str, str | None]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    assignee_ids: list[str] = field(default_factory=list)


def details_of(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ContactDetails]:
    """Emails, phones, tags and assignees of `ids` in one round trip (UNION ALL of four indexed
    selects)."""
    session.flush()
    details: dict[uuid.UUID, ContactDetails] = {i: ContactDetails() for i in ids}
    if not ids:
        return details
    # Untyped on purpose: SQLAlchemy's typing of five-column selects adds nothing here.
    parts: list[Any] = [
        core_select(
            literal_column("'e'").label("part"),
            col(ContactEmail.contact_id).label("contact_id"),
            col(ContactEmail.address).label("value"),
            col(ContactEmail.label).label("label"),
            col(ContactEmail.position).label("position"),
        ).where(col(ContactEmail.contact_id).in_(ids)),
        core_select(
            literal_column("'p'"),
            col(ContactPhone.contact_id),
            col(ContactPhone.e164),
            col(ContactPhone.label),
            col(ContactPhone.position),
        ).where(col(ContactPhone.contact_id).in_(ids)),
        core_select(
            literal_column("'t'"),
            col(ContactTag.contact_id),
            col(ContactTag.tag),
            null(),
            col(ContactTag.position),
        ).where(col(ContactTag.contact_id).in_(ids)),
        core_select(
            literal_column("'a'"),
            col(ContactAssignee.contact_id),
            col(ContactAssignee.agent_id),
            null(),
            col(ContactAssignee.position),
        ).where(col(ContactAssignee.contact_id).in_(ids)),
    ]
    query = union_all(*parts).order_by("position")
    for part, contact_id, value, label, _position in session.connection().execute(query):
        entry = details[contact_id]
        if part == "e":
            entry.emails.append((value, label))
        elif part == "p":
            entry.phones.append((value, label))
        elif part == "t":
            entry.tags.append(value)
        else:
            entry.assignee_ids.append(value)
    return details


def insert_new(
    session: Session,
    contact: Contact,
    emails: Sequence[tuple[str, str | None]],
    phones: Sequence[tuple[str, str | None]],
    tags: Sequence[str],
    assignee_ids: Sequence[str] = (),
) -> None:
    """A new contact with its contact points, tags and assignees, as Core inserts: creating contacts is the
    hottest write path, and the ORM's unit of work would cost more than the inserts themselves."""
    conn = session.connection()  # straight to Core: the ORM's execute layer adds nothing here
    conn.execute(insert(table_of(Contact)), [contact.model_dump()])
    if emails:
        conn.execute(
            insert(table_of(ContactEmail)),
            [
                {"id": new_id(), "contact_id": contact.id, "address": a, "label": lb, "position": i}
                for i, (a, lb) in enumerate(emails)
            ],
        )
    if phones:
        conn.execute(
            insert(table_of(ContactPhone)),
            [
                {"id": new_id(), "contact_id": contact.id, "e164": n, "label": lb, "position": i}
                for i, (n, lb) in enumerate(phones)
            ],
        )
    if tags:
        conn.execute(
            insert(table_of(ContactTag)),
            [{"contact_id": contact.id, "tag": t, "position": i} for i, t in enumerate(tags)],
        )
    if assignee_ids:
        conn.execute(
            insert(table_of(ContactAssignee)),
            [
                {"contact_id": contact.id, "agent_id": a, "position": i}
                for i, a in enumerate(assignee_ids)
            ],
        )


def replace_emails(
    session: Session, contact_id: uuid.UUID, emails: Sequence[tuple[str, str | None]]
) -> None:
    session.exec(delete(ContactEmail).where(col(ContactEmail.contact_id) == contact_id))
    for position, (address, label) in enumerate(emails):
        session.add(
            ContactEmail(contact_id=contact_id, address=address, label=label, position=position)
        )


def replace_phones(
    session: Session, contact_id: uuid.UUID, phones: Sequence[tuple[str, str | None]]
) -> None:
    session.exec(delete(ContactPhone).where(col(ContactPhone.contact_id) == contact_id))
    for position, (e164, label) in enumerate(phones):
        session.add(ContactPhone(contact_id=contact_id, e164=e164, label=label, position=position))


def replace_tags(session: Session, contact_id: uuid.UUID, tags: Sequence[str]) -> None:
    session.exec(delete(ContactTag).where(col(ContactTag.contact_id) == contact_id))
    for position, tag in enumerate(tags):
        session.add(ContactTag(contact_id=contact_id, tag=tag, position=position))


def replace_assignees(session: Session, contact_id: uuid.UUID, assignee_ids: Sequence[str]) -> None:
    session.exec(delete(ContactAssignee).where(col(ContactAssignee.contact_id) == contact_id))
    for position, agent_id in enumerate(assignee_ids):
        session.add(ContactAssignee(contact_id=contact_id, agent_id=agent_id, position=position))


def first_active_by_phone(session: Session, e164: str, scope: RowScope) -> Contact | None:
    """The oldest active contact with the number `e164` that `scope` covers.

    Two indexed steps (phones by number, then contacts by primary key) rather than a join: a plan
    that cannot go wrong. Joined, PostgreSQL may scan every contact when it lacks statistics (seen
    on a freshly loaded table: 260 ms instead of well under 1 ms).
    """
    owners = session.exec(
        select(ContactPhone.contact_id).where(col(ContactPhone.e164) == e164).limit(CANDIDATE_LIMIT)
    ).all()
    if not owners:
        return None
    stmt = select(Contact).where(col(Contact.id).in_(owners), col(Contact.merged_into_id).is_(None))
    stmt = _within(stmt, scope)
    return min(session.exec(stmt).all(), key=lambda c: c.id, default=None)


def _list_statement(filters: ContactFilters) -> SelectOfScalar[Contact]:
    stmt = select(Contact).where(
        col(Contact.merged_into_id).is_(None), col(Contact.erased_at).is_(None)
    )
    if filters.owner_id is not None:
        stmt = stmt.where(col(Contact.owner_id) == filters.owner_id)
    if filters.lifecycle_stage is not None:
        stmt = stmt.where(col(Contact.lifecycle_stage) == filters.lifecycle_stage)
    if filters.tag is not None:
        stmt = stmt.where(
            exists().where(
                col(ContactTag.contact_id) == col(Contact.id), col(ContactTag.tag) == filters.tag
            )
        )
    if filters.q is not None:
        needle = filters.q.lower()
        matches = [
            col(Contact.search_name).contains(needle, autoescape=True),
            exists().where(
                col(ContactEmail.contact_id) == col(Contact.id),
                col(ContactEmail.address).contains(needle, autoescape=True),
            ),
        ]
        if filters.q_digits:
            matches.append(
                exists().where(
                    col(ContactPhone.contact_id) == col(Contact.id),
                    col(ContactPhone.e164).contains(filters.q_digits, autoescape=True),
                )
            )
        stmt = stmt.where(or_(*matches))
    return stmt


def list_page(
    session: Session,
    filters: ContactFilters,
    limit: int,
    cursor: str | None,
    scope: RowScope,
) -> Paged[Contact]:
    """Active contacts matching `filters` that `scope` covers, in id (creation) order."""
    stmt = _within(_list_statement(filters), scope)
    return keyset_page(session, stmt, [SortKey(col(Contact.id))], limit, cursor)


def get_many_active(
    session: Session, ids: Iterable[uuid.UUID], scope: RowScope = EVERYTHING
) -> list[Contact]:
    stmt = select(Contact).where(
        col(Contact.id).in_(list(ids)), col(Contact.merged_into_id).is_(None)
    )
    return list(session.exec(_within(stmt, scope).order_by(col(Contact.id))).all())


def ids_sharing_emails(
    session: Session, addresses: Sequence[str], exclude: uuid.UUID
) -> set[uuid.UUID]:
    """Contacts (merged ones too; callers filter) with any of `addresses`."""
    if not addresses:
        return set()
    stmt = (
        select(ContactEmail.contact_id)
        .where(col(ContactEmail.address).in_(addresses), col(ContactEmail.contact_id) != exclude)
        .limit(CANDIDATE_LIMIT)
    )
    return set(session.exec(stmt).all())


def ids_sharing_phones(
    session: Session, numbers: Sequence[str], exclude: uuid.UUID
) -> set[uuid.UUID]:
    """Contacts (merged ones too; callers filter) with any of the E.164 `numbers`."""
    if not numbers:
        return set()
    stmt = (
        select(ContactPhone.contact_id)
        .where(col(ContactPhone.e164).in_(numbers), col(ContactPhone.contact_id) != exclude)
        .limit(CANDIDATE_LIMIT)
    )
    return set(session.exec(stmt).all())


def ids_in_same_organization(session: Session, contact: Contact) -> set[uuid.UUID]:
    """Other active people of the same organisation (by id, or by the same name)."""
    same = []
    if contact.organization_id is not None:
        same.append(col(Contact.organization_id) == contact.organization_id)
    if contact.organization_name:
        same.append(func.lower(col(Contact.organization_name)) == contact.organization_name.lower())
    if not same:
        return set()
    stmt = (
        select(Contact.id)
        .where(
            or_(*same),
            col(Contact.kind) == "person",
            col(Contact.id) != contact.id,
            col(Contact.merged_into_id).is_(None),
        )
        .limit(CANDIDATE_LIMIT)
    )
    return set(session.exec(stmt).all())


def organization_ids_named_like(session: Session, contact: Contact, prefix: str) -> set[uuid.UUID]:
    """Other active organisations whose lower-cased names start with `prefix`."""
    stmt = (
        select(Contact.id)
        .where(
            col(Contact.kind) == "organization",
            col(Contact.search_name).startswith(prefix, autoescape=True),
            col(Contact.id) != contact.id,
            col(Contact.merged_into_id).is_(None),
        )
        .limit(CANDIDATE_LIMIT)
    )
    return set(session.exec(stmt).all())


def members_of(session: Session, organization_id: uuid.UUID) -> list[Contact]:
    stmt = (
        select(Contact)
        .where(
            col(Contact.organization_id) == organization_id, col(Contact.merged_into_id).is_(None)
        )
        .order_by(col(Contact.id))
    )
    return list(session.exec(stmt.with_for_update()).all())


def redirect_merged(session: Session, old: uuid.UUID, new: uuid.UUID) -> None:
    """Contacts merged earlier into `old` now point at `new`, so every 410 names the final survivor."""
    session.exec(
        update(Contact).where(col(Contact.merged_into_id) == old).values(merged_into_id=new)
    )


def delete_points(session: Session, contact_id: uuid.UUID) -> None:
    session.exec(delete(ContactEmail).where(col(ContactEmail.contact_id) == contact_id))
    session.exec(delete(ContactPhone).where(col(ContactPhone.contact_id) == contact_id))
    session.exec(delete(ContactTag).where(col(ContactTag.contact_id) == contact_id))
