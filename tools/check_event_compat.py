"""Compatibility check for event JSON Schemas: may consumers of the old schema read the new events?

    python tools/check_event_compat.py OLD.json NEW.json

Incompatible: a field removed, a field's type changed (including format, enum values, nullability),
a new required field, or a required field that became optional (consumers rely on it being there).
Compatible: new optional fields, and changes to titles, descriptions, defaults and examples.
A `vN` event type may only change compatibly; anything else is a new type `v(N+1)`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

Schema = dict[str, Any]


def _resolve(schema: Schema, doc: Schema) -> Schema:
    seen: set[str] = set()
    while "$ref" in schema:
        ref = str(schema["$ref"])
        if not ref.startswith("#/") or ref in seen:
            return schema
        seen.add(ref)
        node: Any = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


def shape(schema: Schema, doc: Schema) -> str:
    """A one-line type of `schema` (objects shown as `object`; their fields are compared apart)."""
    schema = _resolve(schema, doc)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            sep = {"anyOf": " | ", "oneOf": " ^ ", "allOf": " & "}[combinator]
            return "(" + sep.join(shape(s, doc) for s in schema[combinator]) + ")"
    if "const" in schema:
        return f"const {json.dumps(schema['const'])}"
    if "enum" in schema:
        return "enum " + json.dumps(sorted(schema["enum"], key=json.dumps))
    kind = schema.get("type", "any")
    text = "|".join(sorted(kind)) if isinstance(kind, list) else str(kind)
    if "format" in schema:
        text += f"({schema['format']})"
    if text == "array":
        text += "<" + shape(schema.get("items", {}), doc) + ">"
    return text


class _Comparison:
    def __init__(self, old_doc: Schema, new_doc: Schema) -> None:
        self.old_doc = old_doc
        self.new_doc = new_doc
        self.problems: list[str] = []
        self._seen: set[tuple[int, int]] = set()

    def compare(self, old: Schema, new: Schema, path: str) -> None:
        old, new = _resolve(old, self.old_doc), _resolve(new, self.new_doc)
        if (id(old), id(new)) in self._seen:
            return
        self._seen.add((id(old), id(new)))
        old_shape, new_shape = shape(old, self.old_doc), shape(new, self.new_doc)
        if old_shape != new_shape:
            self.problems.append(f"{path}: type changed from {old_shape} to {new_shape}")
            return
        for combinator in ("anyOf", "oneOf", "allOf"):
            for i, (o, n) in enumerate(
                zip(old.get(combinator, []), new.get(combinator, []), strict=True)
            ):
                self.compare(o, n, f"{path}<{i}>")
        if "items" in old and "items" in new:
            self.compare(old["items"], new["items"], f"{path}[]")
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.compare(old_extra, new_extra, f"{path}{{}}")
        self._compare_fields(old, new, path)

    def _compare_fields(self, old: Schema, new: Schema, path: str) -> None:
        old_fields: Schema = old.get("properties", {})
        new_fields: Schema = new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        prefix = f"{path}." if path else ""
        for name, old_field in old_fields.items():
            if name not in new_fields:
                self.problems.append(f"{prefix}{name}: field removed")
            else:
                self.compare(old_field, new_fields[name], f"{prefix}{name}")
        for name in sorted(new_required - old_required):
            what = "became required" if name in old_fields else "new required field"
            self.problems.append(f"{prefix}{name}: {what}")
        for name in sorted((old_required - new_required) & set(new_fields)):
            self.problems.append(f"{prefix}{name}: no longer required")


def incompatibilities(old: Schema, new: Schema) -> list[str]:
    """Why events valid under `new` may break consumers written for `old` (empty: compatible)."""
    comparison = _Comparison(old, new)
    comparison.compare(old, new, "")
    return comparison.problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    old, new = (json.loads(Path(p).read_text()) for p in argv)
    problems = incompatibilities(old, new)
    for problem in problems:
        print(f"incompatible: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
