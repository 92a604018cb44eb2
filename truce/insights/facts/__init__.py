"""Per-lead facts: the reducer that turns ledger events into LeadFacts and StageFacts rows,
applied live as events are written and in bulk by the rebuild (`truce facts rebuild`)."""
