"""REST endpoints of planning (see docs/reference/api.md)."""

from ninja import Router

router = Router(tags=["planning"])
