"""HTTP routes of the catalog: parse, call one service function, answer."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from crm_common.db import ServiceRoute, SessionDep
from crm_common.http import IfMatchHeader, etag, json_response
from crm_common.openapi import created_headers, etag_header
from crm_common.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from crm_orders.catalog import service
from crm_orders.catalog.repository import ProductFilters
from crm_orders.catalog.schemas import ProductCreate, ProductRead, ProductUpdate
from crm_orders.commerce import CatalogReader, CatalogWriter, IdempotencyDep, Text, problems

router = APIRouter(prefix="/v1/products", tags=["catalog"], route_class=ServiceRoute)


@router.post(
    "",
    status_code=201,
    response_model=ProductRead,
    responses={201: created_headers("The new product"), **problems(400, 409, 422)},
)
def create_product(
    body: ProductCreate,
    principal: CatalogWriter,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Add a product to the catalog (retry-safe with Idempotency-Key)."""
    replayed = idempotency.replay(body.model_dump(mode="json", by_alias=True))
    if replayed is not None:
        return replayed
    read = service.create_product(session, body)
    headers = {"ETag": etag(read.version), "Location": f"/v1/products/{read.id}"}
    return idempotency.respond(201, read, headers)


@router.get("", response_model=Page[ProductRead], responses=problems(422))
def list_products(
    principal: CatalogReader,
    session: SessionDep,
    category: Annotated[Text | None, Query(description="Only this product line")] = None,
    variant_group: Annotated[
        Text | None, Query(description="The variants of one offer, side by side with their prices")
    ] = None,
    active: Annotated[bool | None, Query(description="Only products on sale (or not)")] = None,
    q: Annotated[
        Text | None, Query(description="Case-insensitive part of the name or the SKU")
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Response:
    """List products in creation order, filtered."""
    filters = ProductFilters(category=category, variant_group=variant_group, active=active, q=q)
    items, next_cursor = service.list_products(session, filters, limit, cursor)
    return json_response(Page[ProductRead](items=items, next_cursor=next_cursor))


@router.get(
    "/{product_id}",
    response_model=ProductRead,
    responses={200: {"headers": etag_header()}, **problems(404)},
)
def get_product(product_id: uuid.UUID, principal: CatalogReader, session: SessionDep) -> Response:
    """Read one product with its options, rules and availability."""
    read = service.get_product(session, product_id)
    return json_response(read, headers={"ETag": etag(read.version)})


@router.patch(
    "/{product_id}",
    response_model=ProductRead,
    responses={200: {"headers": etag_header()}, **problems(400, 404, 409, 412, 422)},
)
def update_product(
    product_id: uuid.UUID,
    body: ProductUpdate,
    principal: CatalogWriter,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Change some fields of a product (honours If-Match)."""
    read = service.update_product(session, product_id, body, if_match)
    return json_response(read, headers={"ETag": etag(read.version)})
