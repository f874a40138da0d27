"""`manage.py federation_peer_add NAME URL PUBLIC_KEY [--platform ID]`: pair this platform with another
deployment (its federation name, its address and its public key; docs/OPERATIONS.md)."""
from django.core.management.base import BaseCommand, CommandError

from timebank.clearing.federation import peer_platform_add
from timebank.lib.errors import DomainError
from timebank.orgs.models import Node, NodeKind


class Command(BaseCommand):
    help = "Pair this platform with another deployment for clearing."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("url")
        parser.add_argument("public_key")
        parser.add_argument("--platform", type=int, help="our platform node (default: the only one)")

    def handle(self, *args, **options):
        ours = Node.objects.filter(kind=NodeKind.PLATFORM, peer_platform__isnull=True)
        if options["platform"]:
            ours = ours.filter(pk=options["platform"])
        platforms = list(ours[:2])
        if len(platforms) != 1:
            raise CommandError("name our platform node with --platform")
        try:
            peer = peer_platform_add(platform=platforms[0], name=options["name"], base_url=options["url"],
                                     public_key=options["public_key"])
        except DomainError as err:
            raise CommandError(str(err.message)) from None
        self.stdout.write(f"paired with {peer.name} (peer {peer.pk}, node {peer.node_id})")
