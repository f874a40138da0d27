"""Moving one bank to another deployment: `bank_export` writes every row of one bank and its uploaded
files to one zip file with a manifest; `bank_import` checks that file whole, then loads it into a
platform that does not hold the bank, in one transaction (docs/OPERATIONS.md, "Moving one bank").

Every primary key is kept. The ledger's fingerprints (ledger/mac.py) and hash chain (ledger/chain.py)
cover the ids of transfers, accounts and people, so a remapped id would be a rewritten transfer. The
import therefore refuses a target that already holds any row with one of the file's ids: an empty
database after `migrate`, or a platform whose other banks' ids do not meet these.

Protected rows (transfers, seals, chain heads, audit events) are only ever inserted. Accounts are
inserted with zero totals and the database's own triggers add each transfer as it is inserted, in id
order, so the totals are rebuilt the way they were built; they must then equal the export's."""
import base64
import datetime as dt
import hashlib
import io
import json
import os
import time
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from timebank.ledger import chain, mac
from timebank.ledger.models import Account, ChainHead, Transfer, TransferStatus
from timebank.lib import field_crypto, partitions
from timebank.lib.storage import stored_files_removed
from timebank.orgs.models import Node, NodeKind
from timebank.people.models import Person

from .exceptions import BankExportRefused, BankFileRefused

FORMAT = "timebank-bank-export"
VERSION = 1
MANIFEST = "manifest.json"

# Every table's rows that belong to one bank: the lookup from a row to its bank node. Rows whose bank
# is empty (the platform node, grants and audit events at the platform) belong to the platform and stay.
BY_BANK: dict[str, str] = {
    "orgs.Node": "bank",  # the bank itself (it points to itself), its branches and stations
    "orgs.BankRules": "bank",
    "orgs.RoleGrant": "bank",
    "people.Person": "bank",  # the login users too (Person is AUTH_USER_MODEL), password hashes kept
    "people.ProxyLink": "bank",
    "people.ApiToken": "person__bank",
    "audit.AuditEvent": "bank",
    "audit.IdempotencyRecord": "actor__bank",
    "notices.Notice": "bank",
    "notices.NoticeCall": "bank",
    "notices.NoticePreference": "person__bank",
    "notices.PushSubscription": "person__bank",
    "ledger.Account": "bank",
    "ledger.Transfer": "bank",
    "ledger.ChainHead": "bank",
    "ledger.Seal": "bank",
    "ledger.CorrectionRequest": "bank",
    "ledger.GrantRequest": "bank",
    "ledger.LedgerRules": "bank",
    "demands.ServiceType": "bank",
    "demands.DemandSeries": "bank",
    "demands.Demand": "bank",
    "demands.Demand_elders": "demand__bank",
    "demands.Assignment": "demand__bank",
    "demands.VolunteerArea": "person__bank",
    "demands.DemandRules": "bank",
    "training.Course": "bank",
    "training.Session": "course__bank",
    "training.Signup": "session__course__bank",
    "training.Certificate": "bank",
    "training.TrainingRules": "bank",
    "teams.Team": "bank",
    "teams.Membership": "team__bank",
    "teams.TeamClaim": "team__bank",
    "teams.TeamRules": "bank",
    "honours.RecordCertificate": "bank",
    "honours.RecordCorrection": "bank",
    "honours.HonourRules": "bank",
    "rewards.RewardItem": "bank",
    "rewards.RewardOrder": "bank",
    "health.HealthCard": "bank",
    "health.Device": "bank",
    "health.Reading": "bank",
    "health.Thresholds": "bank",
    "health.Alert": "bank",
    "health.ProxyHealthConsent": "elder__bank",
    "suppliers.SupplierRules": "bank",
    "suppliers.Supplier": "bank",
    "suppliers.Supplier_areas": "supplier__bank",
    "suppliers.SupplierStatusChange": "supplier__bank",
    "suppliers.Licence": "supplier__bank",
    "suppliers.SupplierOffer": "supplier__bank",
    "suppliers.SupplierMember": "supplier__bank",
    "suppliers.SupplierOrder": "bank",
    "suppliers.GuaranteeOffer": "supplier__bank",
    "suppliers.SettlementLine": "bank",
    "suppliers.SupplierScore": "supplier__bank",
    "suppliers.ScoreEvent": "score__supplier__bank",
    "suppliers.Meeting": "bank",
    "suppliers.Meeting_suppliers": "meeting__bank",
    "suppliers.MeetingDecision": "meeting__bank",
    "complaints.Complaint": "bank",
    "complaints.ComplaintPhoto": "complaint__bank",
    "complaints.ComplaintStep": "complaint__bank",
    "broadcasts.Broadcast": "bank",
    "demands.Offer": "bank",
    "demands.OfferRequest": "offer__bank",
    # Coins between banks point into the peer bank (its member, its clearing leg): a bank that took part
    # in clearing is refused by the export's check of references into other banks.
    "clearing.CrossBankTransfer": "bank",
    "clearing.MemberMove": "bank",
    "clearing.NettingPosition": "bank",
    # Clearing with another deployment: a bank that took part holds a clearing account whose peer (the other
    # deployment's platform node) is outside the bank, so the export's reference check refuses it as well.
    "clearing.OutboundMessage": "bank",
    "clearing.InboundMessage": "bank",
    "stats.NodeDayRollup": "bank",
    "stats.NodeDayServiceRollup": "bank",
    "stats.TransferWatermark": "bank",
    "imports.ImportJob": "bank",
    "imports.ImportUpload": "job__bank",
    "imports.ImportRow": "job__bank",
    "webhooks.Endpoint": "bank",
    "webhooks.Delivery": "bank",
}

