"""Typed errors of chats."""

import uuid

from crm_common.errors import Conflict, Forbidden, NotFound


class ChatNotFound(NotFound):
    code, title = "chat-not-found", "Chat not found"

    def __init__(self, chat_id: uuid.UUID) -> None:
        super().__init__(f"There is no chat {chat_id}.")


class WebSessionNotFound(NotFound):
    code, title = "web-session-not-found", "Web session not found"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"There is no web session {session_id}.")


class NoChatOffer(Conflict):
    code, title = "no-chat-offer", "No chat offer"

    def __init__(self, session_id: str, offer_type: str | None) -> None:
        what = "no offer" if offer_type is None else f"a {offer_type} offer"
        super().__init__(f"Web session {session_id} has {what}, not a chat offer.")


class ChatOfferExpired(Conflict):
    code, title = "chat-offer-expired", "Chat offer expired"

    def __init__(self, session_id: str, seconds: float) -> None:
        super().__init__(
            f"The chat offer of web session {session_id} was made more than {seconds:g} s ago."
        )


class ChatAgentUnavailable(Conflict):
    code, title = "chat-agent-unavailable", "Agent unavailable"

    def __init__(self, agent_id: uuid.UUID) -> None:
        super().__init__(f"Agent {agent_id}, who was offered the chat, is no longer active.")


class ChatClosed(Conflict):
    code, title = "chat-closed", "Chat closed"

    def __init__(self, chat_id: uuid.UUID) -> None:
        super().__init__(f"Chat {chat_id} is closed.")


class SessionChatClosed(Conflict):
    code, title = "chat-closed", "Chat closed"

    def __init__(self, session_id: str, chat_id: uuid.UUID) -> None:
        super().__init__(
            f"The chat of web session {session_id} ({chat_id}) is closed; a session chats once."
        )


class AuthorNotAllowed(Forbidden):
    code, title = "author-not-allowed", "Forbidden"

    def __init__(self, author: str) -> None:
        who = "a website key (as the visitor)" if author == "visitor" else "staff (as the agent)"
        super().__init__(f"Only {who} may write as the {author}.")
