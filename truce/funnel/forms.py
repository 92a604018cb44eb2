"""Page forms. They only shape input; the services decide what is allowed."""

from collections.abc import Iterable
from typing import Any, cast

from django import forms

from truce.touches.models import TouchKind

from .models import Outcome, Reason, Stage
from .selectors import LeadFilters

ANY = ("", "Any")


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class LeadFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    stage = forms.ChoiceField(label="Stage", required=False)
    outcome = forms.ChoiceField(label="Outcome", required=False, choices=[ANY, *Outcome.choices])
    owner = forms.CharField(
        label="Owner",
        required=False,
        max_length=150,
        help_text="A username, or “none” for unassigned leads.",
    )
    source = forms.CharField(label="Source", required=False, max_length=64)

    def __init__(self, *args: Any, stages: Iterable[Stage] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice(self, "stage").choices = [ANY, *((s.key, s.name) for s in stages)]
        self.fields["q"].widget.input_type = "search"

    def filters(self) -> LeadFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return LeadFilters(
            search=data.get("q", "").strip(),
            stage=data.get("stage", ""),
            outcome=data.get("outcome", ""),
            owner=data.get("owner", "").strip(),
            source=data.get("source", "").strip(),
        )


class MoveForm(forms.Form):
    stage = forms.ChoiceField(label="Move to stage")

    def __init__(self, *args: Any, stages: Iterable[Stage] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice(self, "stage").choices = [(s.key, s.name) for s in stages if not s.is_won]


class WinForm(forms.Form):
    amount = forms.CharField(label="Amount won", max_length=20)


class CloseForm(forms.Form):
    """Lost, recycled or disqualified: each with a reason from its own list."""

    outcome = forms.ChoiceField(
        choices=[(o, o) for o in (Outcome.LOST, Outcome.RECYCLED, Outcome.DISQUALIFIED)],
        widget=forms.HiddenInput,
    )
    reason = forms.ChoiceField(label="Reason")

    def __init__(self, *args: Any, reasons: Iterable[Reason] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [(r.key, r.label) for r in reasons]
        _choice(self, "reason").choices = [("", "Choose a reason"), *choices]
        self.fields["reason"].required = False  # the service says which list it must come from


class TouchForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=TouchKind.choices)
    channel = forms.CharField(label="Channel", required=False, max_length=64)
    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        help_text="Leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    collateral = forms.CharField(label="Collateral", required=False, max_length=200)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
