"""Server-sent events pass through the gateway as they come: the first frame reaches the client
while the service is still writing its stream."""

import threading
from collections.abc import AsyncIterator, Callable, Iterator

import anyio
import httpx
import pytest
from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from crm_common.app import create_service_app
from crm_common.auth import PrincipalDep
from crm_common.settings import ServiceSettings
from crm_common.sse import sse_frame, sse_response
from crm_common.testing import LiveServer

from ..helpers import INTERNAL_SECRET, Running, bearer, create_key

# Set by the test once the first frame arrived through the gateway: only then does the stand-in
# write its second frame and end. A buffering proxy would hold the first frame until the end.
release = threading.Event()


def _stream_router() -> APIRouter:
    router = APIRouter(prefix="/v1/chats")

    @router.get("/{chat_id}/stream", response_class=StreamingResponse)
    async def stream(chat_id: str, _principal: PrincipalDep) -> StreamingResponse:
        """Two frames; the second only after the client saw the first (or 10 s)."""

        async def frames() -> AsyncIterator[str]:
            yield sse_frame(1, "message", {"chat_id": chat_id, "text": "first"})
            with anyio.move_on_after(10):
                while not release.is_set():
                    await anyio.sleep(0.02)
            yield sse_frame(2, "closed", {"released": release.is_set()})

        return sse_response(frames())

    return router


@pytest.fixture
def sse_upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("sse")
    settings = ServiceSettings(
        environment="test",
        service_name="sse-routing",
        database_url=f"sqlite:///{directory}/sse.db",
        internal_secret=INTERNAL_SECRET,
        log_level="WARNING",
    )
    app = create_service_app(
        settings,
        title="SSE routing stand-in",
        description="Streams server-sent events slowly.",
        routers=[_stream_router()],
        check_broker=False,
    )
    server = LiveServer(app).start()
    yield server
    server.stop()


def test_an_event_stream_is_forwarded_as_it_comes(
    client: httpx.Client,
    start_gateway: Callable[..., Running],
    sse_upstream: LiveServer,
) -> None:
    release.clear()
    gateway = start_gateway(routing_url=sse_upstream.url)
    website = bearer(create_key(client, "website")["key"])
    received: list[str] = []

    with (
        httpx.Client(base_url=gateway.url, timeout=httpx.Timeout(5.0)) as http,
        http.stream("GET", "/v1/chats/ch-1/stream", headers=website) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert "content-length" not in response.headers
        buffer = ""
        for chunk in response.iter_text():
            buffer += chunk
            while "\n\n" in buffer:
                frame, buffer = buffer.split("\n\n", 1)
                received.append(frame)
                release.set()  # the first frame came before the stand-in finished

    assert received == [
        'id: 1\nevent: message\ndata: {"chat_id":"ch-1","text":"first"}',
        'id: 2\nevent: closed\ndata: {"released":true}',
    ]
