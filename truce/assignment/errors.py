from truce.errors import Conflict, DomainError


class InvalidWeight(DomainError):
    code = "invalid_weight"


class NotAssignable(Conflict):
    code = "not_assignable"
