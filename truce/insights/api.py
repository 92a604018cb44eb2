"""REST endpoints of insights (see docs/reference/api.md)."""

from ninja import Router

router = Router(tags=["insights"])
