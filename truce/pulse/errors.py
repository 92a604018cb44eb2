"""Why a pulse operation was refused."""

from truce.errors import Conflict, DomainError


class AlreadyAnswered(Conflict):
    code = "already_answered"


class RoundClosed(DomainError):
    code = "round_closed"
    status = 409
