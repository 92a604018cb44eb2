import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from truce.ledger import services as ledger

from .errors import InvalidToken, UnknownUser
from .models import ApiToken, Role, Team, TeamKey, User

TOKEN_PREFIX = "truce_"


def token_digest(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough; no password stretching needed.
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, user: User, name: str = "", actor: Any = None) -> tuple[ApiToken, str]:
    """Return the stored token and the plain token, which is never retrievable again."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=plain[: len(TOKEN_PREFIX) + 6], digest=token_digest(plain)
    )
    ledger.append(
        kind="token.created",
        subject_type="user",
        subject_id=user.pk,
        actor=actor,
        payload={"token_id": token.pk, "name": name, "prefix": token.prefix},
    )
    return token, plain


def create_token_for_username(*, username: str, name: str = "") -> str:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise UnknownUser(f"No user named {username!r}.", field="username")
    return create_api_token(user=user, name=name)[1]


def user_for_token(*, token: str) -> User:
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if found is None:
        raise InvalidToken("The API token is unknown or revoked.", field="Authorization")
    return found.user


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: Any) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    ledger.append(
        kind="token.revoked",
        subject_type="user",
        subject_id=token.user_id,
        actor=actor,
        payload={"token_id": token.pk},
    )


def ensure_teams() -> dict[str, Team]:
    return {
        key: Team.objects.get_or_create(key=key, defaults={"name": label})[0]
        for key, label in TeamKey.choices
    }


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str,
    role: str = Role.VIEWER,
    team: Team | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    manager: User | None = None,
    actor: Any = None,
) -> User:
    user = User.objects.create_user(
        username=username,
        password=password,
        role=role,
        team=team,
        first_name=first_name,
        last_name=last_name,
        email=email,
        manager=manager,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    ledger.append(
        kind="user.created",
        subject_type="user",
        subject_id=user.pk,
        actor=actor,
        payload={"username": username, "role": role, "team": team.key if team else None},
    )
    return user
