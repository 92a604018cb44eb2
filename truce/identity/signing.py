"""Two-owner signatures: a document is in force once the marketing owner and the sales owner
have both signed the same version. Used by the SLA and by the sales-ready definition."""

from typing import Any

from django.utils import timezone

from truce.errors import Conflict, PermissionDenied

from .models import Role

SIDES: dict[str, str] = {Role.MARKETING_OWNER: "marketing", Role.SALES_OWNER: "sales"}


def side_of(actor: Any) -> str:
    side = SIDES.get(str(getattr(actor, "role", "")))
    if side is None or not actor.is_active:
        raise PermissionDenied(
            "Only the marketing owner and the sales owner sign; "
            f"the {getattr(actor, 'role', '?')} role may not.",
            field="signature",
        )
    return side


def add_signature(document: Any, actor: Any) -> tuple[str, bool]:
    """Record `actor`'s signature on `document`; return (side, now_fully_signed). Not saved."""
    if document.superseded_at is not None or document.in_force_from is not None:
        raise Conflict(
            "This version is already in force or superseded; propose a new one.", field="version"
        )
    side = side_of(actor)
    if getattr(document, f"{side}_signed_by_id") is not None:
        raise Conflict(f"The {side} owner has already signed this version.", field="signature")
    setattr(document, f"{side}_signed_by", actor)
    setattr(document, f"{side}_signed_at", timezone.now())
    return side, bool(document.marketing_signed_by_id and document.sales_signed_by_id)


def signature_fields(side: str) -> list[str]:
    return [f"{side}_signed_by", f"{side}_signed_at"]
