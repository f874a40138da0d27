"""Encryption at rest and keyed lookup hashes for personal numbers (keys from the environment)."""
import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings


def _derive(label: bytes) -> bytes:
    return hashlib.sha256(label + settings.SECRET_KEY.encode()).digest()


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    if key:
        return Fernet(key.encode())
    return Fernet(base64.urlsafe_b64encode(_derive(b"timebank-field-key:")))


def encrypt(text: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()


def lookup_hash(text: str) -> str:
    """A keyed hash: equal numbers give equal hashes, yet the table alone reveals nothing."""
    key = settings.LOOKUP_HASH_KEY.encode() if settings.LOOKUP_HASH_KEY else _derive(b"timebank-hash-key:")
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(bytes(token))
