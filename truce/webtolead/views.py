"""Pages for marketing to list, create and edit web forms and copy their embeddable snippet."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from truce.errors import DomainError, NotFound, PermissionDenied

from . import selectors, services
from .forms import WebFormForm
from .models import WebForm
from .snippet import render_snippet, submit_url


def _forms(request: HttpRequest) -> Any:
    try:
        return selectors.forms_visible_to(user=request.user)
    except PermissionDenied as exc:
        raise PageDenied(exc.message) from None


def _form(request: HttpRequest, form_id: int) -> WebForm:
    _forms(request)
    try:
        return selectors.get_form(user=request.user, form_id=form_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


@login_required
def form_list(request: HttpRequest) -> HttpResponse:
    rows = list(_forms(request))
    return render(request, "webtolead/form_list.html", {"forms": rows, "nav": "webforms"})


def _save(request: HttpRequest, bound: WebFormForm, form: WebForm | None) -> WebForm | None:
    """The saved form, or None with the refusal put on the field it names."""
    if not bound.is_valid():
        return None
    try:
        if form is None:
            return services.create_form(actor=request.user, **bound.changes())
        return services.update_form(form=form, actor=request.user, changes=bound.changes())
    except DomainError as exc:
        field = "asks_for" if exc.field == "fields" else exc.field
        bound.add_error(field if field in bound.fields else None, exc.message)
        return None


@login_required
def form_create(request: HttpRequest) -> HttpResponse:
    _forms(request)
    initial = {"default_source": "web_form", "is_enabled": True, "asks_for": ["first_name"]}
    bound = WebFormForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        saved = _save(request, bound, None)
        if saved is not None:
            messages.success(request, "The form was created. Copy its snippet below.")
            return redirect("webtolead:form_edit", form_id=saved.pk)
    status = 400 if request.method == "POST" else 200
    context = {"bound": bound, "nav": "webforms"}
    return render(request, "webtolead/form_edit.html", context, status=status)


def _initial(form: WebForm) -> dict[str, Any]:
    return {
        "name": form.name,
        "default_source": form.default_source,
        "default_campaign": form.default_campaign,
        "asks_for": form.fields,
        "allowed_origins": "\n".join(form.allowed_origins),
        "redirect_url": form.redirect_url,
        "thank_you_message": form.thank_you_message,
        "is_enabled": form.is_enabled,
    }


@login_required
def form_edit(request: HttpRequest, form_id: int) -> HttpResponse:
    form = _form(request, form_id)
    data = request.POST if request.method == "POST" else None
    bound = WebFormForm(data, user=request.user, initial=_initial(form))
    if request.method == "POST":
        if _save(request, bound, form) is not None:
            messages.success(request, "The form was saved.")
            return redirect("webtolead:form_edit", form_id=form.pk)
        form.refresh_from_db()
    context = {
        "bound": bound,
        "form": form,
        "snippet": render_snippet(form),
        "submit_url": submit_url(form),
        "nav": "webforms",
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "webtolead/form_edit.html", context, status=status)
