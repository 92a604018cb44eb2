from typing import Any

from django.db.models import QuerySet

from truce.errors import NotFound
from truce.identity.permissions import require

from .errors import FormDisabled
from .models import WebForm


def forms_visible_to(*, user: Any) -> QuerySet[WebForm]:
    """Web forms are marketing's to run: the roles that manage campaigns see them."""
    require(user, "manage_campaigns")
    return WebForm.objects.select_related("default_campaign")


def get_form(*, user: Any, form_id: int) -> WebForm:
    form = forms_visible_to(user=user).filter(pk=form_id).first()
    if form is None:
        raise NotFound(f"No web form with id {form_id}.", field="form_id")
    return form


def public_form(*, key: str) -> WebForm:
    """The form a public submission names; a disabled one is gone (410), not unknown."""
    form = WebForm.objects.select_related("default_campaign").filter(key=key).first()
    if form is None:
        raise NotFound("No web form with this address.", field="key")
    if not form.is_enabled:
        raise FormDisabled("This form no longer accepts submissions.", field="key")
    return form
