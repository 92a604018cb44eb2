from typing import Any

from django import forms

from truce.touches import selectors as touch_selectors

from .models import FormField


class WebFormForm(forms.Form):
    """The management page's fields; the service checks them again (the API shares it)."""

    name = forms.CharField(max_length=200)
    default_source = forms.CharField(
        max_length=64, required=False, help_text="The lead's source when no utm_source is sent."
    )
    default_campaign: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Used when utm_campaign is missing or names no campaign.",
    )
    asks_for = forms.MultipleChoiceField(
        choices=FormField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Fields (email is always asked for)",
    )
    allowed_origins = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sites allowed to post JSON from a script, one per line: https://www.example.com",
    )
    redirect_url = forms.CharField(
        max_length=500,
        required=False,
        label="Thank-you page address",
        help_text="Where a visitor goes after sending; leave blank to show the message below.",
    )
    thank_you_message = forms.CharField(max_length=500, required=False)
    is_enabled = forms.BooleanField(required=False, label="Accepting submissions")

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["default_campaign"]
        field.queryset = touch_selectors.campaigns_visible_to(user=user).order_by("name")  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["allowed_origins"] = data["allowed_origins"].split()
        data["fields"] = data.pop("asks_for")
        return data