# Reference data every deployment makes for itself: not in the file, and no exported row points to it.
REFERENCE: dict[str, str] = {
    "contenttypes.ContentType": "made by migrate on every deployment (ids differ between deployments)",
    "auth.Permission": "made by migrate on every deployment (ids differ between deployments)",
}

# Tables left out on purpose, and why.
EXCLUDED: dict[str, str] = {
    "admin.LogEntry": "Django admin's log of this deployment's emergencies; the audit trail is the record that moves",
    "sessions.Session": "sign-ins do not move: people sign in again on the new platform",
    "axes.AccessAttempt": "failed sign-in counters of this deployment, keyed by user name and address",
    "axes.AccessAttemptExpiration": "failed sign-in counters of this deployment, keyed by user name and address",
    "axes.AccessFailureLog": "failed sign-in log of this deployment, keyed by user name and address",
    "axes.AccessLog": "sign-in log of this deployment, keyed by user name and address",
    "django_tasks_database.DBTaskResult": "this deployment's task queue: drain the worker before exporting; "
                                          "housekeeping enqueues the periodic jobs again on the target",
    "audit.RateBucket": "short-lived rate-limit counters of this deployment's public doors",
    "ops.Heartbeat": "this deployment's worker beats",
    "clearing.NettingRun": "the platform's daily netting (no bank of its own); a bank with netting positions has "
                           "cleared with other banks and is refused anyway",
    "clearing.PeerPlatform": "this deployment's pairing with another one (its address and key): each deployment "
                             "pairs itself (docs/OPERATIONS.md, \"Clearing with another deployment\")",
    "clearing.ReconciliationReport": "the platform's reconciliations with another deployment (no bank of its own)",
    "auth.Group": "Django groups are not used: roles are orgs.RoleGrant rows",
    "ledger.TransferKey": "made again by the database as the bank's transfers are inserted (the key trigger of "
                          "ledger migration 0013)",
    "health.ReadingKey": "made again by the database as the bank's readings are inserted (the key trigger of "
                         "health migration 0004)",
    "auth.Group_permissions": "Django groups are not used: roles are orgs.RoleGrant rows",
    # The two below must be empty for the bank: the export refuses otherwise (see MUST_BE_EMPTY).
    "people.Person_groups": "Django groups are not used: roles are orgs.RoleGrant rows",
    "people.Person_user_permissions": "Django per-user permissions are not used: roles are orgs.RoleGrant rows",
}
MUST_BE_EMPTY = {"people.Person_groups": "person__bank", "people.Person_user_permissions": "person__bank"}


