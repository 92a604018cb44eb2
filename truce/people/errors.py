from truce.errors import DomainError


class InvalidEmail(DomainError):
    code = "invalid_email"


class InvalidDomain(DomainError):
    code = "invalid_domain"


class InvalidMerge(DomainError):
    code = "invalid_merge"
