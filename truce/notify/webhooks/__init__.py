"""Webhooks: subscriptions to ledger events, delivered as signed POSTs by background jobs.

- `kinds`: the event kinds a subscription may name, and how a kind matches an event.
- `services`: managing subscriptions, the ledger listener that queues deliveries, redelivery.
- `delivery`: one signed attempt, the retry schedule and the sweep of due retries.
- `selectors`: reads for the API and the pages.
"""
