"""Re-encrypt every encrypted column with the newest field key (the first of TIMEBANK_FIELD_KEYS).

    python manage.py field_keys_rotate            # re-encrypt what an older key wrote; idempotent, resumable
    python manage.py field_keys_rotate --check    # count what the newest key did not write (exit 1 if any)
    python manage.py field_keys_rotate --rehash   # also recompute the lookup hashes with TIMEBANK_HASH_KEY

Rows go in batches, each its own transaction, so a stopped run just runs again. A value no key opens is
counted and named (model and id), never changed, and makes the command exit 1. See docs/SECURITY.md."""
import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from timebank.audit.services import audit_record
from timebank.lib import field_crypto, resident_id


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the newest key in TIMEBANK_FIELD_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="change nothing; count values not encrypted with the newest key (exit 1 if any)")
        parser.add_argument("--rehash", action="store_true",
                            help="also recompute the ID-number lookup hashes with TIMEBANK_HASH_KEY "
                                 "(only when moving to a new hash key)")
        parser.add_argument("--batch", type=int, default=1000, help="rows per transaction (default 1000)")

    def handle(self, *args, check=False, rehash=False, batch=1000, **options):
        if check and rehash:
            raise CommandError("--check changes nothing; run --rehash on its own.")
        started = time.perf_counter()
        totals = {"rotated": 0, "current": 0, "unreadable": 0, "rehashed": 0}
        hashed = {(label, column): hash_col for label, hash_col, column in field_crypto.HASHED_COLUMNS}
        for label, column, is_bytes in field_crypto.ENCRYPTED_COLUMNS:
            hash_column = hashed.get((label, column)) if rehash else None
            counts = self._column(apps.get_model(label), column, hash_column, empty=b"" if is_bytes else "",
                                  check=check, batch=max(1, batch))
            for key, value in counts.items():
                totals[key] += value
            self.stdout.write(f"{label}.{column}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        seconds = time.perf_counter() - started
        self.stdout.write(f"total: rotated {totals['rotated']}, already current {totals['current']}, "
                          f"unreadable {totals['unreadable']}, rehashed {totals['rehashed']} in {seconds:.1f} s")
        if not check and (totals["rotated"] or totals["rehashed"]):
            audit_record(actor=None, action="field_keys.rotated", changes={
                "rotated": totals["rotated"], "rehashed": totals["rehashed"], "unreadable": totals["unreadable"],
                "keys_in_force": len(field_crypto.field_keys())})
        if totals["unreadable"]:
            raise CommandError(f"{totals['unreadable']} value(s) could not be decrypted with any key in "
                               "TIMEBANK_FIELD_KEYS (named above); add the key that wrote them and run again.")
        if check and totals["rotated"]:
            raise CommandError(f"{totals['rotated']} value(s) are not yet encrypted with the newest key.")

    def _column(self, model, column: str, hash_column: str | None, *, empty, check: bool, batch: int) -> dict:
        counts = {"rotated": 0, "current": 0, "unreadable": 0}
        if hash_column:
            counts["rehashed"] = 0
        rows = model.objects.exclude(**{column: empty}).order_by("pk")
        last_pk = None
        while True:
            page = rows.filter(pk__gt=last_pk) if last_pk is not None else rows
            with transaction.atomic():
                chunk = list(page.select_for_update().only(*{"pk", column, hash_column or column})[:batch])
                if not chunk:
                    break
                last_pk = chunk[-1].pk
                changed, fields = [], [column] + ([hash_column] if hash_column else [])
                for obj in chunk:
                    value = getattr(obj, column)
                    if isinstance(value, memoryview):
                        value = value.tobytes()
                    dirty = False
                    if field_crypto.is_current(value):
                        counts["current"] += 1
                    else:
                        try:
                            new_value = field_crypto.rotate(value)
                        except field_crypto.InvalidToken:
                            counts["unreadable"] += 1
                            self.stderr.write(f"{model._meta.label} id {obj.pk}: {column} opens with no key")
                            continue
                        counts["rotated"] += 1
                        if not check:
                            setattr(obj, column, new_value)
                            dirty = True
                    if hash_column:
                        new_hash = _number_hash(field_crypto.decrypt(getattr(obj, column)))
                        if getattr(obj, hash_column) != new_hash:
                            setattr(obj, hash_column, new_hash)
                            counts["rehashed"] += 1
                            dirty = True
                    if dirty:
                        changed.append(obj)
                if changed and not check:
                    model.objects.bulk_update(changed, fields)
        return counts


def _number_hash(plain: str) -> str:
    """The lookup hash the services store for this number: of its normalised form, none if it is not valid."""
    try:
        return field_crypto.lookup_hash(resident_id.parse(plain).number)
    except resident_id.ResidentIdError:
        return ""
