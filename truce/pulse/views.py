"""Pages of the team pulse. None of them touches the session (its row's expiry time would
record when someone posted or answered); confirmations travel in the messages cookie."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from truce.errors import DomainError, NotFound, PermissionDenied
from truce.identity.permissions import can

from . import selectors, services
from .forms import PostForm, ReplyForm, SurveyForm


def _posts(request: HttpRequest) -> Any:
    try:
        return selectors.posts_visible_to(user=request.user)
    except PermissionDenied as exc:
        raise PageDenied(exc.message) from None


def _board(request: HttpRequest, form: PostForm, status: int = 200) -> HttpResponse:
    context = {
        "posts": list(_posts(request)[:100]),
        "form": form,
        "may_answer": can(request.user, "answer_pulse"),
        "nav": "pulse",
    }
    return render(request, "pulse/board.html", context, status=status)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    return _board(request, PostForm())


@login_required
@require_POST
def post_create(request: HttpRequest) -> HttpResponse:
    form = PostForm(request.POST)
    if form.is_valid():
        try:
            services.write_post(actor=request.user, body=form.cleaned_data["body"])
        except PermissionDenied as exc:
            raise PageDenied(exc.message) from None
        except DomainError as exc:
            form.add_error("body", exc.message)
        else:
            messages.success(request, "Posted anonymously.")
            return redirect("pulse:board")
    return _board(request, form, status=400)


@login_required
@require_POST
def reply_create(request: HttpRequest, post_id: str) -> HttpResponse:
    _posts(request)
    try:
        post = selectors.get_post(user=request.user, post_id=post_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply_to_post(post=post, actor=request.user, body=form.cleaned_data["body"])
        except PermissionDenied as exc:
            raise PageDenied(exc.message) from None
        messages.success(request, "Your answer is published.")
        return redirect(f"{reverse('pulse:board')}#post-{post.pk}")
    messages.error(request, "Write an answer first.")
    return redirect("pulse:board")


def _survey(request: HttpRequest, round_: Any, form: Any, status: int = 200) -> HttpResponse:
    answered = round_ is not None and selectors.has_answered(user=request.user, round_=round_)
    context = {
        "round": round_,
        "form": form,
        "answered": answered,
        "respondents": selectors.respondents(round_=round_) if round_ else 0,
        "may_open": can(request.user, "answer_pulse"),
        "k": selectors.min_answers(),
        "nav": "pulse",
    }
    return render(request, "pulse/survey.html", context, status=status)


@login_required
def survey(request: HttpRequest) -> HttpResponse:
    _posts(request)
    round_ = selectors.open_round(user=request.user)
    if request.method != "POST" or round_ is None:
        form = SurveyForm(round_=round_) if round_ else None
        return _survey(request, round_, form)
    form = SurveyForm(request.POST, round_=round_)
    if form.is_valid():
        try:
            services.answer_survey(round_=round_, actor=request.user, scores=form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Thank you. Your answers were recorded without your name.")
        return redirect("pulse:survey")
    return _survey(request, round_, form, status=400)


@login_required
@require_POST
def round_open(request: HttpRequest) -> HttpResponse:
    try:
        services.open_round(actor=request.user)
    except PermissionDenied as exc:
        raise PageDenied(exc.message) from None
    return redirect("pulse:survey")


@login_required
def results(request: HttpRequest) -> HttpResponse:
    _posts(request)
    rows = selectors.results(user=request.user)
    questions = selectors.trend_questions(rows)
    chart = {
        "labels": [str(row.round) for row in reversed(rows)],
        "series": [
            {
                "label": q.text,
                "data": [
                    float(m) if (m := row.mean_of(q.key)) is not None else None
                    for row in reversed(rows)
                ],
            }
            for q in questions
        ],
    }
    context = {
        "rows": rows,
        "questions": questions,
        "table": [(row, [row.mean_of(q.key) for q in questions]) for row in rows],
        "chart": chart,
        "k": selectors.min_answers(),
        "nav": "pulse",
    }
    return render(request, "pulse/results.html", context)
