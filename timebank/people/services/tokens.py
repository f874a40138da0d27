"""API bearer tokens: create, revoke (one or all), and authenticate a request by one."""
import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from timebank.audit.services import audit_record
from timebank.lib.errors import NotFound

from ..exceptions import TokenRevoked
from ..models import ApiToken, Person


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _password_stamp(person: Person) -> str:
    # Of the stored password hash, so that any change of password (a new salt at least) changes it.
    return hashlib.sha256(b"timebank-token-stamp:" + (person.password or "").encode()).hexdigest()


def api_token_create(*, actor: Person, name: str) -> tuple[ApiToken, str]:
    """A new bearer token, alive for API_TOKEN_LIFETIME_DAYS; the raw value is returned once and only its hash
    is kept."""
    name = (name or "").strip()[:60] or "API"
    raw = "tb_" + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    with transaction.atomic():
        token = ApiToken.objects.create(person=actor, name=name, prefix=raw[:10], key_hash=_token_hash(raw),
                                        expires_at=expires_at, password_stamp=_password_stamp(actor))
        audit_record(actor=actor, action="token.created", obj=token, node=actor.node, bank=actor.bank)
    return token, raw


def api_token_revoke(*, actor: Person, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token.pk, person=actor).first()
        if token is None:
            raise NotFound()
        if token.revoked_at is not None:
            raise TokenRevoked()
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoked", obj=token, node=actor.node, bank=actor.bank)
    return token


def api_tokens_revoke_all(*, actor, person: Person, reason: str) -> int:
    """Revoke every live token of `person` (their password was set or reset); audited when there were any."""
    with transaction.atomic():
        count = ApiToken.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if count:
            audit_record(actor=actor, action="token.revoked_all", obj=person,
                         changes={"count": count, "reason": reason})
    return count


def api_token_authenticate(raw: str) -> Person | None:
    """The person a bearer token belongs to, if it is live (not revoked, not expired, made under the person's
    current password); touches `last_used_at` at most once a minute."""
    if not raw or not raw.startswith("tb_") or len(raw) > 100:
        return None
    now = timezone.now()
    token = (ApiToken.objects.filter(key_hash=_token_hash(raw), revoked_at__isnull=True, expires_at__gt=now)
             .select_related("person").first())
    if token is None or not token.person.is_active:
        return None
    if not hmac.compare_digest(token.password_stamp, _password_stamp(token.person)):
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.person
