"""Input types shared by the API schemas: bounded, storable text, UTC timestamps, JSON objects.

Every string that reaches the database is bounded and free of NUL characters and lone surrogates
(PostgreSQL and UTF-8 cannot store them), so such input is a 422 and never a 500.
"""

import math
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

# Re-exported: the service's schemas take them from here.
from crm_common.validation import Timestamp as Timestamp  # noqa: PLC0414
from crm_common.validation import clean_text as clean_text  # noqa: PLC0414

MAX_JSON_DEPTH = 8
MAX_JSON_KEYS = 100


def check_json_object(value: dict[str, Any]) -> dict[str, Any]:
    """`value` unchanged when every key and string is storable, numbers finite and nesting shallow."""
    _check_json(value, 0)
    return value


def _check_json(value: Any, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"must not nest deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        clean_text(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            clean_text(key)
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


def _text(max_length: int) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Name = Annotated[str, _text(200), AfterValidator(clean_text)]
Label = Annotated[str, _text(50), AfterValidator(clean_text)]
Identifier = Annotated[str, _text(200), AfterValidator(clean_text)]
Tag = Annotated[str, _text(64), AfterValidator(clean_text)]
Subject = Annotated[str, _text(500), AfterValidator(clean_text)]
Comment = Annotated[str, _text(2000), AfterValidator(clean_text)]
Body = Annotated[str, StringConstraints(max_length=20000), AfterValidator(clean_text)]
SearchText = Annotated[str, _text(200), AfterValidator(clean_text)]
JsonKey = Annotated[str, StringConstraints(min_length=1, max_length=100)]
JsonObject = Annotated[
    dict[JsonKey, Any], Field(max_length=MAX_JSON_KEYS), AfterValidator(check_json_object)
]