def concrete_models() -> list[type[models.Model]]:
    """Every table Django manages (proxies and unmanaged models have no rows of their own)."""
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def unclassified() -> list[str]:
    """Tables that are neither exported by bank, reference data, nor excluded with a reason."""
    known = set(BY_BANK) | set(REFERENCE) | set(EXCLUDED)
    return sorted(m._meta.label for m in concrete_models() if m._meta.label not in known)


def exported_models() -> list[type[models.Model]]:
    """The exported tables in insert order: accounts before transfers (the totals triggers add each
    transfer to accounts that must already be there), transfers before seals and chain heads."""
    order = {label: i for i, label in enumerate(BY_BANK)}
    found = [m for m in concrete_models() if m._meta.label in order]
    return sorted(found, key=lambda m: order[m._meta.label])


def _columns(model) -> list[models.Field]:
    return list(model._meta.concrete_fields)


# --- values in the file ------------------------------------------------------------------------------

def _plain(value):
    """A column's value as JSON; times keep their microseconds (the ledger's fingerprints cover them)."""
    if value is None or isinstance(value, bool | int | float | str | dict | list):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__}")


_CONVERTED = {"DateTimeField", "DateField", "TimeField", "BinaryField", "UUIDField", "DecimalField"}


def _from_plain(column: models.Field, value):
    if value is None:
        return None
    kind = column.get_internal_type()
    if kind == "DateTimeField":
        return parse_datetime(value)
    if kind == "DateField":
        return dt.date.fromisoformat(value)
    if kind == "TimeField":
        return dt.time.fromisoformat(value)
    if kind == "BinaryField":
        return base64.b64decode(value)
    if kind == "UUIDField":
        return uuid.UUID(value)
    if kind == "DecimalField":
        return Decimal(value)
    return value


# --- the ledger's summary, the same on both sides ------------------------------------------------------

def ledger_summary(bank_id: int) -> dict:
    """What the import must reproduce: the posted totals per currency, the chain head and a digest of
    every account's four totals."""
    posted = Transfer.objects.filter(bank_id=bank_id, status=TransferStatus.POSTED)
    totals = {row["currency"]: {"posted_transfers": row["n"], "posted_amount": row["s"]}
              for row in posted.values("currency").annotate(n=Count("id"), s=Sum("amount")).order_by("currency")}
    digest, accounts = hashlib.sha256(), 0
    for row in (Account.objects.filter(bank_id=bank_id).order_by("id")
                .values_list("id", "posted_debits", "posted_credits", "pending_debits", "pending_credits").iterator()):
        digest.update((":".join(map(str, row)) + "\n").encode())
        accounts += 1
    head = ChainHead.objects.filter(bank_id=bank_id).values_list("seq", "hash").first()
    return {"totals": totals, "accounts": accounts, "account_totals_sha256": digest.hexdigest(),
            "chain_head": {"seq": head[0], "hash": head[1]} if head else None,
            "transfers": Transfer.objects.filter(bank_id=bank_id).count()}


def key_fingerprints() -> dict:
    """Short fingerprints of the keys the file's rows depend on (never the keys themselves)."""
    def fingerprint(secret: bytes) -> str:
        return hashlib.sha256(b"timebank-key-fingerprint:" + secret).hexdigest()[:16]

    return {"ledger": fingerprint(mac.key()), "lookup_hash": fingerprint(field_crypto._hash_key())}


def migration_state() -> dict:
    """The newest applied migration of each app: the file's columns are those of this schema."""
    state: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        state[app] = max(state.get(app, ""), name)
    return dict(sorted(state.items()))


# --- export ------------------------------------------------------------------------------------------

@dataclass
class ExportResult:
    bank: Node
    path: str
    rows: int = 0
    files: int = 0
    size: int = 0
    seconds: float = 0.0
    counts: dict = field(default_factory=dict)


def bank_find(ref: str) -> Node:
    """A bank by its code or node id."""
    banks = Node.objects.filter(kind=NodeKind.BANK)
    bank = banks.filter(code=ref).first() or (banks.filter(pk=int(ref)).first() if ref.isdigit() else None)
    if bank is None:
        raise BankExportRefused(_("No bank has the code or id %(ref)s.") % {"ref": ref}, code="bank_not_found")
    return bank


