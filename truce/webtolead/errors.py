"""Why a web form or a submission was refused. Each carries the HTTP status it answers with."""

from truce.errors import DomainError


class FormDisabled(DomainError):
    code = "form_disabled"
    status = 410


class OriginNotAllowed(DomainError):
    code = "origin_not_allowed"
    status = 403


class BodyTooLarge(DomainError):
    code = "too_large"
    status = 413


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415


class Throttled(DomainError):
    code = "throttled"
    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class MethodNotAllowed(DomainError):
    code = "method_not_allowed"
    status = 405
