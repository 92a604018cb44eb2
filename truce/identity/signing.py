"""Two-owner signatures: a document is in force once the marketing owner and the sales owner
have both signed the same version. The one set of signing rules for every signed document
(the SLA and the sales-ready definition); the callers lock the versions, save and write events."""

from datetime import datetime
from typing import Any

from truce.errors import Conflict, PermissionDenied

from .models import Role
from .permissions import can

SIDES: dict[str, str] = {Role.MARKETING_OWNER: "marketing", Role.SALES_OWNER: "sales"}


class VersionClosed(Conflict):
    code = "version_closed"


class AlreadySigned(Conflict):
    code = "already_signed"


def side_of(actor: Any, *, document: str) -> str:
    """'marketing' or 'sales': the side `actor` signs for. An admin may not sign for them."""
    side = SIDES.get(str(getattr(actor, "role", "")))
    if actor is None or side is None or not can(actor, "sign_definition"):
        raise PermissionDenied(
            f"Only the marketing owner or the sales owner signs {document}.", field="version"
        )
    return side


def check_signable(document: Any, *, side: str, actor: Any, current: Any | None) -> None:
    """Refuse a signature on a closed version, on a version older than the one in force, on a
    side already signed, or by the person who signed the other side."""
    v = document.version
    if document.superseded_at is not None:
        raise VersionClosed(f"Version {v} was superseded; propose a new version.", field="version")
    if document.in_force_from is not None:
        raise VersionClosed(f"Version {v} is already in force.", field="version")
    if current is not None and current.version > v:
        raise VersionClosed(
            f"Version {v} is older than version {current.version}, which is in force; "
            "propose a new version instead.",
            field="version",
        )
    signer = getattr(document, f"{side}_signed_by")
    if signer is not None:
        raise AlreadySigned(
            f"The {side} side of version {v} is already signed by {signer.username}.",
            field="version",
        )
    if actor.pk in (document.marketing_signed_by_id, document.sales_signed_by_id):
        raise AlreadySigned(f"You have already signed version {v}.", field="version")


def add_signature(
    document: Any, *, actor: Any, current: Any | None, now: datetime, name: str
) -> tuple[str, bool]:
    """Record `actor`'s signature on `document`, which the caller locked with every other
    version (so two versions never come into force at once); save it. Returns (side,
    now_fully_signed)."""
    side = side_of(actor, document=name)
    check_signable(document, side=side, actor=actor, current=current)
    setattr(document, f"{side}_signed_by", actor)
    setattr(document, f"{side}_signed_at", now)
    document.save(update_fields=[f"{side}_signed_by", f"{side}_signed_at"])
    return side, bool(document.marketing_signed_by_id and document.sales_signed_by_id)
