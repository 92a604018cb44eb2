from .leads import (
    create_lead,
    default_stage,
    move_lead,
    reassign_company_records,
    reassign_contact_records,
    reopen_lead,
    set_outcome,
    update_lead,
)
from .vocabulary import (
    add_reason,
    approve_term_version,
    create_stage,
    propose_term_version,
    update_stage,
)

__all__ = [
    "add_reason",
    "approve_term_version",
    "create_lead",
    "create_stage",
    "default_stage",
    "move_lead",
    "propose_term_version",
    "reassign_company_records",
    "reassign_contact_records",
    "reopen_lead",
    "set_outcome",
    "update_lead",
    "update_stage",
]
