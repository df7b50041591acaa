"""Generate openapi/ from the code: every service's OpenAPI, event JSON Schemas, and asyncapi.yaml.

    python tools/gen_openapi.py --out openapi      # make openapi
    python tools/gen_openapi.py --check openapi    # make openapi-check

Services are built in-process (`create_app()` then `.openapi()`): no server, no database, no broker.
The gateway's document is its own API only (the merged one is served at runtime). Output is
deterministic: sorted keys, 2-space indent, trailing newline.

`--check` regenerates into a temporary directory and fails when the committed files differ, or when
an existing event type changed incompatibly compared with any version of its schema in the working
tree or in git history (see check_event_compat.py). OPENAPI_COMPAT_SINCE=<rev> limits the history
to commits after <rev>.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_event_compat import incompatibilities

ROOT = Path(__file__).resolve().parent.parent
JSON_SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"
KAFKA_BINDING_VERSION = "0.5.0"
DEV_BOOTSTRAP = "127.0.0.1:9092"
# The Strimzi cluster `rapport-kafka` in namespace `kafka` (deploy/k8s/base/kustomization.yaml, deploy/k8s/kafka/).
PRODUCTION_BOOTSTRAP = "rapport-kafka-kafka-bootstrap.kafka.svc:9092"

# Services whose document is not `create_app().openapi()`: module:function() returning it. The
# gateway serves a merged document at runtime (its API plus every service's, fetched live); the
# committed file is its own operations only.
OWN_SPEC = {"gateway": "crm_gateway.main:own_openapi"}

Document = dict[str, Any]


def dump_json(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings, so descriptions stay readable."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(doc: Any) -> str:
    text = yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=True,
        indent=2,
        default_flow_style=False,
        width=100,
        allow_unicode=True,
    )
    return text if text.endswith("\n") else text + "\n"


# --- services -------------------------------------------------------------------------------------


def _isolate_environment(tmp: Path) -> None:
    """Defaults only (the output must not depend on the caller's CRM_* variables), and throwaway
    SQLite URLs in case a factory opens its database eagerly."""
    for name in [n for n in os.environ if n.startswith("CRM_")]:
        del os.environ[name]
    for service in service_names():
        os.environ[f"CRM_{service.upper()}_DATABASE_URL"] = f"sqlite:///{tmp}/{service}.db"


def service_names() -> list[str]:
    """Every services/<name> whose package has a main module (services appear one at a time)."""
    names = []
    for directory in sorted((ROOT / "services").iterdir()):
        if (directory / "src" / f"crm_{directory.name}" / "main.py").is_file():
            names.append(directory.name)
    return names


def _load(target: str) -> Callable[..., Any]:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]


def service_spec(service: str) -> Document:
    own = OWN_SPEC.get(service)
    if own is not None:
        return dict(_load(own)())
    return dict(_load(f"crm_{service}.main:create_app")().openapi())


# --- events ---------------------------------------------------------------------------------------


def payload_types() -> dict[str, Any]:
    """Every event payload class; the registry fills as the crm_common.events modules are imported."""
    from crm_common import events

    for module in pkgutil.iter_modules(events.__path__):
        importlib.import_module(f"{events.__name__}.{module.name}")
    return dict(events.all_payload_types())


def event_schema(event_type: str, payload: Any) -> Document:
    """The CloudEvent envelope whose `data` is the payload's schema, as published on Kafka."""
    from crm_common.events import CloudEvent

    envelope: Document = CloudEvent.model_json_schema()
    data: Document = payload.model_json_schema()
    defs = data.pop("$defs", {})
    fields = envelope["properties"]
    fields["specversion"] = {"const": "1.0", "title": "Specversion", "type": "string"}
    fields["type"] = {"const": event_type, "title": "Type", "type": "string"}
    fields["source"]["description"] = "The publishing service."
    fields["subject"]["description"] = "The aggregate id; also the Kafka message key."
    fields["correlationid"]["description"] = "The X-Request-ID of the request that caused it."
    fields["data"] = data
    schema: Document = {
        "$schema": JSON_SCHEMA_DRAFT,
        "$id": f"urn:rapport:event:{event_type}",
        "title": event_type,
        "description": (
            f"CloudEvents 1.0 structured JSON of `{event_type}`, published on `{payload.topic}` "
            "with the aggregate id (`subject`) as the Kafka key and the headers `ce_type` and "
            "`ce_id`."
        ),
        "x-topic": payload.topic,
        "type": "object",
        "properties": fields,
        # The relay publishes the envelope with every attribute present (correlationid may be null).
        "required": sorted(fields),
    }
    if defs:
        schema["$defs"] = defs
    return schema


def _message_id(event_type: str) -> str:
    return event_type


def asyncapi(types: dict[str, Any]) -> Document:
    topics: dict[str, list[str]] = {}
    for event_type, payload in types.items():
        topics.setdefault(payload.topic, []).append(event_type)

    channels: Document = {}
    operations: Document = {}
    messages: Document = {}
    for topic, event_types in sorted(topics.items()):
        service = topic.removeprefix("crm.")
        channels[topic] = {
            "address": topic,
            "title": topic,
            "description": (
                f"Facts published by the {service} service through its transactional outbox. "
                "Key: the aggregate id, so each aggregate's events stay in order."
            ),
            "messages": {
                _message_id(t): {"$ref": f"#/components/messages/{_message_id(t)}"}
                for t in event_types
            },
            "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}},
        }
        operations[f"publish.{topic}"] = {
            "action": "send",
            "title": f"The {service} service publishes on {topic}",
            "channel": {"$ref": f"#/channels/{topic}"},
            "messages": [
                {"$ref": f"#/channels/{topic}/messages/{_message_id(t)}"} for t in event_types
            ],
        }
        for event_type in event_types:
            messages[_message_id(event_type)] = {
                "name": event_type,
                "title": event_type,
                "summary": f"`{event_type}` on `{topic}`.",
                "contentType": "application/cloudevents+json",
                "headers": {
                    "type": "object",
                    "required": ["ce_type", "ce_id"],
                    "properties": {
                        "ce_type": {"type": "string", "const": event_type},
                        "ce_id": {
                            "type": "string",
                            "format": "uuid",
                            "description": "The envelope's `id`; consumers deduplicate by it.",
                        },
                    },
                },
                "payload": {"$ref": f"./events/{event_type}.json"},
                "bindings": {
                    "kafka": {
                        "key": {
                            "type": "string",
                            "description": "The aggregate id (the envelope's `subject`).",
                        },
                        "bindingVersion": KAFKA_BINDING_VERSION,
                    }
                },
            }

    channels["crm.dlq"] = {
        "address": "crm.dlq.{group}",
        "title": "crm.dlq.<consumer group>",
        "description": (
            "Dead letters of one consumer group: a message that still fails after bounded retries "
            "is copied here unchanged, with the error in its headers, and the group moves on."
        ),
        "parameters": {
            "group": {"description": "The consumer group id of the consumer that gave up."}
        },
        "messages": {"deadLetter": {"$ref": "#/components/messages/deadLetter"}},
    }
    operations["deadLetter"] = {
        "action": "send",
        "title": "A consumer gives up on a message",
        "channel": {"$ref": "#/channels/crm.dlq"},
        "messages": [{"$ref": "#/channels/crm.dlq/messages/deadLetter"}],
    }
    messages["deadLetter"] = {
        "name": "deadLetter",
        "title": "Dead letter",
        "summary": "The original message (same key and value) and why it failed.",
        "headers": {
            "type": "object",
            "required": ["error", "original_topic", "original_partition", "original_offset"],
            "properties": {
                "error": {"type": "string", "description": "The last error (at most 2000 chars)."},
                "original_topic": {"type": "string"},
                "original_partition": {"type": "string", "description": "A decimal number."},
                "original_offset": {"type": "string", "description": "A decimal number."},
            },
        },
        "payload": {"description": "The original message value, unchanged."},
    }

    return {
        "asyncapi": "3.0.0",
        "id": "urn:rapport:events",
        "info": {
            "title": "Rapport events",
            "version": "1.0.0",
            "description": ASYNCAPI_DESCRIPTION,
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "development": {
                "host": DEV_BOOTSTRAP,
                "protocol": "kafka",
                "description": "The local Tansu broker of `make run` (topics in memory only).",
            },
            "production": {
                "host": PRODUCTION_BOOTSTRAP,
                "protocol": "kafka",
                "description": "The Strimzi cluster of deploy/k8s (any Kafka works).",
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


ASYNCAPI_DESCRIPTION = """\
Every Rapport service publishes the facts it owns on its own topic (`crm.<service>`).

- Each message value is a CloudEvents 1.0 envelope in structured JSON (`specversion`, `id`,
  `source`, `type`, `subject`, `time`, `datacontenttype`, `correlationid`, `data`); the JSON
  Schema of each type is in `events/<type>.json`.
- The Kafka key is the aggregate id (= `subject`), so one aggregate's events keep their order.
- The relay sets the headers `ce_type` (the event type) and `ce_id` (the envelope id).
- Delivery is at least once: deduplicate by `id`. Events are written with the change in one
  transaction (outbox) and published after it commits, with acks=all.
- A consumer group that cannot process a message after bounded retries copies it to
  `crm.dlq.<consumer group>` with the error in its headers and moves on.
- Types are versioned (`<service>.<entity>.<action>.v<N>`): a `vN` only gains optional fields;
  anything else is a new type `v(N+1)`, published alongside the old one while consumers move.
"""


# --- output ---------------------------------------------------------------------------------------


def generate(out: Path) -> list[str]:
    """Write every generated file under `out`; returns their paths relative to `out`."""
    written: list[str] = []

    def write(relative: str, text: str) -> None:
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(relative)

    with tempfile.TemporaryDirectory() as tmp:
        _isolate_environment(Path(tmp))
        for service in service_names():
            write(f"{service}.json", dump_json(service_spec(service)))
    types = payload_types()
    for event_type, payload in types.items():
        write(f"events/{event_type}.json", dump_json(event_schema(event_type, payload)))
    write("asyncapi.yaml", dump_yaml(asyncapi(types)))
    return written


def _tree(directory: Path) -> dict[str, str]:
    if not directory.is_dir():
        return {}
    return {
        str(p.relative_to(directory)): p.read_text()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def historical_schemas(events_dir: Path) -> list[tuple[str, str, str]]:
    """(where, event type, schema text) for every distinct committed version of every event schema."""
    try:
        relative = events_dir.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return []
    since = os.environ.get("OPENAPI_COMPAT_SINCE")
    revisions = _git("log", "--format=%H", f"{since}..HEAD" if since else "HEAD", "--", relative)
    blobs: dict[str, tuple[str, str]] = {}  # blob id -> (first commit seen, event type)
    for commit in (revisions or "").split():
        for line in (_git("ls-tree", f"{commit}:{relative}") or "").splitlines():
            meta, _, name = line.partition("\t")
            blob = meta.split()[-1]
            if name.endswith(".json") and blob not in blobs:
                blobs[blob] = (commit, name.removesuffix(".json"))
    if not blobs:
        return []
    # One `git cat-file --batch` for every blob: "<id> blob <size>\n<content>\n" each (sizes in bytes).
    try:
        output = subprocess.run(
            ["git", "cat-file", "--batch"],  # noqa: S607
            cwd=ROOT,
            input="".join(f"{b}\n" for b in blobs).encode(),
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    found: list[tuple[str, str, str]] = []
    position = 0
    for commit, event_type in blobs.values():
        header_end = output.index(b"\n", position)
        size = int(output[position:header_end].split()[2])
        content = output[header_end + 1 : header_end + 1 + size].decode()
        position = header_end + 1 + size + 1
        found.append((f"commit {commit[:10]}", event_type, content))
    return found


def check(committed: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        generated = _tree(fresh)
    current = _tree(committed)

    failures: list[str] = []
    baselines = [
        ("working tree", p.removesuffix(".json").removeprefix("events/"), text)
        for p, text in current.items()
        if p.startswith("events/")
    ]
    baselines += historical_schemas(committed / "events")
    checked: set[tuple[str, str]] = set()
    for where, event_type, text in baselines:
        if (event_type, text) in checked:
            continue
        checked.add((event_type, text))
        new = generated.get(f"events/{event_type}.json")
        if new is None:
            failures.append(f"event type {event_type} ({where}) is gone; keep publishing it")
            continue
        for problem in incompatibilities(json.loads(text), json.loads(new)):
            failures.append(f"{event_type}: {problem} (compared with the {where})")
    if failures:
        print("Incompatible event schema changes (publish a new version vN+1 instead):")
        print("\n".join(f"  - {f}" for f in failures))

    stale = sorted(p for p in set(current) | set(generated) if current.get(p) != generated.get(p))
    for path in stale:
        diff = difflib.unified_diff(
            current.get(path, "").splitlines(keepends=True),
            generated.get(path, "").splitlines(keepends=True),
            f"{committed.name}/{path} (committed)",
            f"{committed.name}/{path} (generated)",
        )
        sys.stdout.writelines(list(diff)[:60])
    if stale:
        print(
            f"\n{committed.name}/ is stale ({len(stale)} file(s)): run `make openapi` and commit."
        )
    if failures or stale:
        return 1
    print(f"{committed.name}/ is up to date ({len(generated)} files); event schemas compatible.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path, help="write the generated files into this directory")
    group.add_argument("--check", type=Path, help="compare this committed directory with the code")
    args = parser.parse_args()
    if args.check is not None:
        return check(args.check.resolve())
    out: Path = args.out.resolve()
    written = set(generate(out))
    for stale in set(_tree(out)) - written:
        (out / stale).unlink()
        print(f"removed {stale} (no longer generated)")
    print(f"wrote {len(written)} files under {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
