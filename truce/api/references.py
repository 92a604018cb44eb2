"""Turn ids, keys and usernames sent in a body into records, naming the field if unknown."""

from typing import Any

from truce.errors import NotFound
from truce.funnel import selectors as funnel_selectors
from truce.identity import selectors as identity_selectors
from truce.people import services as people_services
from truce.touches import selectors as touch_selectors


def user_by_username(username: str | None, *, field: str = "owner") -> Any:
    if username is None:
        return None
    return identity_selectors.active_user(username=username, field=field)


def contact(contact_id: int, *, field: str = "contact_id") -> Any:
    try:
        return people_services.get_contact(contact_id=contact_id)
    except NotFound as exc:
        raise NotFound(exc.message, field=field) from None


def company(company_id: int | None, *, field: str = "company_id") -> Any:
    if company_id is None:
        return None
    try:
        return people_services.get_company(company_id=company_id)
    except NotFound as exc:
        raise NotFound(exc.message, field=field) from None


def campaign(user: Any, campaign_id: int | None, *, field: str = "campaign_id") -> Any:
    if campaign_id is None:
        return None
    found = touch_selectors.campaigns_visible_to(user=user).filter(pk=campaign_id).first()
    if found is None:
        raise NotFound(f"No campaign with id {campaign_id}.", field=field)
    return found


def lead(user: Any, lead_id: int, *, field: str = "lead_id") -> Any:
    try:
        return funnel_selectors.get_lead(user=user, lead_id=lead_id)
    except NotFound as exc:
        raise NotFound(exc.message, field=field) from None


def stage(key: str, *, field: str = "stage") -> Any:
    try:
        return funnel_selectors.get_stage(key=key)
    except NotFound as exc:
        raise NotFound(exc.message, field=field) from None
