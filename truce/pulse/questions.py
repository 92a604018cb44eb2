"""The survey's default questions: the three the issue names, each on a 1–5 scale."""

from .models import Question

DEFAULTS = [
    (
        "cooperation",
        "How well do marketing and sales work together?",
        "Not at all",
        "Seamlessly",
    ),
    ("shared_goals", "How clear are the goals both teams share?", "Unclear", "Crystal clear"),
    ("trust_numbers", "How much do you trust the numbers in Truce?", "Not at all", "Completely"),
]


def ensure_default_questions() -> list[Question]:
    """The active questions, installing the defaults the first time (idempotent)."""
    if not Question.objects.exists():
        for position, (key, text, low, high) in enumerate(DEFAULTS, start=1):
            Question.objects.get_or_create(
                key=key,
                defaults={"text": text, "low_label": low, "high_label": high, "position": position},
            )
    return list(Question.objects.filter(is_active=True))