def _rows(model, bank_id: int):
    lookup = BY_BANK[model._meta.label]
    return model._base_manager.filter(**{f"{lookup}_id" if lookup.endswith("bank") else lookup: bank_id})


def _id_sets(bank: Node, exported) -> dict[str, set]:
    ids = {m._meta.label: set(_rows(m, bank.pk).values_list("pk", flat=True).iterator()) for m in exported}
    return ids


def _outside_refs(model, rows: list[tuple], columns, ids: dict[str, set], platform_id: int | None) -> list[str]:
    """References from these rows to rows that are not in the file (another bank's, or the platform's)."""
    problems = []
    for index, column in enumerate(columns):
        if not column.is_relation:
            continue
        target = column.related_model._meta.label
        allowed = ids.get(target)
        for row in rows:
            value = row[index]
            if value is None or (allowed is not None and value in allowed):
                continue
            if target == "orgs.Node" and value == platform_id:
                continue
            problems.append(f"{model._meta.label}.{column.name} of row {row[0]} → {target} {value}")
            if len(problems) >= 10:
                return problems
    return problems


def bank_export(*, bank: Node, out, chunk: int = 5000) -> ExportResult:
    """Write the bank's rows and files to `out` (a path or a binary file object); a refused export
    leaves no half-written file at that path."""
    try:
        return _export(bank, out, chunk)
    except BaseException:
        if isinstance(out, str | os.PathLike) and os.path.exists(out):
            os.remove(out)
        raise


def _export(bank: Node, out, chunk: int) -> ExportResult:
    if missing := unclassified():
        raise BankExportRefused(_("Tables with no rule for moving a bank: %(tables)s. Classify them in "
                                  "timebank/ops/bank_move.py first.") % {"tables": ", ".join(missing)},
                                code="unclassified_tables")
    started = time.perf_counter()
    result = ExportResult(bank=bank, path=str(out))
    exported = exported_models()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:  # one snapshot of every table, while the bank works
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for label, lookup in MUST_BE_EMPTY.items():
            if apps.get_model(label)._base_manager.filter(**{f"{lookup}_id": bank.pk}).exists():
                raise BankExportRefused(_("The bank has rows in %(table)s, which a move does not carry.")
                                        % {"table": label}, code="unsupported_rows")
        platform = bank.parent
        ids = _id_sets(bank, exported)
        parts: dict[str, dict] = {}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for model in exported:
                label, columns = model._meta.label, _columns(model)
                name = f"tables/{label}.jsonl"
                digest, count = hashlib.sha256(), 0
                with archive.open(name, "w", force_zip64=True) as part:
                    query = _rows(model, bank.pk).order_by("pk").values_list(*[c.attname for c in columns])
                    batch: list[tuple] = []
                    for row in query.iterator(chunk_size=chunk):
                        batch.append(row)
                        if len(batch) >= chunk:
                            count += _write_rows(model, batch, columns, ids, platform.pk, part, digest)
                            batch = []
                    count += _write_rows(model, batch, columns, ids, platform.pk, part, digest)
                parts[name] = {"table": label, "rows": count, "sha256": digest.hexdigest(),
                               "columns": [c.attname for c in columns]}
                result.counts[label] = count
                result.rows += count
            files = _export_files(bank, archive)
            result.files = len(files)
            manifest = {
                "format": FORMAT, "version": VERSION, "exported_at": timezone.now().isoformat(),
                "database": connection.vendor, "migrations": migration_state(), "keys": key_fingerprints(),
                "bank": {"id": bank.pk, "code": bank.code, "name": bank.name},
                "platform": {"id": platform.pk, "code": platform.code, "name": platform.name,
                             "row": [_plain(v) for v in Node.objects.filter(pk=platform.pk).values_list(
                                 *[c.attname for c in _columns(Node)]).get()]},
                "ledger": ledger_summary(bank.pk),
                "parts": parts, "files": files,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    if isinstance(out, str | os.PathLike):
        result.size = os.path.getsize(out)
    result.seconds = time.perf_counter() - started
    return result


def _write_rows(model, rows, columns, ids, platform_id, part, digest) -> int:
    if not rows:
        return 0
    if problems := _outside_refs(model, rows, columns, ids, platform_id):
        raise BankExportRefused(_("Rows of the bank point to rows outside it (another bank's or the platform's): "
                                  "%(refs)s") % {"refs": "; ".join(problems)}, code="outside_references")
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_plain).encode
    data = "".join(dumps(row) + "\n" for row in rows).encode()
    part.write(data)
    digest.update(data)
    return len(rows)


