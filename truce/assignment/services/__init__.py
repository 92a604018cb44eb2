"""Assignment writes: routing and manual reassignment, and the routing configuration."""

from .pools import (
    add_member,
    create_pool,
    create_rule,
    delete_rule,
    remove_member,
    update_member,
    update_pool,
    update_rule,
)
from .routing import reassign_lead, route_lead

__all__ = [
    "add_member",
    "create_pool",
    "create_rule",
    "delete_rule",
    "reassign_lead",
    "remove_member",
    "route_lead",
    "update_member",
    "update_pool",
    "update_rule",
]
