"""Asking several services at once on behalf of the caller, each answer kept apart."""

import asyncio
from dataclasses import dataclass
from typing import Any

from crm_common.auth import Principal
from crm_common.errors import DomainError
from crm_gateway.proxy.forward import Forwarder


@dataclass(frozen=True)
class Source:
    """One part of a composed document: `service`'s answer to `GET path?params`."""

    section: str
    service: str
    path: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Answer:
    source: Source
    status: int | None  # None: the service could not be reached, or did not answer in time
    body: Any
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def unavailable(self) -> bool:
        return self.status is None or self.status >= 500


async def fetch(
    forwarder: Forwarder, principal: Principal, source: Source, timeout: float
) -> Answer:
    try:
        response = await forwarder.call(
            source.service,
            "GET",
            source.path,
            principal,
            params=dict(source.params),
            timeout=timeout,
        )
    except DomainError as exc:
        return Answer(source, None, None, exc.detail)
    try:
        body = response.json()
    except ValueError:
        return Answer(source, 502, None, f"{source.service} answered without JSON")
    error = None if response.status_code == 200 else _detail(body, response.status_code)
    return Answer(source, response.status_code, body, error)


async def fetch_all(
    forwarder: Forwarder, principal: Principal, sources: list[Source], timeout: float
) -> dict[str, Answer]:
    """Every source's answer by section, asked in parallel; none raises."""
    answers = await asyncio.gather(*(fetch(forwarder, principal, s, timeout) for s in sources))
    return {answer.source.section: answer for answer in answers}


def _detail(body: Any, status: int) -> str:
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return f"answered {status}"


class UpstreamProblem(DomainError):
    """A service's own problem answer (404, 403, 410...), passed on to the caller as it was."""

    code, title = "upstream-problem", "Problem"

    def __init__(self, answer: Answer) -> None:
        body = answer.body if isinstance(answer.body, dict) else {}
        extra = {
            k: v
            for k, v in body.items()
            if k not in ("type", "title", "status", "detail", "instance", "request_id", "errors")
        }
        super().__init__(answer.error, **extra)
        self.status = answer.status or 502
        self.title = str(body.get("title") or "Problem")
        kind = body.get("type")
        if isinstance(kind, str) and kind.rsplit("/", 1)[-1]:
            self.code = kind.rsplit("/", 1)[-1]
