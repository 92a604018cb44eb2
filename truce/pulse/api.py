"""REST endpoints of pulse (see docs/reference/api.md)."""

from ninja import Router

router = Router(tags=["pulse"])
