"""Typed errors of agents."""

import uuid

from crm_common.errors import Conflict, FieldError, NotFound, Unprocessable


class AgentNotFound(NotFound):
    code, title = "agent-not-found", "Agent not found"

    def __init__(self, agent_id: uuid.UUID) -> None:
        super().__init__(f"There is no agent {agent_id}.")


class AgentOnCall(Conflict):
    code, title = "agent-on-call", "Agent on a call"

    def __init__(self, agent_id: uuid.UUID, call_id: str) -> None:
        super().__init__(f"Agent {agent_id} is on call {call_id}; end or transfer it first.")


class InvalidAgent(Unprocessable):
    code, title = "validation-error", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        super().__init__(detail, errors=errors)
