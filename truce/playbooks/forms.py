from typing import Any

from django import forms

from truce.funnel import selectors as funnel_selectors
from truce.identity import selectors as identity_selectors


class PlaybookForm(forms.Form):
    """The playbook page's fields; the service checks them again (the API shares it)."""

    key = forms.SlugField(
        max_length=80, help_text="Lower-case words joined by hyphens; part of the page address."
    )
    title = forms.CharField(max_length=200)
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    owner: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, required=False)
    review_cadence_days = forms.IntegerField(
        min_value=1, max_value=3650, label="Review every (days)"
    )
    stages = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Funnel stages"
    )
    terms = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Glossary terms"
    )
    collateral = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: a title, optionally followed by | and an https:// address.",
    )
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        label="Body (Markdown)",
        help_text="Context, principles and measures. Steps go below.",
    )
    change_note = forms.CharField(
        max_length=500, help_text="What you changed and why: it is kept with the version."
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, creating: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = identity_selectors.active_users()  # type: ignore[attr-defined]
        self.fields["stages"].choices = [(s.key, s.name) for s in funnel_selectors.stages()]  # type: ignore[attr-defined]
        self.fields["terms"].choices = [(t.key, t.name) for t in funnel_selectors.glossary()]  # type: ignore[attr-defined]
        if creating:
            del self.fields["change_note"], self.fields["base_version"]
        else:
            del self.fields["key"]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("change_note", None), data.pop("base_version", None), data.pop("key", None)
        data["collateral"] = [_collateral(line) for line in data["collateral"].splitlines()]
        data["collateral"] = [item for item in data["collateral"] if item["title"]]
        return data


def _collateral(line: str) -> dict[str, str]:
    title, _, url = line.partition("|")
    return {"title": title.strip(), "url": url.strip()}


def collateral_text(items: list[dict[str, str]]) -> str:
    return "\n".join(f"{i['title']} | {i['url']}" if i.get("url") else i["title"] for i in items)


class StepForm(forms.Form):
    who = forms.CharField(max_length=200, required=False, label="Who")
    what = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Does what"
    )
    why = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Why")

    def is_blank(self) -> bool:
        return not any((self.cleaned_data.get(n) or "").strip() for n in ("who", "what", "why"))


StepFormSet = forms.formset_factory(StepForm, extra=2, max_num=60, absolute_max=60)


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(
        label="Day of the review", widget=forms.DateInput(attrs={"type": "date"})
    )
    attendees: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    what_changed = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    what_removed = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="What was removed, and why",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = identity_selectors.active_users()  # type: ignore[attr-defined]
