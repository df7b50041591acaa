"""Money on the wire: a decimal string (never a float) with an ISO 4217 currency code beside it."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["129.90"]},
    ),
]
"""An amount, e.g. "129.90"; accepted as a string (or a number) and always written as a string."""

Currency = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency code", examples=["EUR"]),
]