def _file_columns() -> list[tuple[type[models.Model], models.Field]]:
    return [(m, f) for m in exported_models() for f in _columns(m) if isinstance(f, models.FileField)]


def _export_files(bank: Node, archive: zipfile.ZipFile) -> dict:
    files = {}
    for model, column in _file_columns():
        for name in _rows(model, bank.pk).exclude(**{column.attname: ""}).values_list(column.attname, flat=True):
            if name in files:
                continue
            try:
                with default_storage.open(name, "rb") as stored:
                    data = stored.read()
            except FileNotFoundError:
                raise BankExportRefused(_("The uploaded file %(name)s is missing from the file store.")
                                        % {"name": name}, code="file_missing") from None
            archive.writestr(f"files/{name}", data)
            files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    return files


# --- import ------------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    bank_id: int
    code: str
    rows: int = 0
    files: int = 0
    seconds: float = 0.0
    resigned: int = 0
    ledger: dict = field(default_factory=dict)


def _refuse(message, code: str, **detail):
    raise BankFileRefused(message, code=code, detail=detail)


def read_checked(source) -> tuple[zipfile.ZipFile, dict]:
    """Open the file and check it whole: the manifest, every part's and file's hash and row count.
    Refuses a damaged, truncated or foreign file before anything is written."""
    try:
        archive = zipfile.ZipFile(source)
        manifest = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError, EOFError) as err:
        _refuse(_("The file is damaged or truncated (%(error)s). Nothing was written.") % {"error": err},
                "file_damaged")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        _refuse(_("This is not a bank export file. Nothing was written."), "not_a_bank_file")
    if not {"version", "bank", "platform", "migrations", "keys", "ledger", "parts", "files"} <= set(manifest):
        _refuse(_("This is not a bank export file. Nothing was written."), "not_a_bank_file")
    if manifest.get("version") != VERSION:
        _refuse(_("The file's format version %(version)s is not the one this release reads (%(ours)s). "
                  "Nothing was written.") % {"version": manifest.get("version"), "ours": VERSION}, "wrong_version")
    if any(part.get("table") not in BY_BANK for part in manifest["parts"].values()):
        _refuse(_("The file was written by another version of the schema: migrate both deployments to the same "
                  "release first. Nothing was written."), "schema_differs")
    names = set(archive.namelist())
    expected = set(manifest["parts"]) | {f"files/{n}" for n in manifest["files"]} | {MANIFEST}
    if names != expected:
        _refuse(_("The file's parts do not match its manifest (missing: %(missing)s; extra: %(extra)s). "
                  "Nothing was written.") % {"missing": ", ".join(sorted(expected - names)) or "-",
                                             "extra": ", ".join(sorted(names - expected)) or "-"}, "file_damaged")
    try:
        for name, part in manifest["parts"].items():
            digest, rows = hashlib.sha256(), 0
            with archive.open(name) as stream:
                while block := stream.read(1 << 20):
                    digest.update(block)
                    rows += block.count(b"\n")
            if digest.hexdigest() != part["sha256"] or rows != part["rows"]:
                _refuse(_("Part %(part)s of the file does not match its manifest: the file is damaged. "
                          "Nothing was written.") % {"part": name}, "file_damaged")
        for name, info in manifest["files"].items():
            if hashlib.sha256(archive.read(f"files/{name}")).hexdigest() != info["sha256"]:
                _refuse(_("The uploaded file %(part)s in the export is damaged. Nothing was written.")
                        % {"part": name}, "file_damaged")
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as err:  # a bad CRC or a cut-off stream
        _refuse(_("The file is damaged or truncated (%(error)s). Nothing was written.") % {"error": err},
                "file_damaged")
    return archive, manifest


