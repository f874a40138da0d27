"""Idempotency keys: the first answer to (actor, key) is stored with the write it describes;
a retry with the same payload gets that answer again, a different payload is refused."""
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from timebank.lib.errors import DomainError, InvalidInput

from .models import IdempotencyRecord


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    message = _("This Idempotency-Key was already used for a different request.")
    status = 422


def request_fingerprint(operation: str, payload: object) -> str:
    canonical = json.dumps([operation, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_idempotent(*, actor, key: str | None, operation: str, payload: object,
                   perform: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run `perform` at most once per (actor, key). `perform` returns (status, body) and does
    its writes in the caller's transaction, so the stored answer and the write commit together."""
    if not key:
        return perform()
    if len(key) > 128:
        raise InvalidInput(_("An Idempotency-Key has at most 128 characters."), code="idempotency_key_invalid")
    fingerprint = request_fingerprint(operation, payload)

    def replay(record: IdempotencyRecord) -> tuple[int, dict]:
        if record.request_hash != fingerprint:
            raise IdempotencyKeyReused()
        return record.status_code, record.response

    existing = IdempotencyRecord.objects.filter(actor=actor, key=key).first()
    if existing is not None:
        return replay(existing)
    try:
        with transaction.atomic():
            # A concurrent request with the same key waits here on the unique index until the
            # first one commits, then fails and replays the stored answer below.
            record = IdempotencyRecord.objects.create(actor=actor, key=key, request_hash=fingerprint)
            status, body = perform()
            record.status_code, record.response = status, body
            record.save(update_fields=["status_code", "response"])
            return status, body
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(actor=actor, key=key).first()
        if existing is None:
            raise
        return replay(existing)
