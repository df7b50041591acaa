"""The orders service app: `uvicorn --factory crm_orders.main:create_app --port 8002`."""

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from crm_common import openapi
from crm_common.app import Worker, create_service_app
from crm_common.outbox import OutboxRelay
from crm_orders.catalog.router import router as catalog_router
from crm_orders.config import OrdersSettings, get_settings
from crm_orders.configurator.router import router as configurator_router
from crm_orders.db import Outbox
from crm_orders.erp.router import router as erp_router
from crm_orders.handlers import events_consumer
from crm_orders.me.router import router as me_router
from crm_orders.opportunities.router import router as opportunities_router
from crm_orders.orders.router import router as orders_router
from crm_orders.pipelines.router import router as pipelines_router
from crm_orders.privacy.router import router as privacy_router
from crm_orders.quotes.router import router as quotes_router
from crm_orders.rules.router import router as rules_router

DESCRIPTION = (
    "The product catalog and configurator, opportunities in configurable pipelines with stage rules, "
    "quotes, orders and their status history, and the ERP hand-off; customers' own orders "
    "(`/v1/me/orders`) and data rights. Events are published on `crm.orders`; erasures are "
    "consumed from `crm.contacts`."
)

# Each part of the service adds its router here.
ROUTERS: list[APIRouter] = []
# The catalog, configurator, orders and the ERP hand-off.
ROUTERS += [catalog_router, configurator_router, orders_router, erp_router]
# The sales half: pipelines, opportunities, stage rules, quotes.
ROUTERS += [pipelines_router, opportunities_router, rules_router, quotes_router]
# Customers' own orders, and data rights (export; erasure is a reaction in handlers.py).
ROUTERS += [me_router, privacy_router]


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    def workers(app: FastAPI) -> Sequence[Worker]:
        running: list[Worker] = []
        if settings.relay_enabled:
            registry = app.state.metrics.registry
            running.append(OutboxRelay.for_service(app.state.engine, Outbox, settings, registry))
        if settings.consumers_enabled:
            running.append(events_consumer(app.state.engine, settings))
        return running

    app = create_service_app(
        settings, title="Rapport orders", description=DESCRIPTION, routers=ROUTERS, workers=workers
    )
    openapi.install(app)
    return app
