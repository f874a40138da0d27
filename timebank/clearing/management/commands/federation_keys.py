"""`manage.py federation_keys [--public]`: make this platform's Ed25519 signing key for clearing with other
deployments (printed as the environment line to keep with the other secrets), or print the public key of the
key in use, to give to the partner platform's operator."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from timebank.clearing.federation import new_signing_key, public_key_of


class Command(BaseCommand):
    help = "Make a federation signing key, or print the public key of the one in use (--public)."

    def add_arguments(self, parser):
        parser.add_argument("--public", action="store_true", help="print the public key of TIMEBANK_FEDERATION_KEY")

    def handle(self, *args, **options):
        if options["public"]:
            if not settings.FEDERATION_KEY:
                raise CommandError("TIMEBANK_FEDERATION_KEY is not set")
            self.stdout.write(public_key_of(settings.FEDERATION_KEY))
            return
        seed, public = new_signing_key()
        self.stdout.write(f"TIMEBANK_FEDERATION_KEY={seed}")
        self.stdout.write(f"# public key, for the partner's `federation_peer_add`: {public}")
