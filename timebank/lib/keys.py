"""The server's secrets, read from the environment by `timebank/settings.py` (so nothing here may need Django's
settings). Development (DEBUG on) may run on a public key and keys derived from it; production (DEBUG off)
refuses to start without its own `DJANGO_SECRET_KEY`, `TIMEBANK_FIELD_KEYS`, `TIMEBANK_HASH_KEY` and
`TIMEBANK_LEDGER_KEY`, each separate from the others. See docs/SECURITY.md, "Secrets"."""
import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

# Public on purpose: only development and the tests run on it.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdef"
MIN_SECRET_LENGTH = 50
MIN_HASH_KEY_LENGTH = 32


@dataclass(frozen=True)
class Keys:
    secret_key: str
    secret_key_fallbacks: list[str] = field(default_factory=list)
    # Fernet keys: the first encrypts, every one decrypts. Empty in development: a key derived from the secret.
    field_keys: list[str] = field(default_factory=list)
    # The HMAC key of the lookup hashes. Empty in development: derived from the secret.
    hash_key: str = ""
    # The HMAC key of each ledger transfer's fingerprint (timebank/ledger/mac.py). Derived from the secret
    # in development; in production its own value, kept away from the database server.
    ledger_key: str = ""


def split_list(raw: str) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def derived_key(secret_key: str, label: bytes) -> bytes:
    """What development uses when no key is set (and what servers before 2026-12 used in production)."""
    return hashlib.sha256(label + secret_key.encode()).digest()


def legacy_field_key(secret_key: str) -> str:
    """The Fernet key derived from `secret_key`: put it last in TIMEBANK_FIELD_KEYS to read data written
    before the field keys were separate, then run `manage.py field_keys_rotate`."""
    return base64.urlsafe_b64encode(derived_key(secret_key, b"timebank-field-key:")).decode()


def load(environ: Mapping[str, str], *, debug: bool) -> Keys:
    """The keys from the environment; raises ImproperlyConfigured naming every problem (never a key's value)."""
    secret = environ.get("DJANGO_SECRET_KEY", "").strip()
    fallbacks = split_list(environ.get("DJANGO_SECRET_KEY_FALLBACKS", ""))
    # TIMEBANK_FIELD_KEY (one key) is the older name; TIMEBANK_FIELD_KEYS wins when both are set.
    field_keys = split_list(environ.get("TIMEBANK_FIELD_KEYS", "") or environ.get("TIMEBANK_FIELD_KEY", ""))
    hash_key = environ.get("TIMEBANK_HASH_KEY", "").strip()
    ledger_key = environ.get("TIMEBANK_LEDGER_KEY", "").strip()
    problems = []
    for n, key in enumerate(field_keys, 1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            problems.append(f"TIMEBANK_FIELD_KEYS: key {n} is not a Fernet key (32 url-safe base64-encoded bytes).")
    if len(set(field_keys)) != len(field_keys):
        problems.append("TIMEBANK_FIELD_KEYS names the same key twice.")
    if not debug:
        if not secret or secret == DEV_SECRET_KEY:
            problems.append("DJANGO_SECRET_KEY is not set (the development key is public).")
        elif len(secret) < MIN_SECRET_LENGTH or len(set(secret)) < 5:
            problems.append(f"DJANGO_SECRET_KEY is too weak: at least {MIN_SECRET_LENGTH} random characters.")
        if DEV_SECRET_KEY in fallbacks:
            problems.append("DJANGO_SECRET_KEY_FALLBACKS holds the public development key.")
        if not field_keys:
            problems.append("TIMEBANK_FIELD_KEYS is not set (the key that encrypts resident ID numbers).")
        if not hash_key:
            problems.append("TIMEBANK_HASH_KEY is not set (the key of the ID-number lookup hashes).")
        elif len(hash_key) < MIN_HASH_KEY_LENGTH:
            problems.append(f"TIMEBANK_HASH_KEY is too short: at least {MIN_HASH_KEY_LENGTH} random characters.")
        if not ledger_key:
            problems.append("TIMEBANK_LEDGER_KEY is not set (the key of the ledger's transfer fingerprints).")
        elif len(ledger_key) < MIN_HASH_KEY_LENGTH:
            problems.append(f"TIMEBANK_LEDGER_KEY is too short: at least {MIN_HASH_KEY_LENGTH} random characters.")
        elif ledger_key in (secret, hash_key, *fallbacks, *field_keys):
            problems.append("TIMEBANK_LEDGER_KEY must differ from every other key.")
        if secret and secret in field_keys:
            problems.append("TIMEBANK_FIELD_KEYS must not contain DJANGO_SECRET_KEY.")
        if hash_key and hash_key in (secret, *fallbacks):
            problems.append("TIMEBANK_HASH_KEY must differ from DJANGO_SECRET_KEY.")
        if hash_key and hash_key in field_keys:
            problems.append("TIMEBANK_HASH_KEY must differ from every TIMEBANK_FIELD_KEYS key.")
    if problems:
        mode = "DJANGO_DEBUG=false (production)" if not debug else "this configuration"
        raise ImproperlyConfigured(f"Timebank refuses to start with {mode}:\n  - " + "\n  - ".join(problems)
                                   + "\nSee docs/SECURITY.md, section \"Secrets\", for how to generate them.")
    if not ledger_key:
        ledger_key = derived_key(secret or DEV_SECRET_KEY, b"timebank-ledger-key:").hex()
    return Keys(secret_key=secret or DEV_SECRET_KEY, secret_key_fallbacks=fallbacks, field_keys=field_keys,
                hash_key=hash_key, ledger_key=ledger_key)
