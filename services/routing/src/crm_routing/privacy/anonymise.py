"""What an erased contact's records and payloads become (pure: no I/O).

Text that identified the person becomes ERASED, links to the person become null, page URLs lose
their query string, fragment and user info (where personal data hides), page titles go.
"""

from typing import Any
from urllib.parse import urlsplit, urlunsplit

ERASED = "erased"

_REPLACED = ("from_number", "customer_number", "visitor_id", "note", "text")
_CLEARED = ("contact_id", "contact_name", "contact")


def stripped_url(url: str) -> str:
    """`url` without its query string, fragment and user info; ERASED when it does not parse."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ERASED
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def anonymised_page(page: dict[str, Any]) -> dict[str, Any]:
    url = page.get("url")
    return {**page, "url": stripped_url(url) if isinstance(url, str) else url, "title": None}


def anonymised_payload(data: dict[str, Any]) -> dict[str, Any]:
    """An event's data (or a feed item's) without the person in it, still valid for its schema:
    numbers, visitor ids, notes and message texts become ERASED, contact links and names null,
    transcripts keep their lines with ERASED text, pages lose their titles and query strings."""
    result = dict(data)
    for key in _REPLACED:
        if result.get(key) is not None:
            result[key] = ERASED
    for key in _CLEARED:
        if key in result:
            result[key] = None
    transcript = result.get("transcript")
    if isinstance(transcript, list):
        result["transcript"] = [{**line, "text": ERASED} for line in transcript]
    pages = result.get("pages")
    if isinstance(pages, list):
        result["pages"] = [anonymised_page(page) for page in pages]
    return result
