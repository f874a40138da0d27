"""`python manage.py health_simulate`: a station's card reader posting over the real HTTP API.

    # once, on the server: a device at a station and cards for some of its elders (audited as these staff)
    manage.py health_simulate enroll --station 政立路社区 --device-by 13900000001 --cards-by 13900002027 \\
        --url http://127.0.0.1:8000
    manage.py health_simulate swipe --count 20 --urgent 0.1   # readings wait in the spool (offline is fine)
    manage.py health_simulate upload                          # sends them; unreachable → they stay
    manage.py health_simulate replay                          # sends the answered ones again: all duplicates
    manage.py health_simulate run --every 2 --times 30        # swipe and upload in a loop, like a reader
"""
import random
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from timebank.health.card_reader import CardReader, ReaderError

DEFAULT_SPOOL = ".card-reader"


class Command(BaseCommand):
    help = "Simulate a station's health card reader: swipe, upload (with offline buffering) and replay."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["enroll", "swipe", "upload", "replay", "run", "status"])
        parser.add_argument("--spool", default=DEFAULT_SPOOL, help="the reader's spool directory")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="enroll: the platform's address")
        parser.add_argument("--token", help="enroll: an existing device token instead of registering a device")
        parser.add_argument("--station", help="enroll: the station (number or name)")
        parser.add_argument("--device-by", help="enroll: mobile of the bank admin who registers the device")
        parser.add_argument("--cards-by", help="enroll: mobile of the staff member who issues the cards")
        parser.add_argument("--elders", type=int, default=5, help="enroll: how many of the station's elders")
        parser.add_argument("--count", type=int, default=10, help="swipe/run: readings per swipe")
        parser.add_argument("--urgent", type=float, default=0.0, help="swipe/run: share of urgent readings (0–1)")
        parser.add_argument("--batch", type=int, default=500, help="upload/replay: readings per request")
        parser.add_argument("--every", type=float, default=5.0, help="run: seconds between swipes")
        parser.add_argument("--times", type=int, default=12, help="run: how many swipes")
        parser.add_argument("--seed", type=int, default=None, help="swipe/run: repeatable values")

    def handle(self, *args, action, spool, **options):
        if action == "enroll":
            reader = self.enroll(spool, options)
            self.stdout.write(f"Reader ready in {spool}: {len(reader.config['uids'])} cards, {reader.config['url']}")
            return
        reader = CardReader(Path(spool))
        if not reader.config:
            raise CommandError(f"No reader in {spool}: run `health_simulate enroll` first.")
        rng = random.Random(options["seed"])
        try:
            # The simulated reader reads the platform's clock (a reader in the field sets its own from the
            # network): its readings are then never "in the future", whatever hour the platform believes it is.
            if action == "swipe":
                reader.swipe(options["count"], rng=rng, urgent_share=options["urgent"], now=timezone.now())
                self.stdout.write(self.describe(reader.status()))
            elif action == "upload":
                self.stdout.write(self.describe(reader.upload(batch=options["batch"])))
            elif action == "replay":
                self.stdout.write(self.describe(reader.replay(batch=options["batch"])))
            elif action == "run":
                for _ in range(options["times"]):
                    reader.swipe(options["count"], rng=rng, urgent_share=options["urgent"], now=timezone.now())
                    self.stdout.write(self.describe(reader.upload(batch=options["batch"])))
                    time.sleep(options["every"])
            else:
                self.stdout.write(self.describe(reader.status()))
        except ReaderError as err:
            raise CommandError(f"The platform refused the reader: {err}") from None

    @staticmethod
    def describe(counts: dict) -> str:
        words = ", ".join(f"{k} {v}" for k, v in counts.items() if k not in ("offline", "error"))
        if counts.get("offline"):
            words += f" — platform unreachable ({counts.get('error', '')}); the rest waits in the spool"
        return words

    def enroll(self, spool: str, options: dict) -> CardReader:
        """Register a device and issue cards through the services, as the named staff (audited)."""
        from timebank.health import services
        from timebank.health.models import CardStatus, HealthCard
        from timebank.lib.errors import DomainError, NotFound
        from timebank.orgs.models import Node, NodeKind
        from timebank.people.models import Person

        station_arg = options.get("station") or ""
        station = Node.objects.filter(Q(name=station_arg) | Q(pk=int(station_arg) if station_arg.isdigit() else None),
                                      kind=NodeKind.STATION).first()
        if station is None:
            raise CommandError("Give --station: a station's number or name.")

        def staff(mobile, flag):
            person = Person.objects.filter(mobile=mobile).first() if mobile else None
            if person is None:
                raise CommandError(f"Give {flag}: the mobile number of a staff member.")
            return person

        try:
            token = options.get("token")
            if not token:
                serial = f"SIM-{station.pk}-{int(time.time())}"
                _device, token = services.device_register(actor=staff(options.get("device_by"), "--device-by"),
                                                          station=station, serial=serial, model="health_simulate")
            issuer = staff(options.get("cards_by"), "--cards-by")
            uids = list(HealthCard.objects.filter(elder__node=station, status=CardStatus.ACTIVE)
                        .order_by("elder_id").values_list("uid", flat=True)[: options["elders"]])
            for elder in (Person.objects.filter(node=station, is_elder=True).exclude(
                    health_cards__status=CardStatus.ACTIVE).order_by("pk")[: max(0, options["elders"] - len(uids))]):
                uids.append(services.card_issue(actor=issuer, elder=elder, uid=f"SIM{elder.pk:08d}").uid)
        except NotFound:
            raise CommandError("--device-by must be a bank admin over the station and --cards-by staff who may "
                               "issue health cards there.") from None
        except DomainError as err:
            raise CommandError(f"{err.code}: {err.message}") from None
        if not uids:
            raise CommandError("This station has no elders to give cards to.")
        return CardReader.configure(spool, url=options["url"], token=token, uids=uids)
