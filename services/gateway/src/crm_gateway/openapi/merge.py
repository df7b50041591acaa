"""Merging the gateway's document with the services' into the one callers see. Pure, no I/O.

- Paths: the gateway's own, plus each service's paths that the route table sends to that service
  (anything else a service documents is not reachable through the gateway, so it is left out).
  When two services document the same path, the first (in route-table order) is kept.
- Components: identical definitions are shared. A name that a later document defines differently
  is renamed to `<Service><Name>` (e.g. `ContactsPage`) together with every `$ref` to it in that
  service's part, and the clash is logged; nothing is silently dropped or overwritten.
- Security: the services' internal identity scheme (`InternalIdentity`, the X-Rapport-Identity
  header that only the gateway may send) is removed with every requirement naming it; callers
  authenticate with `BearerAuth` (an API key), required globally.
- `servers` is `[{"url": "/"}]`; `x-rapport-missing` lists the services whose document could not be
  fetched (their operations are missing until they answer again).
"""

import copy
import logging
from collections.abc import Mapping
from typing import Any

from crm_common.auth import IDENTITY_HEADER
from crm_gateway.proxy.routes import ROUTES, Route, match

log = logging.getLogger("crm.gateway.openapi")

Document = dict[str, Any]

BEARER_NAME = "BearerAuth"
BEARER_SCHEME: Document = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key, sent as `Authorization: Bearer rk_...`.",
}
INTERNAL_SCHEME = "InternalIdentity"
MISSING_KEY = "x-rapport-missing"


def merge_documents(
    own: Document,
    services: Mapping[str, Document | None],
    routes: tuple[Route, ...] = ROUTES,
) -> Document:
    """`own` plus each service's document (None: could not be fetched), as described above."""
    merged = copy.deepcopy(own)
    merged["servers"] = [{"url": "/"}]
    # The gateway's own operations come first (some, such as the 360° view, lie under a prefix
    # that is otherwise forwarded); its operational endpoints (/healthz, /metrics) are left out.
    merged["paths"] = {
        path: item for path, item in own.get("paths", {}).items() if match(path, routes) is not None
    }
    components = merged.setdefault("components", {})
    missing: list[str] = []
    for service, document in services.items():
        if document is None:
            missing.append(service)
            continue
        _merge_service(merged, service, copy.deepcopy(document), routes)
    schemes = components.setdefault("securitySchemes", {})
    for name in [n for n, scheme in schemes.items() if _is_internal(n, scheme)]:
        del schemes[name]
    schemes[BEARER_NAME] = BEARER_SCHEME
    merged["security"] = [{BEARER_NAME: []}]
    for path_item in merged["paths"].values():
        _with_gateway_answers(path_item)
    merged[MISSING_KEY] = sorted(missing)
    return merged


def _served_by(path: str, service: str, routes: tuple[Route, ...]) -> bool:
    route = match(path, routes)
    return route is not None and route.service == service


def _is_internal(name: str, scheme: Any) -> bool:
    if name == INTERNAL_SCHEME:
        return True
    return (
        isinstance(scheme, dict)
        and scheme.get("type") == "apiKey"
        and scheme.get("in") == "header"
        and str(scheme.get("name", "")).lower() == IDENTITY_HEADER.lower()
    )


def _merge_service(
    merged: Document, service: str, document: Document, routes: tuple[Route, ...]
) -> None:
    internal = {
        name
        for name, scheme in document.get("components", {}).get("securitySchemes", {}).items()
        if _is_internal(name, scheme)
    }
    renames = _renames(merged.get("components", {}), document.get("components", {}), service)
    if renames:
        document = _rewrite_refs(document, renames)
    for path, item in document.get("paths", {}).items():
        if not _served_by(path, service, routes):
            continue
        if path in merged["paths"]:
            log.warning("%s documents %s again; the first definition is kept", service, path)
            continue
        merged["paths"][path] = _public(_without_security(item, internal), match(path, routes))
    components = merged["components"]
    for section, entries in document.get("components", {}).items():
        if not isinstance(entries, dict):
            continue
        target = components.setdefault(section, {})
        for name, value in entries.items():
            if section == "securitySchemes" and name in internal:
                continue
            new_name = renames.get(section, {}).get(name, name)
            target.setdefault(new_name, value)
    names = {tag.get("name") for tag in merged.get("tags", [])}
    for tag in document.get("tags", []):
        if tag.get("name") not in names:
            merged.setdefault("tags", []).append(tag)
            names.add(tag.get("name"))