def _check_target(manifest: dict, source_ledger_key: str | None) -> None:
    """The target must run the same schema and keys and hold nothing with the file's ids."""
    if manifest["migrations"] != migration_state():
        _refuse(_("The file was written by another version of the schema: migrate both deployments to the same "
                  "release first. Nothing was written."), "schema_differs")
    ours, theirs = key_fingerprints(), manifest["keys"]
    if theirs["lookup_hash"] != ours["lookup_hash"]:
        _refuse(_("This deployment's lookup-hash key (TIMEBANK_HASH_KEY) is not the one that wrote the file: "
                  "set the source's key. Nothing was written."), "keys_differ")
    if theirs["ledger"] != ours["ledger"] and not source_ledger_key:
        _refuse(_("This deployment's ledger key (TIMEBANK_LEDGER_KEY) is not the one that signed the file's "
                  "transfers: set the source's key, or give it with --source-ledger-key-env to have every "
                  "transfer checked with it and signed again with this deployment's key. Nothing was written."),
                "keys_differ")
    if source_ledger_key and _fingerprint_of(source_ledger_key) != theirs["ledger"]:
        _refuse(_("The source ledger key given is not the one that signed the file. Nothing was written."),
                "keys_differ")
    bank = manifest["bank"]
    if Node.objects.filter(pk=bank["id"]).exists() or (
            bank["code"] and Node.objects.filter(kind=NodeKind.BANK, code=bank["code"]).exists()):
        _refuse(_("This platform already holds the bank %(code)s. Nothing was written.") % {"code": bank["code"]},
                "bank_exists")
    platforms = list(Node.objects.filter(kind=NodeKind.PLATFORM, peer_platform__isnull=True).values_list("pk", flat=True)[:2])
    if len(platforms) > 1:
        _refuse(_("This deployment has more than one platform node. Nothing was written."), "many_platforms")


def _check_field_keys(archive, manifest, sample: int = 20) -> None:
    """Encrypted ID numbers are copied as they are: this deployment's field keys must open them."""
    name = "tables/people.Person.jsonl"
    if name not in manifest["parts"]:
        return
    index = manifest["parts"][name]["columns"].index("id_number_encrypted")
    tried = 0
    for row in _read_rows(archive, name):
        if not row[index]:
            continue
        try:
            field_crypto.decrypt(row[index])
        except InvalidToken:
            _refuse(_("This deployment's field keys (TIMEBANK_FIELD_KEYS) cannot open the file's encrypted ID "
                      "numbers: add the source's key. Nothing was written."), "keys_differ")
        tried += 1
        if tried >= sample:
            return


def _fingerprint_of(setting: str) -> str:
    return hashlib.sha256(b"timebank-key-fingerprint:" + mac._derive(setting)).hexdigest()[:16]


def _read_rows(archive, name: str):
    with archive.open(name) as stream:
        for line in io.TextIOWrapper(stream, encoding="utf-8"):
            yield json.loads(line)


def _clashes(archive, manifest) -> None:
    """Refuse before writing when a row with one of the file's primary keys (or a mobile number, which
    is unique on the platform) is already here."""
    for name, part in manifest["parts"].items():
        model = apps.get_model(part["table"])
        pk_index = part["columns"].index(model._meta.pk.attname)
        ids = [row[pk_index] for row in _read_rows(archive, name)]
        for start in range(0, len(ids), 900):
            if model._base_manager.filter(pk__in=ids[start:start + 900]).exists():
                _refuse(_("This database already holds %(table)s rows with the ids of the file's rows: import into "
                          "an empty platform, or one whose ids do not meet the file's. Nothing was written.")
                        % {"table": part["table"]}, "ids_taken", table=part["table"])
    part = manifest["parts"].get("tables/people.Person.jsonl")
    if part:
        index = part["columns"].index("mobile")
        mobiles = [row[index] for row in _read_rows(archive, "tables/people.Person.jsonl") if row[index]]
        for start in range(0, len(mobiles), 900):
            taken = list(Person.objects.filter(mobile__in=mobiles[start:start + 900]).values_list("mobile", flat=True)[:5])
            if taken:
                _refuse(_("People with these mobile numbers already sign in on this platform: %(mobiles)s. "
                          "Nothing was written.") % {"mobiles": ", ".join(taken)}, "mobiles_taken")
    for name, info in manifest["files"].items():
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as stored:
                if hashlib.sha256(stored.read()).hexdigest() != info["sha256"]:
                    _refuse(_("Another file named %(name)s is already in the file store. Nothing was written.")
                            % {"name": name}, "file_taken")


