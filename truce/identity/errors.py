from truce.errors import DomainError, NotFound


class UnknownUser(NotFound):
    code = "unknown_user"


class InvalidToken(DomainError):
    code = "invalid_token"
    status = 401
