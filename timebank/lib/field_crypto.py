"""Encryption at rest and keyed lookup hashes for personal numbers (keys from the environment).

`settings.FIELD_ENCRYPTION_KEYS` is a list of Fernet keys: the first encrypts, every one decrypts, so a new
key goes in front and `manage.py field_keys_rotate` re-encrypts every encrypted column with it before an old
key is dropped. The lookup hash's key (`settings.LOOKUP_HASH_KEY`) is separate and stays the same through a
rotation. Development (DEBUG on, no keys set) derives both from SECRET_KEY; production refuses to start
without them (timebank/lib/keys.py).

Every encrypted column, which the rotation command walks: `ENCRYPTED_COLUMNS`."""
import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from timebank.lib.keys import derived_key

# (app_label.Model, text column, is_bytes): every column written by encrypt() / encrypt_bytes().
ENCRYPTED_COLUMNS = [
    ("people.Person", "id_number_encrypted", False),
    ("imports.ImportRow", "id_number_encrypted", False),
    ("imports.ImportUpload", "content_encrypted", True),
    ("webhooks.Endpoint", "secret_encrypted", False),
]
# (app_label.Model, lookup-hash column, encrypted column it is the hash of).
HASHED_COLUMNS = [
    ("people.Person", "id_number_hash", "id_number_encrypted"),
    ("imports.ImportRow", "id_number_hash", "id_number_encrypted"),
]

__all__ = ["InvalidToken", "decrypt", "decrypt_bytes", "encrypt", "encrypt_bytes", "lookup_hash"]


def field_keys() -> tuple[str, ...]:
    """The Fernet keys in force, newest first."""
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS or ())
    if keys:
        return keys
    return (base64.urlsafe_b64encode(derived_key(settings.SECRET_KEY, b"timebank-field-key:")).decode(),)


@lru_cache(maxsize=8)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


@lru_cache(maxsize=8)
def _newest(key: str) -> Fernet:
    return Fernet(key.encode())


def _fernet() -> MultiFernet:
    return _multi(field_keys())


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(bytes(token))


def is_current(token: bytes | str) -> bool:
    """Whether `token` is already encrypted with the newest key."""
    raw = token.encode() if isinstance(token, str) else bytes(token)
    try:
        _newest(field_keys()[0]).decrypt(raw)
    except InvalidToken:
        return False
    return True


def rotate(token: bytes | str) -> bytes | str:
    """`token` decrypted with whichever key opens it and encrypted with the newest; raises InvalidToken."""
    if isinstance(token, str):
        return _fernet().rotate(token.encode()).decode()
    return _fernet().rotate(bytes(token))


def _hash_key() -> bytes:
    if settings.LOOKUP_HASH_KEY:
        return settings.LOOKUP_HASH_KEY.encode()
    return derived_key(settings.SECRET_KEY, b"timebank-hash-key:")


def lookup_hash(text: str) -> str:
    """A keyed hash: equal numbers give equal hashes, yet the table alone reveals nothing."""
    return hmac.new(_hash_key(), text.encode(), hashlib.sha256).hexdigest()
