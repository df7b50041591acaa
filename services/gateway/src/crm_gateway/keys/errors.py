"""Errors of API keys and of authentication at the gateway."""

from crm_common.errors import Conflict, NotFound, Unauthorized


class ApiKeyNotFound(NotFound):
    code, title = "api-key-not-found", "API key not found"


class InvalidApiKey(Unauthorized):
    """A Bearer key that is malformed, unknown or revoked (RFC 6750 `invalid_token`)."""

    code, title = "invalid-api-key", "Invalid API key"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="rapport", error="invalid_token"'}


class SecretNoLongerShown(Conflict):
    """A replayed creation whose sealed secret cannot be opened (CRM_INTERNAL_SECRET changed)."""

    code, title = "secret-no-longer-shown", "The key's secret can no longer be shown"
