from truce.errors import Conflict, DomainError


class InvalidRule(DomainError):
    code = "invalid_rule"


class EntryCriterionFailed(Conflict):
    code = "entry_criterion_failed"


class LeadClosed(Conflict):
    code = "lead_closed"


class LeadNotClosed(Conflict):
    code = "lead_not_closed"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ReasonRequired(DomainError):
    code = "reason_required"


class AmountRequired(DomainError):
    code = "amount_required"
