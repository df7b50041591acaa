"""The contacts service app: `uvicorn --factory crm_contacts.main:create_app --port 8001`."""

from collections.abc import Sequence

from fastapi import FastAPI

from crm_common import openapi
from crm_common.app import Worker, create_service_app
from crm_common.outbox import OutboxRelay
from crm_contacts.config import ContactsSettings, get_settings
from crm_contacts.consents.router import router as consents_router
from crm_contacts.contacts.router import router as contacts_router
from crm_contacts.db import Outbox
from crm_contacts.duplicates.router import router as duplicates_router
from crm_contacts.handlers import events_consumer
from crm_contacts.interactions.router import router as interactions_router
from crm_contacts.loyalty.router import router as loyalty_router
from crm_contacts.me.router import router as me_router
from crm_contacts.privacy.router import router as privacy_router
from crm_contacts.tasks.router import router as tasks_router

DESCRIPTION = (
    "People and organisations, their contact points, the interaction timeline, tasks and calendar, "
    "consents per purpose, duplicates and merges; customers' own data (`/v1/me`) and data rights "
    "(consent purposes, export, erasure). Events are published on `crm.contacts`."
)


def create_app(settings: ContactsSettings | None = None) -> FastAPI:
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
        settings,
        title="Rapport contacts",
        description=DESCRIPTION,
        # The lookup route is declared before /v1/contacts/{contact_id} inside contacts_router.
        routers=[
            contacts_router,
            interactions_router,
            consents_router,
            duplicates_router,
            tasks_router,
            loyalty_router,
            me_router,
            privacy_router,
        ],
        workers=workers,
    )
    openapi.install(app)
    return app
