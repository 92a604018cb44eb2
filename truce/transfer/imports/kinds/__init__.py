"""Per kind of import: how a row is checked against what the database knows, how it is keyed
(for duplicates inside a file, and to find the record it updates), and how a batch of good rows
is written. Rows arrive coerced: {field: value}, blank cells left out.

Matching (docs/how-to/import.md): companies by web domain, else by exact name; contacts by
email (any case or spacing); leads by external id, else the contact's open lead; campaigns by
name. A matched record is updated with the row's non-blank values and an `*.updated` event
lists what changed; a row that changes nothing is counted unchanged and writes nothing, so
importing the same file twice changes nothing the second time.
"""

from ...models import ImportKind
from .base import Counts, References, Row, RowProblem, Writer
from .campaigns import CampaignWriter
from .history import OutcomeWriter, TouchWriter
from .leads import LeadWriter
from .people import CompanyWriter, ContactWriter

WRITERS: dict[str, type[Writer]] = {
    ImportKind.COMPANIES: CompanyWriter,
    ImportKind.CONTACTS: ContactWriter,
    ImportKind.LEADS: LeadWriter,
    ImportKind.CAMPAIGNS: CampaignWriter,
    ImportKind.TOUCHES: TouchWriter,
    ImportKind.OUTCOMES: OutcomeWriter,
}

__all__ = ["WRITERS", "Counts", "References", "Row", "RowProblem", "Writer"]
