"""What erased records and payloads become (pure functions, no database)."""

import pytest

from crm_routing.privacy.anonymise import anonymised_payload, stripped_url


@pytest.mark.parametrize(
    ("url", "stripped"),
    [
        ("https://shop.example.com/ski?email=a%40b.c#top", "https://shop.example.com/ski"),
        ("https://grace:secret@shop.example.com:8443/a/b", "https://shop.example.com:8443/a/b"),
        ("/account/orders?token=abc", "/account/orders"),
        ("https://shop.example.com", "https://shop.example.com"),
        ("http://[::1/ski?x=1", "erased"),  # does not parse
    ],
)
def test_a_page_url_loses_its_query_fragment_and_user_info(url: str, stripped: str) -> None:
    assert stripped_url(url) == stripped


def test_a_payload_keeps_its_shape_without_the_person() -> None:
    data = {
        "call_id": "c-1", "agent_id": "a-1", "from_number": "+14155550190",
        "customer_number": "+14155550190", "contact_id": "x", "contact_name": "Grace",
        "contact": {"id": "x", "name": "Grace"}, "visitor_id": "v-1", "note": "call Grace",
        "text": "hi", "category": "ski",
        "transcript": [{"author": "visitor", "text": "I am Grace", "sent_at": "t"}],
        "pages": [{"url": "/ski?who=grace", "title": "Grace's page", "category": "ski"}],
    }  # fmt: skip
    assert anonymised_payload(data) == {
        "call_id": "c-1", "agent_id": "a-1", "from_number": "erased",
        "customer_number": "erased", "contact_id": None, "contact_name": None, "contact": None,
        "visitor_id": "erased", "note": "erased", "text": "erased", "category": "ski",
        "transcript": [{"author": "visitor", "text": "erased", "sent_at": "t"}],
        "pages": [{"url": "/ski", "title": None, "category": "ski"}],
    }  # fmt: skip
    assert data["from_number"] == "+14155550190"  # the input is left as it was


def test_absent_or_null_fields_stay_as_they_are() -> None:
    data = {"call_id": "c-1", "from_number": None, "visitor_id": None}
    assert anonymised_payload(data) == data
