"""What a plan's fields may hold, and which team's side each belongs to."""

from decimal import Decimal, InvalidOperation
from typing import Any

from truce.errors import DomainError

from .models import IncentiveKind

MARKETING_FIELDS = ("budget", "planned_campaigns", "campaigns", "lead_target")
SALES_FIELDS = ("revenue_target", "incentives", "reps", "touches_per_rep_per_week")
PLAN_FIELDS = MARKETING_FIELDS + SALES_FIELDS
MAX_MONEY = Decimal("1e12")
MAX_COUNT = 1_000_000
MAX_INCENTIVES = 20


def side_of(name: str) -> str:
    """The permission that edits a field: each team's owner edits their own side."""
    return "plan_marketing" if name in MARKETING_FIELDS else "plan_sales"


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        raise DomainError("Must be a number.", field=field) from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_MONEY:
        raise DomainError("Must be between 0 and 999,999,999,999.99.", field=field)
    return amount.quantize(Decimal("0.01"))


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DomainError("Must be a whole number.", field=field)
    try:
        count = int(value)
    except ValueError:
        raise DomainError("Must be a whole number.", field=field) from None
    if not 0 <= count <= MAX_COUNT:
        raise DomainError(f"Must be between 0 and {MAX_COUNT:,}.", field=field)
    return count


def _incentive(item: Any, index: int) -> dict[str, str]:
    where = f"incentives[{index}]"
    if not isinstance(item, dict) or set(item) - {"name", "kind", "amount"}:
        raise DomainError("An incentive has a name, a kind and an amount.", field=where)
    name = str(item.get("name") or "").strip()
    if not name or len(name) > 100:
        raise DomainError("An incentive needs a name (up to 100 characters).", field=where)
    kind = item.get("kind")
    if kind not in IncentiveKind.values:
        choices = ", ".join(IncentiveKind.values)
        raise DomainError(f"{kind!r} is not an incentive kind ({choices}).", field=where)
    amount = _money(item.get("amount"), where)
    return {"name": name, "kind": kind, "amount": str(amount)}


def _incentives(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise DomainError("Incentives are a list.", field="incentives")
    if len(value) > MAX_INCENTIVES:
        raise DomainError(f"At most {MAX_INCENTIVES} incentives.", field="incentives")
    return [_incentive(item, index) for index, item in enumerate(value)]


def clean(values: dict[str, Any]) -> dict[str, Any]:
    """The values checked and normalised; a refusal names the field at fault."""
    unknown = sorted(set(values) - set(PLAN_FIELDS))
    if unknown:
        raise DomainError(f"{unknown[0]!r} is not a plan field.", field=unknown[0])
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("budget", "revenue_target"):
            cleaned[name] = _money(value, name)
        elif name == "incentives":
            cleaned[name] = _incentives(value)
        elif name == "campaigns":
            cleaned[name] = sorted(set(value), key=lambda c: c.pk)
        else:
            cleaned[name] = _count(value, name)
    return cleaned


def check_campaigns(*, planned: int, campaigns: list[Any]) -> None:
    if len(campaigns) > planned:
        raise DomainError(
            f"{len(campaigns)} campaigns are linked but only {planned} planned; "
            "raise the planned count first.",
            field="campaigns",
        )
