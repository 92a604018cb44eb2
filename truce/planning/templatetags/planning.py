from typing import Any

from django import template

register = template.Library()


@register.filter
def fields_named(form: Any, names: str) -> list[Any]:
    """The bound fields of `form` named in `names` (space-separated), in that order."""
    return [form[name] for name in names.split() if name in form.fields]
