"""The funnel pages. Reads go through selectors, writes through the same services as the API.

Each view renders its full page, or only the fragment when htmx asks (HX-Request), so the
pages work without JavaScript and htmx only spares the reload.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from truce.agreements.models import CommitmentKind
from truce.errors import DomainError, NotFound
from truce.ledger.models import Event
from truce.ledger.selectors import lead_timeline
from truce.touches import services as touch_services
from truce.touches.models import TouchKind

from . import selectors
from .forms import CloseForm, LeadFilterForm, MoveForm, TouchForm, WinForm
from .models import Lead, Outcome, Reason, ReasonKind, Stage
from .services import leads as lead_services

PAGE_SIZE = 50
BOARD_CARDS = 8
CLOSING = (
    (Outcome.LOST, "Mark lost"),
    (Outcome.RECYCLED, "Recycle to nurture"),
    (Outcome.DISQUALIFIED, "Disqualify"),
)
# Which form on the lead page shows its own refusal; any other refusal shows above them.
_OPEN_SLOTS = frozenset({"move", "won", *(o for o, _ in CLOSING), "touch"})
_CLOSED_SLOTS = frozenset({"reopen", "touch"})


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _render(
    request: HttpRequest, page: str, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    template = f"funnel/partials/{partial}.html" if _htmx(request) else f"funnel/{page}.html"
    return render(request, template, context, status=status)


def _lead_or_404(request: HttpRequest, lead_id: int) -> Lead:
    try:
        return selectors.get_lead(user=request.user, lead_id=lead_id)
    except NotFound as error:
        raise Http404(error.message) from None


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET or None, stages=selectors.stages())
    leads = selectors.leads_visible_to(user=request.user, filters=form.filters())
    page = Paginator(leads.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "nav": "leads"}
    return _render(request, "lead_list", "lead_results", context)


def _lead_context(
    request: HttpRequest,
    lead: Lead,
    *,
    errors: dict[str, str] | None = None,
    bound: dict[str, Any] | None = None,
) -> dict[str, Any]:
    bound = bound or {}
    stage_list = list(selectors.stages())
    reason_list = list(selectors.reasons())
    events = list(lead_timeline(lead_id=lead.pk))
    closing = [
        {
            "outcome": outcome,
            "label": label,
            "error": (errors or {}).get(outcome, ""),
            "form": CloseForm(
                bound.get(outcome),
                initial={"outcome": outcome},
                reasons=[r for r in reason_list if r.kind == outcome],
                auto_id=f"id_{outcome}_%s",
            ),
        }
        for outcome, label in CLOSING
    ]
    targets = [s for s in stage_list if s.pk != lead.stage_id]
    later = [s for s in targets if s.position > lead.stage.position and not s.is_won]
    shown = _OPEN_SLOTS if lead.outcome == Outcome.OPEN else _CLOSED_SLOTS
    other_error = next((m for slot, m in (errors or {}).items() if slot not in shown), "")
    return {
        "lead": lead,
        "stage": lead.stage,
        "timeline": describe_events(events, lead=lead, stages=stage_list, reasons=reason_list),
        "move_form": MoveForm(
            bound.get("move"),
            initial={"stage": next((s.key for s in later), "")},
            stages=targets,
            auto_id="id_move_%s",
        ),
        "win_form": WinForm(bound.get("won"), initial={"amount": lead.amount}, auto_id="id_won_%s"),
        "closing": closing,
        "touch_form": TouchForm(bound.get("touch"), auto_id="id_touch_%s"),
        "errors": errors or {},
        "other_error": other_error,
        "nav": "leads",
    }


@login_required
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead_or_404(request, lead_id)
    return _render(request, "lead_detail", "lead_body", _lead_context(request, lead))


def _act(
    request: HttpRequest, lead_id: int, slot: str, action: Callable[[Lead], Any], done: str
) -> HttpResponse:
    """Run one service call for the lead page; a refusal is shown beside the form it came from."""
    lead = _lead_or_404(request, lead_id)
    try:
        action(lead)
    except DomainError as error:
        lead = _lead_or_404(request, lead_id)  # what the database holds: nothing changed
        context = _lead_context(
            request, lead, errors={slot: error.message}, bound={slot: request.POST}
        )
        return _render(request, "lead_detail", "lead_body", context, status=error.status)
    messages.success(request, done)
    if _htmx(request):
        lead = _lead_or_404(request, lead_id)
        return _render(request, "lead_detail", "lead_body", _lead_context(request, lead))
    return redirect("funnel:lead_detail", lead_id=lead_id)


@login_required
@require_POST
def lead_move(request: HttpRequest, lead_id: int) -> HttpResponse:
    def move(lead: Lead) -> None:
        stage = selectors.get_stage(key=request.POST.get("stage", ""))
        lead_services.move_lead(lead=lead, stage=stage, actor=request.user)

    return _act(request, lead_id, "move", move, "The lead moved.")


@login_required
@require_POST
def lead_outcome(request: HttpRequest, lead_id: int) -> HttpResponse:
    outcome = request.POST.get("outcome", "")
    slot = outcome if outcome in Outcome.values and outcome != Outcome.OPEN else "outcome"

    def close(lead: Lead) -> None:
        lead_services.set_outcome(
            lead=lead,
            outcome=outcome,
            actor=request.user,
            reason=request.POST.get("reason") or None,
            amount=request.POST.get("amount") or None,
        )

    return _act(request, lead_id, slot, close, f"The lead is now {outcome}.")


@login_required
@require_POST
def lead_reopen(request: HttpRequest, lead_id: int) -> HttpResponse:
    def reopen(lead: Lead) -> None:
        lead_services.reopen_lead(lead=lead, actor=request.user)

    return _act(request, lead_id, "reopen", reopen, "The lead is open again.")


class _InvalidForm(DomainError):
    pass


@login_required
@require_POST
def lead_touch(request: HttpRequest, lead_id: int) -> HttpResponse:
    def touch(lead: Lead) -> None:
        form = TouchForm(request.POST)
        if not form.is_valid():
            field, problems = next(iter(form.errors.items()))
            raise _InvalidForm(f"{form.fields[field].label}: {problems[0]}", field=field)
        touch_services.record_touch(lead=lead, actor=request.user, **form.cleaned_data)

    return _act(request, lead_id, "touch", touch, "The touch is recorded.")


def _board_context(request: HttpRequest, *, errors: dict[int, str] | None = None) -> dict[str, Any]:
    stage_list = list(selectors.stages())
    counts = selectors.stage_counts(user=request.user)
    newest = Window(
        RowNumber(),
        partition_by=[F("stage_id")],
        order_by=[F("stage_entered_at").desc(), F("pk").desc()],
    )
    recent = (
        selectors.leads_visible_to(user=request.user)
        .filter(outcome__in=[Outcome.OPEN, Outcome.WON])
        .annotate(rank=newest)
        .filter(rank__lte=BOARD_CARDS)
        .order_by("-stage_entered_at", "-pk")
    )
    errors = errors or {}
    targets = [s for s in stage_list if not s.is_won]
    cards: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for lead in recent:
        later = (s.key for s in targets if s.position > lead.stage.position)
        card = {"lead": lead, "next": next(later, ""), "error": errors.get(lead.pk, "")}
        cards[lead.stage_id].append(card)
    columns = [{"stage": s, "count": counts.get(s.pk, 0), "cards": cards[s.pk]} for s in stage_list]
    return {"columns": columns, "targets": targets, "nav": "board"}


@login_required
def board(request: HttpRequest) -> HttpResponse:
    return _render(request, "board", "board", _board_context(request))


@login_required
@require_POST
def board_move(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead_or_404(request, lead_id)
    try:
        stage = selectors.get_stage(key=request.POST.get("stage", ""))
        lead_services.move_lead(lead=lead, stage=stage, actor=request.user)
    except DomainError as error:
        context = _board_context(request, errors={lead.pk: error.message})
        return _render(request, "board", "board", context, status=error.status)
    messages.success(request, f"Moved {lead.contact} to {stage.name}.")
    if _htmx(request):
        return _render(request, "board", "board", _board_context(request))
    return redirect("funnel:board")


@login_required
def vocabulary(request: HttpRequest) -> HttpResponse:
    reason_list = list(selectors.reasons())
    reason_groups = [
        (label, [r for r in reason_list if r.kind == kind]) for kind, label in ReasonKind.choices
    ]
    context = {
        "stages": selectors.stages(),
        "terms": selectors.glossary(),
        "reason_groups": reason_groups,
        "nav": "vocabulary",
    }
    return render(request, "funnel/vocabulary.html", context)


# The timeline: each ledger event said in a sentence a person can read.


def _name(user: Any) -> str:
    return user.display_name if user is not None else "The system"


def _outcome(p: dict[str, Any], who: str, n: dict[str, Any]) -> str:
    if p.get("outcome") == Outcome.WON:
        return f"{who} marked the lead won, amount {p.get('amount')}"
    return f"{who} marked the lead {p.get('outcome')}: {n['reasons'](p.get('reason'))}"


def _assigned(p: dict[str, Any], who: str, n: dict[str, Any]) -> str:
    if p.get("to") is None:
        return f"{who} unassigned the lead"
    return f"{who} assigned the lead to {n['users'](p['to'])}"


def _changes(p: dict[str, Any]) -> str:
    return ", ".join(
        f"{field} from {old if old not in (None, '') else '—'} to {new}"
        for field, (old, new) in sorted(p.get("changes", {}).items())
    )


def _touch(p: dict[str, Any], who: str) -> str:
    label = TouchKind(p["kind"]).label if p.get("kind") in TouchKind.values else p.get("kind")
    channel = f" via {p['channel']}" if p.get("channel") else ""
    return f"{who} recorded a touch: {label}{channel}"


def _rejected(p: dict[str, Any], who: str, n: dict[str, Any]) -> str:
    note = f" ({p['note']})" if p.get("note") else ""
    return f"{who} rejected the lead back to marketing: {n['reasons'](p.get('reason'))}{note}"


def _clock(verb: str) -> Any:
    def describe(p: dict[str, Any], who: str, n: dict[str, Any]) -> str:
        kind = p.get("commitment", "")
        label = CommitmentKind(kind).label if kind in CommitmentKind.values else kind
        return f"SLA clock {verb}: {label}"

    return describe


# One sentence per event kind, for the lead timeline; unknown kinds fall back to the kind.
_SENTENCES: dict[str, Any] = {
    "lead.created": lambda p, who, n: (
        f"{who} created the lead in {n['stages'](p.get('stage'))}"
        + (f" from source {p['source']}" if p.get("source") else "")
    ),
    "lead.stage_changed": lambda p, who, n: (
        f"{who} moved the lead from {n['stages'](p.get('from'))} to {n['stages'](p.get('to'))}"
    ),
    "lead.assigned": _assigned,
    "lead.outcome_set": _outcome,
    "lead.reopened": lambda p, who, n: (
        f"{who} reopened the lead (was {p.get('from')}); it is in {n['stages'](p.get('stage'))}"
    ),
    "lead.updated": lambda p, who, n: f"{who} changed {_changes(p)}",
    "touch.recorded": lambda p, who, n: _touch(p, who),
    "touch.updated": lambda p, who, n: f"{who} corrected a touch",
    "lead.contact_merged": lambda p, who, n: f"{who} merged a duplicate contact into this lead's",
    "lead.company_merged": lambda p, who, n: f"{who} merged a duplicate company into this lead's",
    "lead.accepted": lambda p, who, n: f"{who} accepted the lead",
    "lead.rejected": _rejected,
    "lead.routed": lambda p, who, n: (
        f"Routing sent the lead to {n['users'](p.get('to'))} "
        f"(pool {p.get('pool')}{', rule ' + p['rule'] if p.get('rule') else ''})"
    ),
    "lead.unroutable": lambda p, who, n: (
        f"Nobody could take the lead in pool "
        f"{p.get('pool') or '—'} ({str(p.get('reason', '')).replace('_', ' ')})"
    ),
    "lead.reassigned": lambda p, who, n: (
        f"{who} reassigned the lead" + (f": {p['reason']}" if p.get("reason") else "")
    ),
    "lead.scored": lambda p, who, n: (
        f"Score changed to {p.get('score')} (fit {p.get('fit')}, engagement {p.get('engagement')})"
    ),
    "lead.qualified": lambda p, who, n: (
        "The lead met the sales-ready definition "
        f"(version {p.get('definition_version')}) and became an MQL"
    ),
    "webform.submitted": lambda p, who, n: (
        f"The web form {p.get('form')!r} was filled in"
        + (
            f" (campaign {p['utm']['utm_campaign']})"
            if (p.get("utm") or {}).get("utm_campaign")
            else ""
        )
    ),
    "clock.met": _clock("met"),
    "clock.breached": _clock("breached"),
    "clock.escalated": _clock("escalated"),
}


def _describe(event: Event, names: dict[str, Any]) -> str:
    who = _name(event.actor)
    sentence = _SENTENCES.get(event.kind)
    return sentence(event.payload, who, names) if sentence else f"{who}: {event.kind}"


def describe_events(
    events: list[Event], *, lead: Lead, stages: list[Stage], reasons: list[Reason]
) -> list[dict[str, Any]]:
    stage_names = {s.key: s.name for s in stages}
    stage_names.setdefault(lead.stage.key, lead.stage.name)
    reason_labels = {r.key: r.label for r in reasons}
    users = {e.actor_id: e.actor for e in events if e.actor_id}
    if lead.owner_id:
        users[lead.owner_id] = lead.owner
    names = {
        "stages": lambda key: stage_names.get(key, key or "—"),
        "reasons": lambda key: reason_labels.get(key, key or "—"),
        "users": lambda pk: _name(users[pk]) if pk in users else f"user #{pk}",
    }
    return [{"event": e, "text": _describe(e, names)} for e in events]