def _platform(manifest) -> int:
    """The platform node the bank hangs under here: this deployment's, or the source's row when
    there is none yet."""
    existing = Node.objects.filter(kind=NodeKind.PLATFORM, peer_platform__isnull=True).values_list("pk", flat=True).first()
    if existing is not None:
        return existing
    columns = _columns(Node)
    row = dict(zip([c.attname for c in columns], manifest["platform"]["row"], strict=True))
    values = {c.attname: _from_plain(c, row[c.attname]) for c in columns}
    _insert(Node, columns, [values])
    return values["id"]


def bank_import(*, source, source_ledger_key: str | None = None, chunk: int = 2000) -> ImportResult:
    """Check the file whole, then load it in one transaction; afterwards the bank's ledger must verify
    and equal the export's, or nothing stays written."""
    started = time.perf_counter()
    archive, manifest = read_checked(source)
    _check_target(manifest, source_ledger_key)
    _check_field_keys(archive, manifest)
    _clashes(archive, manifest)
    bank = manifest["bank"]
    result = ImportResult(bank_id=bank["id"], code=bank["code"])
    source_secret = mac._derive(source_ledger_key) if source_ledger_key else None
    written: list[str] = []
    try:
        with transaction.atomic():
            platform_id, source_platform = _platform(manifest), manifest["platform"]["id"]
            old_prefix, new_prefix = f"/{source_platform}/", f"/{platform_id}/"
            imported = []
            for name, part in manifest["parts"].items():
                model = apps.get_model(part["table"])
                imported.append(model)
                columns = _columns(model)
                if part["columns"] != [c.attname for c in columns]:
                    _refuse(_("The columns of %(table)s in the file are not this schema's. Nothing was written.")
                            % {"table": part["table"]}, "schema_differs")
                batch, converted = [], [(i, c) for i, c in enumerate(columns) if c.get_internal_type() in _CONVERTED]
                names = [c.attname for c in columns]
                # Rows that name the source's platform node (a branch's parent, an event at the platform)
                # name this deployment's.
                to_nodes = [i for i, c in enumerate(columns) if c.is_relation and c.related_model is Node]
                for row in _read_rows(archive, name):
                    for i, column in converted:
                        row[i] = _from_plain(column, row[i])
                    for i in to_nodes:
                        if row[i] == source_platform:
                            row[i] = platform_id
                    values = dict(zip(names, row, strict=True))
                    if model is Node:
                        values["path"] = new_prefix + values["path"][len(old_prefix):]
                    elif model is Account:  # the triggers rebuild the totals from the transfers
                        values.update(posted_debits=0, posted_credits=0, pending_debits=0, pending_credits=0)
                    elif model is Transfer and source_secret is not None:
                        values["mac"] = _resigned(values, source_secret)
                        result.resigned += 1
                    batch.append(values)
                    if len(batch) >= chunk:
                        _insert(model, columns, batch)
                        result.rows += len(batch)
                        batch = []
                _insert(model, columns, batch)
                result.rows += len(batch)
            for name in manifest["files"]:
                saved = default_storage.save(name, ContentFile(archive.read(f"files/{name}")))
                if saved != name:  # the same file was already there: the store chose another name
                    default_storage.delete(saved)
                else:
                    written.append(saved)
            result.files = len(manifest["files"])
            _check_constraints(imported)
            result.ledger = _check_ledger(bank["id"], manifest["ledger"])
            _advance_sequences(imported)
    except IntegrityError as err:
        stored_files_removed(default_storage, written)
        _refuse(_("The database refused the file's rows (%(error)s). Nothing was written.") % {"error": err},
                "rows_refused")
    except BaseException:
        stored_files_removed(default_storage, written)
        raise
    # New ids in this month's block again (the sequences were set past the imported ids), once the rows
    # are in: inside the import's transaction a partition it made would go with a rollback, the
    # sequence's move would not.
    partitions.roll(timezone.now())
    result.seconds = time.perf_counter() - started
    return result


