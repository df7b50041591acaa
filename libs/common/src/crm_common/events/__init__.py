"""CloudEvents envelope and the typed payloads of every publishing service."""

from crm_common.events.envelope import CloudEvent, EventPayload, all_payload_types, payload_class

__all__ = ["CloudEvent", "EventPayload", "all_payload_types", "payload_class"]
