from typing import Any

from django import forms

from .models import Round
from .services import MAX_POST_CHARS

SCALE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class PostForm(forms.Form):
    body = forms.CharField(
        label="What is going on between the teams?",
        max_length=MAX_POST_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Posted without your name. Only the day is kept, never the time.",
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your public answer",
        max_length=MAX_POST_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SurveyForm(forms.Form):
    """One 1–5 radio group per question of the round, named after the question's key."""

    def __init__(self, *args: Any, round_: Round, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for question in round_.questions.all():
            self.fields[question.key] = forms.ChoiceField(
                label=question.text,
                choices=SCALE_CHOICES,
                widget=forms.RadioSelect,
                help_text=f"1 = {question.low_label}, 5 = {question.high_label}",
            )
