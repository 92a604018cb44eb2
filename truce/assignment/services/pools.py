"""Configuring routing: pools, their members and the ordered rules. Each change is an event."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from truce.errors import Conflict, DomainError
from truce.funnel.rules import compile_rule
from truce.identity.models import Team, User
from truce.identity.permissions import require
from truce.ledger import services as ledger

from .. import events
from ..errors import InvalidWeight
from ..models import Pool, PoolMember, RoutingRule


def _event(kind: str, subject_type: str, subject_id: int, actor: Any, payload: Any) -> None:
    ledger.append(
        kind=kind, subject_type=subject_type, subject_id=subject_id, actor=actor, payload=payload
    )


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("A name is required.", field="name")
    if len(name) > 100:
        raise DomainError("A name has at most 100 characters.", field="name")
    return name


def _unique_name(name: str, exclude: int | None = None) -> None:
    taken = Pool.objects.filter(name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise Conflict(f"A pool named {name!r} already exists.", field="name")


def _only_default(pool: Pool) -> None:
    """A team has one default pool: making this one the default unsets the previous one."""
    others = Pool.objects.filter(team=pool.team, is_default=True).exclude(pk=pool.pk)
    others.update(is_default=False)


@transaction.atomic
def create_pool(
    *, name: str, actor: Any, team: Team | None = None, is_default: bool = False
) -> Pool:
    require(actor, "configure_routing")
    name = _clean_name(name)
    _unique_name(name)
    pool = Pool(name=name, team=team, is_default=is_default, created_at=timezone.now())
    if is_default:
        _only_default(pool)
    pool.save()
    payload = {"name": name, "team": team.key if team else None, "is_default": is_default}
    _event(events.POOL_CREATED, "pool", pool.pk, actor, payload)
    return pool


@transaction.atomic
def update_pool(*, pool: Pool, actor: Any, changes: dict[str, Any]) -> Pool:
    require(actor, "configure_routing")
    pool = Pool.objects.select_for_update().get(pk=pool.pk)
    unknown = set(changes) - {"name", "team", "is_default", "is_active"}
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(f"{field!r} cannot be updated here.", field=field)
    if "name" in changes:
        changes = {**changes, "name": _clean_name(changes["name"])}
        _unique_name(changes["name"], exclude=pool.pk)
    diff = _apply(pool, changes)
    if not diff:
        return pool
    if pool.is_default:
        _only_default(pool)
    pool.save(update_fields=list(changes))
    _event(events.POOL_UPDATED, "pool", pool.pk, actor, {"changes": diff})
    return pool


def _apply(obj: Any, changes: dict[str, Any]) -> dict[str, list[Any]]:
    diff = {}
    for name, value in changes.items():
        old = getattr(obj, name)
        if old != value:
            diff[name] = [getattr(old, "key", getattr(old, "pk", old)), _plain(value)]
            setattr(obj, name, value)
    return diff


def _plain(value: Any) -> Any:
    return getattr(value, "key", getattr(value, "pk", value))


def _clean_weight(weight: Any) -> int:
    if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 1000:
        raise InvalidWeight("A weight is a whole number from 1 to 1000.", field="weight")
    return weight


@transaction.atomic
def add_member(*, pool: Pool, user: User, actor: Any, weight: int = 1) -> PoolMember:
    require(actor, "configure_routing")
    weight = _clean_weight(weight)
    Pool.objects.select_for_update().filter(pk=pool.pk).first()
    if PoolMember.objects.filter(pool=pool, user=user).exists():
        raise Conflict(f"{user.username} is already in {pool.name}.", field="user")
    member = PoolMember.objects.create(pool=pool, user=user, weight=weight)
    payload = {"pool": pool.name, "user": user.pk, "weight": weight}
    _event(events.MEMBER_ADDED, "pool", pool.pk, actor, payload)
    return member


@transaction.atomic
def update_member(*, member: PoolMember, actor: Any, changes: dict[str, Any]) -> PoolMember:
    require(actor, "configure_routing")
    unknown = set(changes) - {"weight", "active"}
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(f"{field!r} cannot be updated here.", field=field)
    if "weight" in changes:
        changes = {**changes, "weight": _clean_weight(changes["weight"])}
    Pool.objects.select_for_update().filter(pk=member.pool_id).first()
    member = PoolMember.objects.select_related("pool").get(pk=member.pk)
    diff = _apply(member, changes)
    if diff:
        member.save(update_fields=list(changes))
        payload = {"pool": member.pool.name, "user": member.user_id, "changes": diff}
        _event(events.MEMBER_UPDATED, "pool", member.pool_id, actor, payload)
    return member


@transaction.atomic
def remove_member(*, member: PoolMember, actor: Any) -> None:
    require(actor, "configure_routing")
    Pool.objects.select_for_update().filter(pk=member.pool_id).first()
    payload = {"pool": member.pool.name, "user": member.user_id}
    PoolMember.objects.filter(pk=member.pk).delete()
    _event(events.MEMBER_REMOVED, "pool", member.pool_id, actor, payload)


def _clean_condition(condition: str) -> str:
    condition = (condition or "").strip()
    if not condition:
        raise DomainError("A condition is required.", field="condition")
    compile_rule(condition, field="condition")  # refuses a bad rule with its position
    return condition


def _next_position() -> int:
    last = RoutingRule.objects.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


def _clean_position(position: Any) -> int:
    if isinstance(position, bool) or not isinstance(position, int) or position < 1:
        raise DomainError("A position is a whole number from 1.", field="position")
    return position


@transaction.atomic
def create_rule(
    *, name: str, condition: str, pool: Pool, actor: Any, position: int | None = None
) -> RoutingRule:
    require(actor, "configure_routing")
    rule = RoutingRule(
        name=_clean_name(name),
        condition=_clean_condition(condition),
        pool=pool,
        position=_clean_position(position) if position is not None else _next_position(),
        created_at=timezone.now(),
    )
    rule.save()
    payload = {
        "name": rule.name,
        "condition": rule.condition,
        "pool": pool.name,
        "position": rule.position,
    }
    _event(events.RULE_CREATED, "routing_rule", rule.pk, actor, payload)
    return rule


_RULE_CLEANERS = {
    "name": _clean_name,
    "condition": _clean_condition,
    "position": _clean_position,
    "pool": lambda pool: pool,
    "is_active": bool,
}


@transaction.atomic
def update_rule(*, rule: RoutingRule, actor: Any, changes: dict[str, Any]) -> RoutingRule:
    require(actor, "configure_routing")
    unknown = set(changes) - set(_RULE_CLEANERS)
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(f"{field!r} cannot be updated here.", field=field)
    changes = {name: _RULE_CLEANERS[name](value) for name, value in changes.items()}
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    diff = _apply(rule, changes)
    if diff:
        rule.save(update_fields=list(changes))
        _event(events.RULE_UPDATED, "routing_rule", rule.pk, actor, {"changes": diff})
    return rule


@transaction.atomic
def delete_rule(*, rule: RoutingRule, actor: Any) -> None:
    require(actor, "configure_routing")
    payload = {"name": rule.name, "condition": rule.condition, "pool": rule.pool.name}
    RoutingRule.objects.filter(pk=rule.pk).delete()
    _event(events.RULE_DELETED, "routing_rule", rule.pk, actor, payload)
