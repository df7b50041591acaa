"""API schemas of chats and their messages."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from crm_routing.validation import clean_text

MAX_TEXT = 4000

Author = Literal["visitor", "agent"]
ChatStatus = Literal["open", "closed"]
MessageText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT),
    AfterValidator(clean_text),
]


class ChatRead(BaseModel):
    id: uuid.UUID
    session_id: str = Field(description="The web session whose chat offer was accepted")
    agent_id: uuid.UUID
    contact_id: uuid.UUID | None
    visitor_id: str
    status: ChatStatus
    opened_at: datetime
    closed_at: datetime | None
    closed_by: Author | None
    version: int


class MessageCreate(BaseModel):
    """A `website` key writes as the visitor, staff as the agent."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"author": "visitor", "text": "Is the chalet free?"}]},
    )

    author: Author
    text: MessageText = Field(description="1 to 4000 characters (surrounding blanks trimmed)")


class MessageRead(BaseModel):
    id: int = Field(description="Increasing within the chat; the stream's event id")
    chat_id: uuid.UUID
    author: Author
    text: str
    sent_at: datetime
