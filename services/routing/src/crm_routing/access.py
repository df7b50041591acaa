"""Row-level access to routing's records about people: which calls, callbacks, chats and web
sessions a caller may see. No I/O: `row_scope` is the rule, `visible` turns it into the SQL
condition the repositories add to their queries.

`CRM_ROUTING_ROW_ACCESS` picks the mode:

- "scoped" (the default): `admin` sees every record. An `agent` (`Principal.agent_id`) sees the
  records whose agent is itself — a call's assigned agent, a callback's preferred agents, its
  current agent and every attempt's agent, a chat's agent, a web session's offered agent — and
  those whose contact (the contacts read model) it owns or is assigned to. A `manager` sees those
  of an agent of its team (`Principal.team`; `agents.team` says who is in it) or of a contact
  owned by or assigned to one, plus what its own agent id sees. An agent key without agent id, or
  a manager with neither team nor agent id, sees none.
- "open": every staff member sees every record.

The integrations keep what they had in both modes: `telephony` every call, `website` every chat
and web session but only the callbacks it scheduled. A caller with several roles gets the widest.
"""

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, String, cast, exists, false, func, or_
from sqlmodel import col, select

from crm_common.access import RowAccess
from crm_common.access import row_scope as common_row_scope
from crm_common.auth import Principal
from crm_routing.agents.models import Agent
from crm_routing.callbacks.models import Callback, CallbackAttempt
from crm_routing.calls.models import Call
from crm_routing.chats.models import Chat
from crm_routing.readmodel.models import KnownContact
from crm_routing.web.models import WebSession

Record = Literal["call", "callback", "chat", "session"]

# Roles that see every record in both modes.
ALL_ROWS_ROLES = frozenset({"admin"})
# What each integration sees whole of a record type, as before row-level access.
WHOLE_RECORDS: dict[str, frozenset[Record]] = {
    "telephony": frozenset({"call"}),
    "website": frozenset({"chat", "session"}),
}


@dataclass(frozen=True)
class RowScope:
    """The records a caller may see: all of them (`everything`); the record types of `whole`; and
    those of one of `agent_ids` or of an agent of one of `teams`, by their agent or their
    contact's owner; plus the callbacks `scheduled_by` scheduled."""

    everything: bool = False
    agent_ids: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    whole: frozenset[Record] = frozenset()
    scheduled_by: str | None = None

    def sees_all(self, record: Record) -> bool:
        return self.everything or record in self.whole


EVERYTHING = RowScope(everything=True)
"""Every record: admins, staff in open mode, and the service's own work."""
NOTHING = RowScope()


def row_scope(principal: Principal, mode: RowAccess) -> RowScope:
    """The records `principal` may see under `mode` (the widest of its roles)."""
    staff = common_row_scope(principal, mode, ALL_ROWS_ROLES)
    if staff.everything:
        return EVERYTHING
    whole = frozenset(r for role in principal.roles for r in WHOLE_RECORDS.get(role, ()))
    return RowScope(
        agent_ids=staff.agent_ids,
        teams=staff.teams,
        whole=whole,
        scheduled_by=principal.id if "website" in principal.roles else None,
    )


def sees_agent(scope: RowScope, agent_id: uuid.UUID, team: str | None) -> bool:
    """Whether `scope` covers everything about the agent `agent_id` of `team` (its feed)."""
    own = {i for a in scope.agent_ids if (i := _as_uuid(a)) is not None}
    return scope.everything or agent_id in own or (team is not None and team in scope.teams)


# --- the rule as SQL ---------------------------------------------------------------------------


def visible(record: Record, scope: RowScope, dialect: str) -> ColumnElement[bool] | None:
    """The SQL condition on the `record` table (`Call`, `Callback`, `Chat`, `WebSession`) of the
    rows `scope` covers; None when it covers them all, so that such callers pay nothing."""
    if scope.sees_all(record):
        return None
    matches: list[ColumnElement[bool]] = []
    if scope.agent_ids or scope.teams:
        agents = _Agents(scope, dialect)
        if record == "call":
            matches += [agents.is_one(col(Call.agent_id)), agents.own(col(Call.contact_id))]
        elif record == "callback":
            matches += [
                agents.is_one(col(Callback.agent_id)),
                agents.in_list(col(Callback.preferred_agent_ids)),
                exists().where(
                    col(CallbackAttempt.callback_id) == col(Callback.id),
                    agents.is_one(col(CallbackAttempt.agent_id)),
                ),
                agents.own(col(Callback.contact_id)),
            ]
        elif record == "chat":
            matches += [agents.is_one(col(Chat.agent_id)), agents.own(col(Chat.contact_id))]
        else:
            matches += [
                agents.is_one(col(WebSession.offer_agent_id)),
                agents.own(col(WebSession.contact_id)),
            ]
    if record == "callback" and scope.scheduled_by is not None:
        matches.append(col(Callback.created_by) == scope.scheduled_by)
    return or_(*matches) if matches else false()


class _Agents:
    """SQL tests of "an agent of the scope" (one of its agent ids, or of one of its teams) for
    agent id columns (UUIDs) and agent ids held as text (owners, JSON lists)."""

    def __init__(self, scope: RowScope, dialect: str) -> None:
        self.teams, self.dialect = sorted(scope.teams), dialect
        self.ids = sorted({i for a in scope.agent_ids if (i := _as_uuid(a)) is not None})
        texts = set(scope.agent_ids) | {str(i) for i in self.ids}
        self.texts = sorted(texts)

    def is_one(self, column: Any) -> ColumnElement[bool]:
        """`column` (an agent id) is one of the scope's agents."""
        matches: list[ColumnElement[bool]] = []
        if self.ids:
            matches.append(column.in_(self.ids))
        if self.teams:
            matches.append(column.in_(select(Agent.id).where(col(Agent.team).in_(self.teams))))
        return or_(false(), *matches)

    def is_text(self, text: Any) -> ColumnElement[bool]:
        """`text` (an agent id as text) names one of the scope's agents."""
        matches: list[ColumnElement[bool]] = []
        if self.texts:
            matches.append(text.in_(self.texts))
        if self.teams:
            matches.append(exists().where(col(Agent.team).in_(self.teams), self._same_agent(text)))
        return or_(false(), *matches)

    def _same_agent(self, text: Any) -> ColumnElement[bool]:
        # PostgreSQL writes a UUID as lower-case text with hyphens; SQLite stores it as 32 hex
        # digits.
        if self.dialect == "postgresql":
            return cast(col(Agent.id), String) == func.lower(text)
        return col(Agent.id) == func.lower(func.replace(text, "-", ""))

    def own(self, contact_id: Any) -> ColumnElement[bool]:
        """The contact `contact_id` names is owned by one of the scope's agents or assigned to
        one."""
        owned = select(KnownContact.id).where(
            or_(
                self.is_text(col(KnownContact.owner_id)),
                self.in_list(col(KnownContact.assignee_ids)),
            )
        )
        return col(contact_id).in_(owned)

    def in_list(self, agent_ids: Any) -> ColumnElement[bool]:
        """The JSON list of agent ids `agent_ids` names one of the scope's agents."""
        if self.dialect == "postgresql":
            elements = func.json_array_elements_text(agent_ids).table_valued("value")
        else:
            elements = func.json_each(agent_ids).table_valued("value")
        return exists().select_from(elements).where(self.is_text(elements.c.value))


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
