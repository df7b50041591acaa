"""Server-sent events (text/event-stream) fed by polling a table: framing, resuming and the loop.

A stream is a table whose rows have an increasing integer id (the SSE event id). `sse_stream`
asks `fetch(after)` for the rows with an id above the last one sent, every `poll_seconds`, sends
them as frames, a `: keepalive` comment when nothing was sent for `keepalive_seconds`, and stops when
the client disconnects (or after a `final_events` frame). Nothing is kept in memory between polls,
so any process of a service can serve any stream, and a client resumes with `Last-Event-ID`.

    from crm_common.sse import SSE_MEDIA_TYPE, sse_response, sse_responses, sse_stream, resume_after

    @router.get("/{agent_id}/feed", response_class=StreamingResponse, responses=sse_responses())
    async def feed(request: Request, after: int | None = None) -> StreamingResponse:
        start = resume_after(request.headers.get("last-event-id"), after)

        def fetch(last: int) -> list[tuple[int, str, dict[str, Any]]]:
            with transaction(request.app.state.engine, write=False) as session:
                return repository.items_after(session, agent_id, last)

        return sse_response(sse_stream(request, fetch, start))

`fetch` is a plain (blocking) function: it runs in a worker thread and should open a short-lived
session of its own each time (the request's session would hold a connection for the stream's life).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from typing import Any

import anyio
import anyio.to_thread
from pydantic_core import to_json
from starlette.requests import Request
from starlette.responses import StreamingResponse

from crm_common.errors import FieldError, Unprocessable

SSE_MEDIA_TYPE = "text/event-stream"
DEFAULT_POLL_SECONDS = 0.25
DEFAULT_KEEPALIVE_SECONDS = 15.0
RECONNECT_MILLISECONDS = 1000

SseEvent = tuple[int, str, Mapping[str, Any]]
"""(id, event name, data) of one frame; `data` is sent as one line of JSON."""

Fetch = Callable[[int], Sequence[SseEvent]]
"""`fetch(after)`: the events with an id above `after`, in id order (a bounded batch)."""


def sse_frame(id: int | None, event: str | None, data: Any) -> str:
    """One SSE frame: `id:`, `event:` and `data:` lines (data as compact JSON), then a blank line."""
    lines = []
    if id is not None:
        lines.append(f"id: {id}")
    if event is not None:
        lines.append(f"event: {_one_line(event)}")
    # Compact JSON has no raw line breaks (they are escaped inside strings): one data line.
    lines.append("data: " + to_json(data).decode())
    return "\n".join(lines) + "\n\n"


def sse_comment(text: str = "keepalive") -> str:
    """A comment frame (`: text`), which clients ignore; it keeps proxies from timing out."""
    return f": {_one_line(text)}\n\n"


def _one_line(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


def resume_after(last_event_id: str | None, after: int | None) -> int:
    """Where a stream starts: after the `Last-Event-ID` header (a reconnecting browser sends it),
    else after the `?after=` query parameter, else from the beginning (0). A malformed header is a
    422 naming `header.Last-Event-ID`."""
    if last_event_id is not None and last_event_id.strip():
        raw = last_event_id.strip()
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise Unprocessable(
                "Last-Event-ID must be a non-negative integer event id.",
                errors=[
                    FieldError(
                        field="header.Last-Event-ID",
                        message="must be a non-negative integer event id",
                        code="invalid",
                    )
                ],
            )
        return int(raw)
    return after or 0


async def sse_stream(
    request: Request,
    fetch: Fetch,
    after: int,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    keepalive_seconds: float = DEFAULT_KEEPALIVE_SECONDS,
    *,
    final_events: Collection[str] = (),
    max_seconds: float | None = None,
) -> AsyncIterator[str]:
    """Frames of the events after `after`, polled with `fetch` (in a worker thread) until the
    client disconnects; after sending an event named in `final_events` the stream ends. A comment
    is sent at once (so the client sees the stream open), then whenever `keepalive_seconds` pass
    without a frame. After `max_seconds` the stream ends with a `retry:` hint: the client
    reconnects with `Last-Event-ID` and misses nothing, and no connection is held for ever."""
    last = after
    yield sse_comment("open")
    opened = sent_at = time.monotonic()
    while True:
        if await request.is_disconnected():
            return
        if max_seconds is not None and time.monotonic() - opened >= max_seconds:
            yield f"retry: {RECONNECT_MILLISECONDS}\n\n"
            return
        events = await anyio.to_thread.run_sync(fetch, last)
        for event_id, name, data in events:
            yield sse_frame(event_id, name, data)
            last = max(last, event_id)
            sent_at = time.monotonic()
            if name in final_events:
                return
        if not events and time.monotonic() - sent_at >= keepalive_seconds:
            yield sse_comment()
            sent_at = time.monotonic()
        if not events:
            await anyio.sleep(poll_seconds)


def sse_response(stream: AsyncIterator[str]) -> StreamingResponse:
    """A `text/event-stream` answer of `stream`, unbuffered and uncached."""
    return StreamingResponse(
        stream,
        media_type=SSE_MEDIA_TYPE,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def sse_responses(
    description: str = "A stream of server-sent events", *, events: Collection[str] = ()
) -> dict[int | str, Any]:
    """The OpenAPI `responses=` entry of an SSE route: a 200 of `text/event-stream` whose schema
    describes one event (OpenAPI 3.1: the schema of a sequential media type is that of an item),
    with `events` as the event names when given."""
    name: dict[str, Any] = {"type": "string"}
    if events:
        name["enum"] = sorted(events)
    return {
        200: {
            "description": description,
            "content": {
                SSE_MEDIA_TYPE: {
                    "schema": {
                        "type": "object",
                        "description": "One event: `id:`, `event:` and `data:` (one line of "
                        "JSON); `: keepalive` comments in between. Resume with `Last-Event-ID`.",
                        "properties": {
                            "id": {"type": "string", "pattern": "^[0-9]+$"},
                            "event": name,
                            "data": {"type": "string", "description": "JSON"},
                        },
                        "required": ["data"],
                    }
                }
            },
        }
    }