def _resigned(values: dict, source_secret: bytes) -> str:
    """The transfer's fingerprint checked with the source's key, then written again with this
    deployment's (a fresh nonce; the hash chain does not cover fingerprints)."""
    row = [values[name] for name in mac.MAC_FIELDS]
    stored = values["mac"]
    nonce = mac.nonce_of(stored)
    written = stored[1 + mac.NONCE_HEX:][:mac.FULL_HEX]
    if (len(stored) != mac.LENGTH or stored[0] != mac.VERSION
            or mac.full(source_secret, nonce.encode(), mac.canonical(row)) != written):
        _refuse(_("Transfer %(id)s does not match its fingerprint under the source's ledger key. Nothing was written.")
                % {"id": values["id"]}, "transfer_tampered")
    return mac.compute(row)


# Parameters per INSERT: under SQLite's limit (32,766 since 3.32) and PostgreSQL's (65,535).
INSERT_PARAMETERS = 30_000


# Columns whose values from the file are already what the database driver takes.
_AS_READ = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
            "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "FloatField",
            "BooleanField", "CharField", "TextField", "SlugField", "URLField", "EmailField",
            "GenericIPAddressField", "ForeignKey", "OneToOneField"}


def _insert(model, columns, batch: list[dict]) -> None:
    """The rows as they are, with none of the model layer's per-row work: COPY on PostgreSQL, multi-row
    INSERTs on SQLite. The ledger's triggers see them as any insert (COPY fires them too)."""
    if not batch:
        return
    names = [c.attname for c in columns]
    prepared = [(i, c.get_db_prep_save) for i, c in enumerate(columns) if c.get_internal_type() not in _AS_READ]
    rows = []
    for values in batch:
        row = [values[name] for name in names]
        for i, save in prepared:
            row[i] = save(row[i], connection)
        rows.append(row)
    quote = connection.ops.quote_name
    table, column_list = quote(model._meta.db_table), ", ".join(quote(c.column) for c in columns)
    if model._meta.db_table in partitions.TABLES:  # the source's months may be older than this database
        partitions.ensure_for_ids(model._meta.db_table, [values["id"] for values in batch])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        size = max(1, min(1000, INSERT_PARAMETERS // len(columns)))
        for start in range(0, len(rows), size):
            part = rows[start:start + size]
            cursor.execute(f"INSERT INTO {table} ({column_list}) VALUES " + ", ".join([one] * len(part)),
                           [value for row in part for value in row])


def _check_constraints(imported) -> None:
    """Deferred foreign keys are checked now, inside the transaction, so a broken file is refused here."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        connection.check_constraints(table_names=[m._meta.db_table for m in imported])


def _check_ledger(bank_id: int, expected: dict) -> dict:
    report = chain.verify(bank_id)
    if not report.ok:
        _refuse(_("The imported ledger does not verify: %(problems)s. Nothing was written.")
                % {"problems": "; ".join(report.problems[:5])}, "ledger_mismatch")
    found = ledger_summary(bank_id)
    for key in ("totals", "accounts", "account_totals_sha256", "chain_head", "transfers"):
        if found[key] != expected[key]:
            _refuse(_("The imported ledger's %(what)s differ from the export's. Nothing was written.")
                    % {"what": key}, "ledger_mismatch", found=found[key], expected=expected[key])
    return found


def _advance_sequences(imported) -> None:
    """PostgreSQL's id sequences move past the imported ids (SQLite's AUTOINCREMENT does so itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), imported + [Node])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

