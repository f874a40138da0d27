"""Each transfer's keyed fingerprint (MAC), written with the row itself.

The hash chain protects a transfer only once the worker has sealed it; a database superuser who
edits a row in the seconds before (or while the worker is down) would go unseen, and a chain
protects what it covers but cannot say *which* field changed. So every row that the services
insert carries `mac`, computed by the application with a key that lives only in the
application's environment (`TIMEBANK_LEDGER_KEY`), never in the database:

    "1" + nonce (16 hex) + keyed BLAKE2b over every field, 128 bits (32 hex)
        + two bytes of keyed BLAKE2b per field in MAC_FIELDS (4 hex each)

BLAKE2b's keyed mode is a MAC in its own right (RFC 7693) and four times faster than HMAC-SHA256
here, which matters because `verify_ledger` recomputes one for every transfer.

Whoever can write the table but does not hold the key cannot make a changed row agree again.
The two-byte field fingerprints let `verify_ledger` name the field that changed (a changed field
goes unnamed with odds 1 in 65,536; the full MAC still catches it). The random nonce makes every
row's MAC unique, so a copied row shows up as a second row with the same MAC.

A hold that resolves (pending → settled/voided/expired) gets a new MAC in the same UPDATE."""
import datetime as dt
import functools
import hashlib
import secrets

from django.conf import settings

VERSION = "1"
NONCE_HEX, FULL_HEX = 16, 32
MAC_FIELDS = ("bank_id", "debit_id", "credit_id", "amount", "currency", "kind", "status", "hold_id", "corrects_id",
              "subject_type", "subject_id", "actor_id", "memo", "idempotency_key", "expires_at", "created_at",
              "resolved_at")
FIELD_BYTES = 2
LENGTH = 1 + NONCE_HEX + FULL_HEX + 2 * FIELD_BYTES * len(MAC_FIELDS)
_TIMES = {"expires_at", "created_at", "resolved_at"}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)
_NAMES = [name.encode() for name in MAC_FIELDS]


def key() -> bytes:
    """32 bytes for BLAKE2b, derived from the setting (whatever its length)."""
    return _derive(settings.TIMEBANK_LEDGER_KEY)


@functools.lru_cache(maxsize=4)
def _derive(setting: str) -> bytes:
    return hashlib.sha256(b"timebank-ledger-mac:" + setting.encode()).digest()


def _text(name: str, value) -> bytes:
    if value is None:
        return b""
    if name in _TIMES:
        if isinstance(value, str):  # as the database adapter prepared it
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return str((value - EPOCH) // MICROSECOND).encode()
    return str(value).encode()


def _parts(values) -> list[bytes]:
    return [_text(name, value) for name, value in zip(MAC_FIELDS, values, strict=True)]


def full(secret: bytes, nonce: bytes, canonical_bytes: bytes) -> str:
    return hashlib.blake2b(nonce + b"\x1e" + canonical_bytes, key=secret, digest_size=FULL_HEX // 2).hexdigest()


def _field_bytes(secret: bytes, nonce: bytes, parts: list[bytes]) -> bytes:
    return b"".join(hashlib.blake2b(nonce + b"\x1d" + name + b"\x1f" + part, key=secret,
                                    digest_size=FIELD_BYTES).digest()
                    for name, part in zip(_NAMES, parts, strict=True))


def compute(values, nonce: str | None = None) -> str:
    """The MAC of one row, `values` in MAC_FIELDS order (a fresh nonce unless one is given)."""
    nonce = nonce or secrets.token_hex(NONCE_HEX // 2)
    secret, raw, parts = key(), nonce.encode(), _parts(values)
    return VERSION + nonce + full(secret, raw, b"\x1f".join(parts)) + _field_bytes(secret, raw, parts).hex()


def of(transfer, nonce: str | None = None) -> str:
    return compute([getattr(transfer, name) for name in MAC_FIELDS], nonce)


def nonce_of(mac: str) -> str:
    return mac[1:1 + NONCE_HEX]


def matches(mac: str, canonical: bytes) -> bool:
    """Fast check during verification: `canonical` is the unit-separated field text (see
    chain._PG_MAC_TEXT); only the full MAC is compared."""
    if len(mac or "") != LENGTH or mac[0] != VERSION:
        return False
    return full(key(), mac[1:1 + NONCE_HEX].encode(), canonical) == mac[1 + NONCE_HEX:1 + NONCE_HEX + FULL_HEX]


def canonical(values) -> bytes:
    return b"\x1f".join(_parts(values))


def changed_fields(mac: str, values) -> list[str]:
    """The fields whose two-byte fingerprint no longer agrees ([] when none can be named)."""
    if len(mac or "") != LENGTH or mac[0] != VERSION:
        return ["mac"]
    nonce = mac[1:1 + NONCE_HEX].encode()
    stored = bytes.fromhex(mac[1 + NONCE_HEX + FULL_HEX:])
    now = _field_bytes(key(), nonce, _parts(values))
    return [name for i, name in enumerate(MAC_FIELDS)
            if stored[i * FIELD_BYTES:(i + 1) * FIELD_BYTES] != now[i * FIELD_BYTES:(i + 1) * FIELD_BYTES]]
