"""The plan and review pages' fields. The services check everything again (the API shares them);
a side the user may not edit is shown disabled, so nobody types into a field that will refuse."""

from decimal import Decimal
from typing import Any

from django import forms

from truce.identity import selectors as identity_selectors
from truce.identity.permissions import can
from truce.touches import selectors as touch_selectors

from .models import IncentiveKind, PeriodKind
from .values import MARKETING_FIELDS, SALES_FIELDS

INCENTIVE_HELP = (
    "One per line: kind | name | amount, e.g. “spiff | Analytics deals | 5000”. "
    f"Kinds: {', '.join(IncentiveKind.values)}."
)


class PlanForm(forms.Form):
    budget = forms.DecimalField(
        label="Marketing budget", min_value=0, max_digits=14, decimal_places=2
    )
    planned_campaigns = forms.IntegerField(label="Campaigns planned", min_value=0)
    campaigns: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Linked campaigns",
        widget=forms.CheckboxSelectMultiple,
        help_text="The planned campaigns that already exist (at most the planned count).",
    )
    lead_target = forms.IntegerField(
        label="Lead target (sales-ready leads)",
        min_value=0,
        help_text="MQLs marketing hands to sales in the period.",
    )
    revenue_target = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2)
    incentives = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=INCENTIVE_HELP
    )
    reps = forms.IntegerField(label="Sales reps (headcount)", min_value=0)
    touches_per_rep_per_week = forms.IntegerField(
        min_value=0,
        label="Touches per rep per week",
        help_text="Calls, emails and meetings one rep can make in a week.",
    )
    note = forms.CharField(
        max_length=500, required=False, label="What changed and why (kept with the revision)"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        campaigns = touch_selectors.campaigns_visible_to(user=user).order_by("name")
        self.fields["campaigns"].queryset = campaigns  # type: ignore[attr-defined]
        for names, action in ((MARKETING_FIELDS, "plan_marketing"), (SALES_FIELDS, "plan_sales")):
            if not can(user, action):
                for name in names:
                    self.fields[name].disabled = True
                    self.fields[name].required = False

    def clean_incentives(self) -> list[dict[str, str]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["incentives"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3:
                raise forms.ValidationError(f"Line {number}: write kind | name | amount.")
            rows.append({"kind": parts[0].lower(), "name": parts[1], "amount": parts[2]})
        return rows

    def changes(self) -> dict[str, Any]:
        """The values of the fields this user may edit (disabled ones are left as they are)."""
        data = {k: v for k, v in self.cleaned_data.items() if not self.fields[k].disabled}
        data.pop("note", None)
        if "campaigns" in data:
            data["campaigns"] = list(data["campaigns"])
        return data


def incentives_text(incentives: list[dict[str, str]]) -> str:
    return "\n".join(f"{i['kind']} | {i['name']} | {Decimal(i['amount'])}" for i in incentives)


class NewPlanForm(PlanForm):
    period_kind = forms.ChoiceField(choices=PeriodKind.choices, label="Period")
    period_start = forms.DateField(
        label="First day of the period",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="1 January, April, July or October for a quarter.",
    )
    product_line = forms.CharField(max_length=64, required=False)
    segment = forms.CharField(max_length=64, required=False)
    field_order = ["period_kind", "period_start", "product_line", "segment"]

    def changes(self) -> dict[str, Any]:
        data = super().changes()
        for name in ("period_kind", "period_start", "product_line", "segment"):
            data.pop(name, None)
        return data


class ReviewForm(forms.Form):
    held_on = forms.DateField(label="Held on", widget=forms.DateInput(attrs={"type": "date"}))
    attendees: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = identity_selectors.active_users()  # type: ignore[attr-defined]
        self.fields["attendees"].label_from_instance = _person  # type: ignore[attr-defined]


def _person(user: Any) -> str:
    return f"{user.display_name} ({user.get_role_display()})"


class DecisionForm(forms.Form):
    """One decision row; a blank row is skipped."""

    text = forms.CharField(
        required=False, label="Decision", widget=forms.Textarea(attrs={"rows": 2})
    )
    owner: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, required=False)
    due_on = forms.DateField(
        required=False, label="Due on", widget=forms.DateInput(attrs={"type": "date"})
    )
    resolves = forms.MultipleChoiceField(
        required=False,
        label="Resolves these findings",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, findings: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = identity_selectors.active_users()  # type: ignore[attr-defined]
        self.fields["owner"].label_from_instance = _person  # type: ignore[attr-defined]
        self.fields["resolves"].choices = [(str(f.pk), f.message) for f in findings]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("text", "").strip() or data.get("resolves"):
            for name in ("text", "owner", "due_on"):
                if not data.get(name):
                    self.add_error(name, "A decision needs a text, an owner and a due date.")
        return data

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("text") or "").strip()
