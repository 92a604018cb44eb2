"""REST endpoints of playbooks (see docs/reference/api.md)."""

from ninja import Router

router = Router(tags=["playbooks"])
