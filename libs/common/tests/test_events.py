import json
from datetime import UTC, datetime
from decimal import Decimal

from crm_common.events import CloudEvent, payload_class
from crm_common.events.orders import OptionValue, ProductCreated, ProductSnapshot


def _product() -> ProductSnapshot:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return ProductSnapshot(
        id="01a205f7-df86-772d-b5ba-cd67c5971fc2",  # type: ignore[arg-type]
        sku="LAMP-1",
        name="Lamp",
        category="lighting",
        base_price=Decimal("129.90"),
        currency="EUR",
        active=True,
        options=[{"group": "lamp", "values": [OptionValue(code="L1", price_delta=Decimal("5"))]}],  # type: ignore[list-item]
        version=1,
        created_at=now,
        updated_at=now,
    )


def test_money_is_a_decimal_string_on_the_wire_and_reads_back_exactly() -> None:
    envelope = CloudEvent.wrap(
        ProductCreated(product=_product()), source="orders", subject="p", correlation_id=None
    )
    data = json.loads(envelope.model_dump_json())["data"]
    assert data["product"]["base_price"] == "129.90"
    assert data["product"]["options"][0]["values"][0]["price_delta"] == "5"
    back = ProductCreated.model_validate(data)
    assert back.product.base_price == Decimal("129.90")


def test_a_consumer_ignores_fields_a_later_version_added() -> None:
    data = json.loads(ProductCreated(product=_product()).model_dump_json())
    data["added_later"] = {"anything": 1}
    data["product"]["also_new"] = "x"
    cls = payload_class("orders.product.created.v1")
    assert cls is ProductCreated
    assert cls.model_validate(data).product.sku == "LAMP-1"
