"""`manage.py vapid_keys`: a new VAPID key pair for Web Push, as the two environment lines to keep
(the private key stays on the server; changing it makes every phone subscribe again)."""
import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Command(BaseCommand):
    help = "Print a new VAPID key pair for Web Push (TIMEBANK_VAPID_PUBLIC_KEY / _PRIVATE_KEY)."

    def handle(self, *args, **options):
        key = ec.generate_private_key(ec.SECP256R1())
        public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        self.stdout.write(f"TIMEBANK_VAPID_PUBLIC_KEY={_b64(public)}")
        self.stdout.write(f"TIMEBANK_VAPID_PRIVATE_KEY={_b64(key.private_numbers().private_value.to_bytes(32, 'big'))}")
