"""Rate limits on the doors anyone can knock at (sign-in, sign-up, supplier applications, the public
verification pages): per client address and fixed window, counted in the database so that every
gunicorn worker sees the same count. One statement per attempt (an upsert that returns the count).

Limits are "attempts/seconds" strings in settings.RATE_LIMITS (TIMEBANK_RATE_LIMITS overrides them);
django-axes still locks an account after repeated wrong passwords: this limit stops one address trying
many accounts, or flooding the forms."""
import datetime as dt
from functools import wraps

from django.conf import settings
from django.db import connection
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import DomainError
from timebank.lib.request_context import client_ip

from .models import RateBucket


class RateLimited(DomainError):
    code = "rate_limited"
    message = _("Too many attempts from your address. Please wait a little and try again.")
    status = 429


def _limit(scope: str) -> tuple[int, int]:
    attempts, _, seconds = settings.RATE_LIMITS[scope].partition("/")
    return int(attempts), int(seconds)


def rate_limit_hit(scope: str, client: str) -> None:
    """Count one attempt of `client` at `scope`; raise RateLimited (with retry_after) once over the limit."""
    attempts, seconds = _limit(scope)
    now = timezone.now()
    epoch = int(now.timestamp())
    window_start = dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)
    table = RateBucket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, client, window_start, hits) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (scope, client, window_start) DO UPDATE SET hits = {table}.hits + 1 RETURNING hits",
            [scope, client[:64], window_start])
        hits = cursor.fetchone()[0]
    if hits > attempts:
        retry_after = max(1, int((window_start + dt.timedelta(seconds=seconds) - now).total_seconds()))
        raise RateLimited(detail={"retry_after_seconds": retry_after})


def rate_limited(scope: str, methods: tuple[str, ...] = ("POST",)):
    """A page's decorator: attempts with `methods` count; over the limit the visitor gets a 429 page that
    says so in plain words, with Retry-After, and nothing is done."""
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                try:
                    rate_limit_hit(scope, client_ip(request))
                except RateLimited as refused:
                    seconds = refused.detail["retry_after_seconds"]
                    response = render(request, "rate_limited.html", {"message": refused.message,
                                                                     "minutes": -(-seconds // 60)}, status=429)
                    response["Retry-After"] = str(refused.detail["retry_after_seconds"])
                    return response
            return view(request, *args, **kwargs)
        return wrapper
    return decorate


def rate_buckets_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Housekeeping: forget windows that ended long ago."""
    deleted, _ = RateBucket.objects.filter(window_start__lt=timezone.now() - older_than).delete()
    return deleted
