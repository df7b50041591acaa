"""`CRM_CONTACTS_ROW_ACCESS=open`: every staff member (and partner) sees every contact; "scoped"
is the default. A second server on the same database runs in open mode."""

from collections.abc import Callable, Iterator

import httpx
import pytest
from pydantic import ValidationError

from crm_common.testing import LiveServer, live_server
from crm_contacts.config import ContactsSettings
from crm_contacts.main import create_app

from .conftest import NAMES


@pytest.fixture(scope="module")
def open_server(service_settings: ContactsSettings) -> Iterator[LiveServer]:
    settings = service_settings.model_copy(
        update={"row_access": "open", "relay_enabled": False, "consumers_enabled": False}
    )
    with live_server(create_app(settings)) as running:
        yield running


@pytest.mark.parametrize(
    ("roles", "agent_id", "team"),
    [
        (("agent",), None, None),
        (("manager",), None, None),
        (("agent",), "01900000-0000-7000-8000-0000000000b9", "west"),
        (("partner",), None, None),
    ],
)
def test_open_mode_shows_every_contact_to_every_contact_role(
    open_server: LiveServer,
    world: dict[str, str],
    as_role: Callable[..., dict[str, str]],
    roles: tuple[str, ...],
    agent_id: str | None,
    team: str | None,
) -> None:
    headers = as_role(*roles, agent_id=agent_id, team=team)
    with httpx.Client(base_url=open_server.url, timeout=15) as http:
        listed = http.get("/v1/contacts", headers=headers).json()["items"]
        assert [item["id"] for item in listed] == [world[n] for n in NAMES]
        for index, name in enumerate(NAMES):
            contact_id = world[name]
            assert http.get(f"/v1/contacts/{contact_id}", headers=headers).status_code == 200
            found = http.get(
                "/v1/contacts/lookup", params={"phone": f"+1415555010{index}"}, headers=headers
            )
            assert found.json()["id"] == contact_id
            timeline = http.get(f"/v1/contacts/{contact_id}/interactions", headers=headers)
            assert [i["subject"] for i in timeline.json()["items"]] == [f"About {name}"]
        # Roles are still checked: open mode widens rows, not routes.
        assert http.get("/v1/contacts", headers=as_role("website")).status_code == 403


def test_the_same_caller_is_scoped_on_a_default_server(
    client: httpx.Client, world: dict[str, str], as_role: Callable[..., dict[str, str]]
) -> None:
    assert client.get("/v1/contacts", headers=as_role("agent")).json()["items"] == []


def test_row_access_is_scoped_by_default_and_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CRM_CONTACTS_ROW_ACCESS", raising=False)
    assert ContactsSettings().row_access == "scoped"
    monkeypatch.setenv("CRM_CONTACTS_ROW_ACCESS", "open")
    assert ContactsSettings().row_access == "open"
    monkeypatch.setenv("CRM_CONTACTS_ROW_ACCESS", "everyone")
    with pytest.raises(ValidationError, match="CRM_CONTACTS_ROW_ACCESS"):
        ContactsSettings()
