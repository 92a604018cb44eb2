from truce.errors import Conflict, DomainError


class InvalidCalendar(DomainError):
    code = "invalid_calendar"


class InvalidCommitment(DomainError):
    code = "invalid_commitment"


class AgreementNotInForce(Conflict):
    code = "agreement_not_in_force"
