"""Every query on the agents read model."""

from collections.abc import Iterable

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from crm_contacts.agents.models import KnownAgent


def get(session: Session, agent_id: str, *, for_update: bool = False) -> KnownAgent | None:
    stmt = select(KnownAgent).where(col(KnownAgent.id) == agent_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.exec(stmt).first()


def ids_in_teams(teams: Iterable[str]) -> SelectOfScalar[str]:
    """The ids of the agents of `teams`, as a subquery (indexed by team)."""
    return select(KnownAgent.id).where(col(KnownAgent.team).in_(sorted(teams)))
