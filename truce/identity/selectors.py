from django.db.models import QuerySet

from truce.errors import NotFound

from .models import User


def active_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True).select_related("team").order_by("username")


def active_user(*, username: str, field: str = "owner") -> User:
    user = active_users().filter(username=username).first()
    if user is None:
        raise NotFound(f"No active user named {username!r}.", field=field)
    return user