def _renames(existing: Document, incoming: Document, service: str) -> dict[str, dict[str, str]]:
    """Section → {name: new name} for the incoming components that clash with existing ones.

    Renaming one component changes the refs inside others, which may make them clash in turn, so
    this repeats until nothing changes.
    """
    renames: dict[str, dict[str, str]] = {}
    changed = True
    while changed:
        changed = False
        for section, entries in incoming.items():
            if section == "securitySchemes" or not isinstance(entries, dict):
                continue
            present = existing.get(section, {})
            done = renames.setdefault(section, {})
            for name, value in entries.items():
                if name in done or name not in present:
                    continue
                if present[name] == _rewrite_refs(value, renames):
                    continue
                new_name = _free_name(f"{service.capitalize()}{name}", present, entries)
                done[name] = new_name
                log.warning(
                    "components/%s/%s of %s differs from an earlier one; it is renamed %s",
                    section,
                    name,
                    service,
                    new_name,
                )
                changed = True
    return {section: names for section, names in renames.items() if names}


def _free_name(candidate: str, *taken: Mapping[str, Any]) -> str:
    name, counter = candidate, 2
    while any(name in names for names in taken):
        name, counter = f"{candidate}{counter}", counter + 1
    return name


def _rewrite_refs(node: Any, renames: dict[str, dict[str, str]]) -> Any:
    if isinstance(node, dict):
        rewritten = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/"):
                _, _, section, name = value.split("/", 3)
                new_name = renames.get(section, {}).get(name)
                rewritten[key] = f"#/components/{section}/{new_name}" if new_name else value
            else:
                rewritten[key] = _rewrite_refs(value, renames)
        return rewritten
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


# What the gateway itself may answer to any operation, before the service sees the request.
GATEWAY_ANSWERS: dict[str, Document] = {
    "401": {"description": "No valid API key or customer token"},
    "403": {"description": "The key's roles do not reach this operation"},
    "429": {
        "description": "Over the key's rate limit; retry after `Retry-After` seconds",
        "headers": {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in (
                ("Retry-After", "Seconds to wait"),
                ("RateLimit-Limit", "Requests a minute"),
                ("RateLimit-Remaining", "Requests left now"),
                ("RateLimit-Reset", "Seconds until the bucket is full again"),
                ("RateLimit-Policy", "The limit and its window, e.g. 600;w=60"),
            )
        },
    },
}


def _with_gateway_answers(path_item: Document) -> None:
    for method, operation in path_item.items():
        if method not in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            continue
        if not isinstance(operation, dict):
            continue
        responses = operation.setdefault("responses", {})
        for status, answer in GATEWAY_ANSWERS.items():
            if status not in responses:
                responses[status] = {
                    **answer,
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                }


def _public(path_item: Document, route: Route | None) -> Document:
    """The path item of a public route with its reads open to anyone, without a key."""
    if route is not None and route.public:
        for method, operation in path_item.items():
            if method in ("get", "head") and isinstance(operation, dict):
                operation["security"] = []
    return path_item


def _without_security(path_item: Document, internal: set[str]) -> Document:
    """The path item with every requirement of an internal scheme removed (the global bearer
    requirement applies instead)."""
    for operation in path_item.values():
        if not isinstance(operation, dict) or "security" not in operation:
            continue
        kept = [
            requirement
            for requirement in operation["security"]
            if not any(name in internal or name == INTERNAL_SCHEME for name in requirement)
        ]
        if kept:
            operation["security"] = kept
        else:
            del operation["security"]
    return path_item
