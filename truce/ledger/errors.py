from truce.errors import DomainError


class LedgerIsAppendOnly(DomainError):
    code = "ledger_append_only"
    status = 409
