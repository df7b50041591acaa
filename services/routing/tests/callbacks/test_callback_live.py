"""A callback through the routing service's own live server (dispatcher on): scheduled over HTTP,
started by the sweep the dispatcher's tick runs (`run_due`), reported by the telephony platform."""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from crm_common.db import utcnow
from crm_routing.callbacks import service
from crm_routing.config import RoutingSettings


def test_a_callback_is_started_by_the_dispatch_tick_and_completed_by_telephony(
    client: httpx.Client,
    api: Any,
    admin: dict[str, str],
    as_role: Callable[..., dict[str, str]],
    engine: Engine,
    service_settings: RoutingSettings,
) -> None:
    agent = api.create_agent(ready=True, skills={"ski": 4})
    start = utcnow() - timedelta(seconds=1)
    body = {
        "phone": "+14155550177", "category": "ski", "note": "Wants a quote",
        "window_from": start.isoformat(), "window_to": (start + timedelta(hours=1)).isoformat(),
    }  # fmt: skip
    response = client.post("/v1/callbacks", json=body, headers=as_role("website"))
    assert response.status_code == 201, response.text
    url = response.headers["Location"]
    deadline = time.monotonic() + 20
    while True:  # the tick the dispatcher runs (once it calls it, that may win the race: fine)
        service.run_due(engine, service_settings)
        callback = client.get(url, headers=admin).json()
        if callback["status"] != "scheduled" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert (callback["status"], callback["agent_id"]) == ("in_progress", agent["id"])
    report = client.post(
        f"/v1/integrations/telephony/callbacks/{callback['id']}/attempts/1",
        json={"outcome": "connected", "duration_seconds": 61.5},
        headers=as_role("telephony"),
    )
    assert report.status_code == 200, report.text
    assert report.json()["status"] == "completed"
    assert service.run_due(engine, service_settings) == service.Sweep()
    assert client.get(f"/v1/agents/{agent['id']}", headers=admin).json()["current_call_id"] is None
