from typing import Any

from django.db.models import Q, QuerySet

from .models import Company, Contact


def contacts_visible_to(
    *, user: Any, search: str = "", include_merged: bool = False
) -> QuerySet[Contact]:
    qs = Contact.objects.select_related("company")
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    if search:
        qs = qs.filter(
            Q(email_key__startswith=search.strip().lower())
            | Q(last_name__istartswith=search)
            | Q(first_name__istartswith=search)
        )
    return qs


def companies_visible_to(
    *, user: Any, search: str = "", include_merged: bool = False
) -> QuerySet[Company]:
    qs = Company.objects.all()
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    if search:
        qs = qs.filter(Q(name__istartswith=search) | Q(domain__startswith=search.lower()))
    return qs


def history_ids(record: Contact | Company) -> list[int]:
    """The record and everything merged into it, so its history shows both sides of a merge."""
    ids, frontier = [record.pk], [record.pk]
    model = type(record)
    while frontier:
        frontier = list(model.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids
