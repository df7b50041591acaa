"""API schemas of the ERP integration."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from crm_orders.commerce import Text, Timestamp, Url

ErpStatus = Literal["confirmed", "in_production", "shipped", "delivered", "cancelled"]
ErpEventId = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")
]


class TrackingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: Text
    number: Text
    url: Url | None = None


class ErpStatusReport(BaseModel):
    """A status the ERP reports; `erp_event_id` makes retries safe, `occurred_at` orders reports."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status": "shipped",
                    "erp_event_id": "erp-evt-000981",
                    "occurred_at": "2026-03-02T10:15:00Z",
                    "erp_order_number": "SO-44120",
                    "tracking": {
                        "carrier": "DHL",
                        "number": "00340434161234567890",
                        "url": "https://www.dhl.com/track?id=00340434161234567890",
                    },
                }
            ]
        },
    )

    status: ErpStatus
    erp_event_id: ErpEventId = Field(description="The ERP's own id of this report (idempotency)")
    occurred_at: Timestamp = Field(description="When it happened in the ERP")
    erp_order_number: Text | None = Field(default=None, description="The order's number in the ERP")
    tracking: TrackingIn | None = None
