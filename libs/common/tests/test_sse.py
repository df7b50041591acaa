"""Server-sent events: frames, where a stream resumes, and the poll loop on a real server."""

import threading
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import StreamingResponse

from crm_common.errors import Unprocessable
from crm_common.sse import (
    SseEvent,
    resume_after,
    sse_comment,
    sse_frame,
    sse_response,
    sse_responses,
    sse_stream,
)
from crm_common.testing import LiveServer


def test_a_frame_is_id_event_and_one_line_of_json() -> None:
    assert sse_frame(7, "chat.message", {"text": "two\nlines", "n": 1}) == (
        'id: 7\nevent: chat.message\ndata: {"text":"two\\nlines","n":1}\n\n'
    )
    assert sse_frame(None, None, [1]) == "data: [1]\n\n"
    assert sse_frame(1, "bad\nname", {}) == "id: 1\nevent: bad name\ndata: {}\n\n"
    assert sse_comment() == ": keepalive\n\n"


def test_resume_after_prefers_last_event_id() -> None:
    assert resume_after(None, None) == 0
    assert resume_after(None, 5) == 5
    assert resume_after("12", 5) == 12
    assert resume_after(" 12 ", None) == 12
    assert resume_after("", 3) == 3
    for bad in ("-1", "1.5", "abc", "١٢", "9" * 19):
        with pytest.raises(Unprocessable) as caught:
            resume_after(bad, None)
        assert caught.value.errors[0].field == "header.Last-Event-ID"


def test_sse_responses_document_one_event() -> None:
    content = sse_responses("Feed", events=("b", "a"))[200]["content"]["text/event-stream"]
    assert content["schema"]["properties"]["event"] == {"type": "string", "enum": ["a", "b"]}
    assert content["schema"]["required"] == ["data"]


class Table:
    """Rows appended by the test, read by the stream's fetch (as a database table would be)."""

    def __init__(self) -> None:
        self.rows: list[SseEvent] = []
        self.lock = threading.Lock()
        self.asked: list[int] = []

    def fetch(self, after: int) -> list[SseEvent]:
        with self.lock:
            self.asked.append(after)
            return [row for row in self.rows if row[0] > after][:2]


def stream_app(table: Table) -> FastAPI:
    router = APIRouter()

    @router.get("/stream", response_class=StreamingResponse)
    async def stream(request: Request, after: int = 0) -> StreamingResponse:
        return sse_response(
            sse_stream(
                request, table.fetch, after, 0.02, keepalive_seconds=0.2, final_events={"end"}
            )
        )

    app = FastAPI()
    app.include_router(router)
    return app


def test_the_stream_polls_keeps_alive_and_ends_after_a_final_event() -> None:
    table = Table()
    table.rows = [(1, "a", {"n": 1}), (2, "a", {"n": 2}), (3, "a", {"n": 3})]
    server = LiveServer(stream_app(table)).start()
    try:
        chunks: list[str] = []
        with httpx.stream("GET", f"{server.url}/stream?after=1", timeout=5.0) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-cache"
            for chunk in response.iter_text():
                chunks.append(chunk)
                text: Any = "".join(chunks)
                if ": keepalive" in text and "end" not in text:
                    with table.lock:
                        table.rows.append((4, "end", {"n": 4}))
                        table.rows.append((5, "a", {"n": 5}))  # after the end: never sent
        body = "".join(chunks)
    finally:
        server.stop()
    frames = [f for f in body.split("\n\n") if f]
    assert frames[0] == ": open"
    assert frames[1:3] == ['id: 2\nevent: a\ndata: {"n":2}', 'id: 3\nevent: a\ndata: {"n":3}']
    assert ": keepalive" in frames[3:-1]
    assert frames[-1] == 'id: 4\nevent: end\ndata: {"n":4}'
    assert table.asked[0] == 1
    assert 3 in table.asked
