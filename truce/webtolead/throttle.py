"""Rate limiting per client address, held in the database so every web process shares it.

Fixed windows: one counter row per (keyed hash of the address, window start), raised with a
conditional UPDATE so two processes can never both take the last slot.
"""

import hashlib
import hmac
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from .errors import Throttled
from .models import RateWindow


def address_hash(address: str) -> str:
    """A keyed hash: the raw address is never stored, and cannot be brute-forced without the key."""
    key = f"truce.webtolead.address:{settings.SECRET_KEY}".encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = now.timestamp()
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def _take(digest: str, start: datetime, limit: int) -> bool:
    taken = RateWindow.objects.filter(
        address_hash=digest, window_start=start, count__lt=limit
    ).update(count=F("count") + 1)
    return taken == 1


def _open_window(digest: str, start: datetime, seconds: int) -> bool:
    """Start the window with this hit; False when another process started it first."""
    try:
        with transaction.atomic():
            RateWindow.objects.create(address_hash=digest, window_start=start, count=1)
    except IntegrityError:
        return False
    # A new window is a good moment to forget the old ones (one indexed DELETE).
    RateWindow.objects.filter(window_start__lt=start - timedelta(seconds=seconds)).delete()
    return True


def hit(*, address: str, now: datetime) -> None:
    """Count one submission from `address`; raise Throttled once the window's limit is reached."""
    limit, seconds = settings.TRUCE_WEBFORM_RATE_LIMIT, settings.TRUCE_WEBFORM_RATE_WINDOW
    if limit <= 0:
        return
    digest, start = address_hash(address), _window_start(now, seconds)
    if _take(digest, start, limit) or _open_window(digest, start, seconds):
        return
    if _take(digest, start, limit):
        return
    retry_after = max(1, math.ceil((start + timedelta(seconds=seconds) - now).total_seconds()))
    raise Throttled(
        f"Too many submissions from your address; try again in {retry_after} seconds.",
        retry_after=retry_after,
    )


def client_address(meta: dict[str, str]) -> str:
    """REMOTE_ADDR, or with N trusted proxies in front, the address the Nth proxy from the
    right of X-Forwarded-For saw (the proxies append; anything left of that is forgeable)."""
    proxies = settings.TRUCE_TRUSTED_PROXIES
    remote = meta.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return hops[0] if hops else remote
    return hops[-proxies]
