"""The webhook pages: the list, the create/edit form and a subscription with its delivery log.

They call the same services as the API. The secret is shown once, on the first view of the
webhook's page after the create or the rotation; a redelivery answers htmx with the refreshed log.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from truce.errors import DomainError, NotFound, PermissionDenied

from .models import Subscription
from .webhooks import kinds, selectors, services

LOG_SIZE = 100


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _subscription(request: HttpRequest, subscription_id: int) -> Subscription:
    try:
        return selectors.get_subscription(user=request.user, subscription_id=subscription_id)
    except PermissionDenied as error:
        raise Forbidden(error.message) from None
    except NotFound as error:
        raise Http404(error.message) from None


def _detail(request: HttpRequest, subscription: Subscription, **extra: Any) -> HttpResponse:
    log = list(selectors.deliveries_of(subscription=subscription).order_by("-pk")[:LOG_SIZE])
    context = {
        "subscription": subscription,
        "log": log,
        "nav": "webhooks",
        "htmx": _htmx(request),
        **extra,
    }
    template = (
        "notify/partials/webhook_log.html" if _htmx(request) else "notify/webhook_detail.html"
    )
    return render(request, template, context)


SECRET_KEY = "notify.webhook_secret"


def _show_secret_once(request: HttpRequest, subscription: Subscription) -> HttpResponse:
    """Post/redirect/get: the secret waits in the session for the next view of the page only,
    so a reload neither resubmits the form nor shows it again."""
    request.session[SECRET_KEY] = [subscription.pk, subscription.secret]
    return redirect("notify:webhook_detail", subscription_id=subscription.pk)


def _pop_secret(request: HttpRequest, subscription: Subscription) -> str:
    stored = request.session.pop(SECRET_KEY, None)
    return stored[1] if stored and stored[0] == subscription.pk else ""


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    try:
        rows = list(selectors.subscriptions_for(user=request.user))
    except PermissionDenied as error:
        raise Forbidden(error.message) from None
    return render(request, "notify/webhooks.html", {"rows": rows, "nav": "webhooks"})


def _form_values(request: HttpRequest) -> dict[str, Any]:
    raw = request.POST.get("event_kinds", "")
    return {
        "target_url": request.POST.get("target_url", ""),
        "event_kinds": [k for k in raw.replace(",", "\n").split() if k],
        "description": request.POST.get("description", ""),
        "is_active": request.POST.get("is_active") == "on",
    }


def _form(
    request: HttpRequest,
    values: dict[str, Any],
    subscription: Subscription | None = None,
    error: DomainError | None = None,
) -> HttpResponse:
    field = (error.field or "form").split(".", 1)[0] if error else ""
    context = {
        "values": values,
        "subscription": subscription,
        "errors": {field: error.message} if error else {},
        "namespaces": sorted(kinds.NAMESPACES),
        "nav": "webhooks",
    }
    return render(
        request, "notify/webhook_form.html", context, status=error.status if error else 200
    )


@login_required
def webhook_new(request: HttpRequest) -> HttpResponse:
    if not services.can_manage(request.user):
        raise Forbidden("Only admins and the marketing owner manage webhooks.")
    if request.method != "POST":
        return _form(
            request, {"target_url": "", "event_kinds": [], "description": "", "is_active": True}
        )
    values = _form_values(request)
    try:
        subscription = services.create_subscription(actor=request.user, **values)
    except DomainError as error:
        return _form(request, values, error=error)
    messages.success(request, "Webhook created. Copy its signing secret now: it is shown once.")
    return _show_secret_once(request, subscription)


@login_required
def webhook_edit(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    if request.method != "POST":
        values = {
            f: getattr(subscription, f)
            for f in ("target_url", "event_kinds", "description", "is_active")
        }
        return _form(request, values, subscription)
    values = _form_values(request)
    try:
        services.update_subscription(subscription=subscription, actor=request.user, changes=values)
    except DomainError as error:
        return _form(request, values, subscription, error)
    messages.success(request, "Webhook saved.")
    return redirect("notify:webhook_detail", subscription_id=subscription.pk)


@login_required
def webhook_detail(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    return _detail(request, subscription, secret=_pop_secret(request, subscription))


@login_required
@require_POST
def webhook_pause(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    active = request.POST.get("active") == "true"
    services.update_subscription(
        subscription=subscription, actor=request.user, changes={"is_active": active}
    )
    messages.success(request, "Webhook resumed." if active else "Webhook paused.")
    return redirect("notify:webhook_detail", subscription_id=subscription.pk)


@login_required
@require_POST
def webhook_rotate(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    subscription = services.rotate_secret(subscription=subscription, actor=request.user)
    messages.success(request, "New signing secret made. Copy it now: it is shown once.")
    return _show_secret_once(request, subscription)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    services.delete_subscription(subscription=subscription, actor=request.user)
    messages.success(request, "Webhook deleted.")
    return redirect("notify:webhook_list")


@login_required
@require_POST
def webhook_redeliver(request: HttpRequest, subscription_id: int, delivery_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    try:
        delivery = selectors.get_delivery(subscription=subscription, delivery_id=delivery_id)
    except NotFound as error:
        raise Http404(error.message) from None
    attempt = services.redeliver(delivery=delivery, actor=request.user)
    messages.success(request, f"Redelivery queued as attempt {attempt.attempt}.")
    if _htmx(request):
        return _detail(request, subscription)
    return redirect("notify:webhook_detail", subscription_id=subscription.pk)
