"""The service's errors: one class per contract code, each carrying its HTTP status."""

from typing import Any


class OrbitoError(Exception):
    """An error the client caused or must know about, answered in the contract's envelope."""

    status = 500
    code = "INTERNAL_ERROR"
    message = "An unexpected error occurred"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.message
        self.details = details or {}
        self.headers = headers or {}
        super().__init__(self.message)

    def envelope(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidSchema(OrbitoError):
    status = 400
    code = "INVALID_SCHEMA"
    message = "The request does not match the expected schema"

    def __init__(self, fields: list[dict[str, str]], message: str | None = None) -> None:
        super().__init__(message, details={"fields": fields})

    @classmethod
    def single(cls, field: str, message: str) -> "InvalidSchema":
        return cls(
            [{"field": field, "message": message}], f"{field}: {message}" if field else message
        )


class InvalidApiKey(OrbitoError):
    status = 401
    code = "INVALID_API_KEY"
    message = "The provided API key is invalid or expired"


class DomainNotFound(OrbitoError):
    status = 404
    code = "DOMAIN_NOT_FOUND"
    message = "No website is registered for this domain"


class ActionNotFound(OrbitoError):
    status = 404
    code = "ACTION_NOT_FOUND"
    message = "This website has no action with that action_id"


class WebsiteNotFound(OrbitoError):
    status = 404
    code = "WEBSITE_NOT_FOUND"
    message = "No such website for this API key"


class RouteNotFound(OrbitoError):
    status = 404
    code = "NOT_FOUND"
    message = "No route matches this path"


class MethodNotAllowed(OrbitoError):
    status = 405
    code = "METHOD_NOT_ALLOWED"
    message = "This route does not accept that method"


class DomainAlreadyExists(OrbitoError):
    status = 409
    code = "DOMAIN_ALREADY_EXISTS"
    message = "This domain is already registered"


class ActionLimitExceeded(OrbitoError):
    status = 409
    code = "ACTION_LIMIT_EXCEEDED"
    message = "This website already has the most actions allowed"


class PayloadTooLarge(OrbitoError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"
    message = "The request body is larger than allowed"


class RateLimitExceeded(OrbitoError):
    status = 429
    code = "RATE_LIMIT_EXCEEDED"
    message = "Too many requests; retry after the time given"


class ServiceUnavailable(OrbitoError):
    status = 503
    code = "SERVICE_UNAVAILABLE"
    message = "The database cannot be reached; try again shortly"
