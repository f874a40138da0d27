"""Roster import: upload and dry run (what each row would do and why), then commit every valid row
at once through the people services. Large files run both steps as background tasks."""
import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count
from django.utils import timezone

from timebank.audit.services import audit_record
from timebank.lib import field_crypto, resident_id
from timebank.lib.errors import DomainError, NotFound
from timebank.lib.masking import mask_id_number
from timebank.lib.mobile import is_valid_mobile
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.exceptions import ConsentRequired, DuplicatePerson, IdNumberInvalid, IdNumberMismatch
from timebank.people.models import Person
from timebank.people.services import people_register_many, people_registration_check

from . import roster as roster_file
from .exceptions import ImportFailed, ImportKindInvalid, ImportNotCommittable, ImportNothingToCreate, RosterUnreadable
from .models import ImportJob, ImportKind, ImportRow, ImportStatus, ImportUpload, RowOutcome

# Up to this many rows a dry run or a commit runs within the request; above, as a background task.
INLINE_ROWS = 2000
CHUNK = 1000


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _import_node(actor, node) -> Node:
    node_id = node.pk if isinstance(node, Node) else node
    found = (Node.objects.filter(pk=node_id, is_closed=False,
                                 kind__in=[NodeKind.BANK, NodeKind.BRANCH, NodeKind.STATION])
             .select_related("bank").first() if str(node_id or "").isdigit() else None)
    if found is None or not has_perm(actor, Perm.PEOPLE_EDIT, found):
        raise NotFound()
    return found


def import_upload(*, actor, kind: str, node, file_name: str, data: bytes, consent: bool) -> ImportJob:
    """Open the roster (a refusal writes nothing), store the job and run its dry run: here for a small
    file, in the background for a large one (the file is kept encrypted until the dry run has read it)."""
    if kind not in ImportKind.values:
        raise ImportKindInvalid()
    node = _import_node(actor, node)
    if not consent:
        raise ConsentRequired()
    roster = roster_file.open_roster(data, file_name)
    background = roster.estimated_rows > INLINE_ROWS
    with transaction.atomic():
        job = ImportJob.objects.create(
            bank=node.bank, node=node, actor=actor, kind=kind, file_name=(file_name or "roster")[:200],
            file_format=roster.file_format, encoding=roster.encoding, status=ImportStatus.CHECKING,
            progress_total=roster.estimated_rows)
        audit_record(actor=actor, action="import.uploaded", obj=job, node=node,
                     changes={"file": job.file_name, "kind": kind, "format": roster.file_format,
                              "encoding": roster.encoding, "rows": roster.estimated_rows})
        if background:
            ImportUpload.objects.create(job=job, content_encrypted=field_crypto.encrypt_bytes(data))
            transaction.on_commit(lambda: _enqueue_check(job.pk))
    if not background:
        _check_or_fail(job, roster)
    job.refresh_from_db()
    return job


def _enqueue_check(job_id: int) -> None:
    from .tasks import import_check_task

    import_check_task.enqueue(job_id)


def _enqueue_commit(job_id: int) -> None:
    from .tasks import import_commit_task

    import_commit_task.enqueue(job_id)


def import_check_run(job_id: int) -> ImportJob:
    """The background dry run: read the stored file, decide every row, then drop the file."""
    job = ImportJob.objects.select_related("bank", "node", "actor").get(pk=job_id)
    if job.status != ImportStatus.CHECKING:
        return job
    upload = ImportUpload.objects.filter(job=job).first()
    try:
        if upload is None:
            raise RosterUnreadable()
        roster = roster_file.open_roster(field_crypto.decrypt_bytes(upload.content_encrypted), job.file_name)
        _check_or_fail(job, roster)
    except DomainError as err:
        _fail(job, err)
    except Exception:
        _fail(job, ImportFailed())  # never left "checking" for good
        raise
    finally:
        ImportUpload.objects.filter(job=job).delete()
    job.refresh_from_db()
    return job


def _fail(job: ImportJob, err: DomainError) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, error_code=err.code,
                                               error_message=str(err.message)[:300])


def _check_or_fail(job: ImportJob, roster: roster_file.Roster) -> None:
    """The dry run; a file that turns out damaged below its header fails the job (its rows stay, unused)."""
    try:
        _check(job, roster)
    except DomainError as err:
        _fail(job, err)


class _Stations:
    """The open stations under the job's node, found by name or code."""

    def __init__(self, node: Node):
        self.default = node if node.kind == NodeKind.STATION else None
        self.by_name: dict[str, list[Node]] = {}
        self.by_code: dict[str, Node] = {}
        self.found: dict[str, tuple[Node | None, str]] = {}
        for station in Node.objects.filter(path__startswith=node.path, kind=NodeKind.STATION, is_closed=False):
            for name in {station.name.strip(), station.name_en.strip()} - {""}:
                self.by_name.setdefault(roster_file.header_key(name), []).append(station)
            if station.code.strip():
                self.by_code[station.code.strip().lower()] = station

    def find(self, raw: str) -> tuple[Node | None, str]:
        # A roster names a few dozen stations over thousands of rows: decide each name once.
        if raw not in self.found:
            self.found[raw] = self._find(raw)
        return self.found[raw]

    def _find(self, raw: str) -> tuple[Node | None, str]:
        if not raw:
            return self.default, "" if self.default else "station_missing"
        station = self.by_code.get(raw.lower())
        if station is not None:
            return station, ""
        found = self.by_name.get(roster_file.header_key(raw), [])
        if len(found) > 1:
            return None, "station_ambiguous"
        if not found:
            return None, "station_unknown"
        return found[0], ""


def _read_row(job: ImportJob, stations: _Stations, number: int, cells: dict) -> ImportRow:
    """The row's normalised values and the reasons that can be told from the row alone."""
    reasons = []
    name = roster_file.name_value(cells.get("name"))
    if not name:
        reasons.append("name_missing")
    elif len(name) > 50:
        reasons.append("name_invalid")
    id_number = roster_file.id_value(cells.get("id_number"))
    identity = None
    if not id_number:
        reasons.append("id_number_missing")
    else:
        try:
            identity = resident_id.parse(id_number)
        except resident_id.ResidentIdError as err:
            reasons.append(err.code)
    gender, understood = roster_file.gender_value(cells.get("gender"))
    if not understood:
        reasons.append("gender_invalid")
    birth, understood = roster_file.date_value(cells.get("birth_date"))
    if not understood:
        reasons.append("birth_date_invalid")
    if identity is not None:
        if birth and birth != identity.birth_date:
            reasons.append("birth_date_mismatch")
        if gender in ("M", "F") and gender != identity.sex:
            reasons.append("gender_mismatch")
    mobile = roster_file.mobile_value(cells.get("mobile"))
    if mobile and not is_valid_mobile(mobile):
        reasons.append("mobile_invalid")
    elif not mobile and job.kind == ImportKind.VOLUNTEERS:
        reasons.append("mobile_missing")
    emergency_phone = roster_file.mobile_value(cells.get("emergency_contact_phone"))
    if len(emergency_phone) > Person._meta.get_field("emergency_contact_phone").max_length:
        reasons.append("emergency_phone_invalid")
    station_text = roster_file.text(cells.get("station"))
    station, station_reason = stations.find(station_text)
    if station_reason:
        reasons.append(station_reason)
    row = ImportRow(
        job=job, number=number, outcome=RowOutcome.REJECT if reasons else RowOutcome.CREATE, reasons=reasons,
        name=name[:100], id_number_encrypted=field_crypto.encrypt(id_number) if id_number else "",
        id_number_hash=field_crypto.lookup_hash(identity.number) if identity else "",
        id_masked=mask_id_number(id_number)[:40], gender=gender,
        birth_date=birth.isoformat() if birth else roster_file.text(cells.get("birth_date"))[:32],
        mobile=mobile[:32], station=station, station_text=(station_text or (station.name if station else ""))[:100],
        address=roster_file.text(cells.get("address"))[:200],
        emergency_contact_name=roster_file.name_value(cells.get("emergency_contact_name"))[:50],
        emergency_contact_phone=emergency_phone[:32],
    )
    row.plain_id = identity.number if identity else ""
    return row


def _entry(job: ImportJob, row: ImportRow, id_number: str) -> dict:
    """The keyword arguments of a staff registration for this row."""
    return {
        "station": row.station_id, "name": row.name, "id_number": id_number, "mobile": row.mobile,
        "gender": row.gender if row.gender in ("M", "F") else "",
        "birth_date": dt.date.fromisoformat(row.birth_date) if row.birth_date else None,
        "address": row.address, "emergency_contact_name": row.emergency_contact_name,
        "emergency_contact_phone": row.emergency_contact_phone,
        "is_elder": job.kind == ImportKind.ELDERS, "is_volunteer": job.kind == ImportKind.VOLUNTEERS,
        "consent": True,
    }


def _refusal_code(err: DomainError) -> str:
    if isinstance(err, DuplicatePerson):
        return "already_registered"
    if isinstance(err, IdNumberInvalid):
        return err.detail.get("reason", err.code)
    if isinstance(err, IdNumberMismatch):
        return "gender_mismatch" if err.detail.get("field") == "gender" else "birth_date_mismatch"
    return err.code


def _check(job: ImportJob, roster: roster_file.Roster) -> None:
    """The dry run: decide each row, a chunk at a time, with one query per chunk for the people
    already registered and one people-service check for the rows that would be created."""
    stations = _Stations(job.node)
    seen_ids: set[str] = set()
    seen_mobiles: set[str] = set()
    counts = {RowOutcome.CREATE: 0, RowOutcome.SKIP: 0, RowOutcome.REJECT: 0}
    done = 0
    for chunk in _batched(roster.data_rows(), CHUNK):
        rows = [_read_row(job, stations, number, cells) for number, cells in chunk]
        hashes = [r.id_number_hash for r in rows if r.id_number_hash]
        # The `exclude` repeats the unique index's condition, so PostgreSQL can use that index.
        registered = set(Person.objects.filter(bank=job.bank, id_number_hash__in=hashes).exclude(id_number_hash="")
                         .values_list("id_number_hash", flat=True))
        for row in rows:
            if row.id_number_hash:
                if row.id_number_hash in seen_ids:
                    row.reasons.append("duplicate_in_file")
                seen_ids.add(row.id_number_hash)
            if row.mobile and "mobile_invalid" not in row.reasons:
                if row.mobile in seen_mobiles:
                    row.reasons.append("mobile_duplicate_in_file")
                seen_mobiles.add(row.mobile)
            if row.id_number_hash in registered:
                row.outcome, row.reasons = RowOutcome.SKIP, ["already_registered"]
            elif row.reasons:
                row.outcome = RowOutcome.REJECT
        clean = [r for r in rows if r.outcome == RowOutcome.CREATE]
        verdicts = people_registration_check(actor=job.actor, entries=[_entry(job, r, r.plain_id) for r in clean])
        for row, verdict in zip(clean, verdicts, strict=True):
            if isinstance(verdict, DomainError):
                code = _refusal_code(verdict)
                row.outcome = RowOutcome.SKIP if code == "already_registered" else RowOutcome.REJECT
                row.reasons = [code]
        ImportRow.objects.bulk_create(rows, batch_size=CHUNK)
        for row in rows:
            counts[row.outcome] += 1
        done += len(rows)
        ImportJob.objects.filter(pk=job.pk).update(
            progress_done=done, total_rows=done, create_count=counts[RowOutcome.CREATE],
            skip_count=counts[RowOutcome.SKIP], reject_count=counts[RowOutcome.REJECT])
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DRY_RUN, checked_at=timezone.now(),
                                               progress_done=done, progress_total=done, total_rows=done)
    audit_record(actor=job.actor, action="import.checked", obj=job, node=job.node, bank=job.bank,
                 changes={"rows": done, "create": counts[RowOutcome.CREATE], "skip": counts[RowOutcome.SKIP],
                          "reject": counts[RowOutcome.REJECT]})


def import_commit(*, actor, job: ImportJob) -> ImportJob:
    """Claim the job for commit (the job row is locked, so a second commit at the same time is
    refused), then register its valid rows: here for a small job, in the background for a large one."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("node").filter(pk=job.pk).first()
        if job is None or not has_perm(actor, Perm.PEOPLE_EDIT, job.node):
            raise NotFound()
        if job.status not in (ImportStatus.DRY_RUN, ImportStatus.FAILED) or job.checked_at is None:
            raise ImportNotCommittable(detail={"status": job.status})
        if job.create_count == 0:
            raise ImportNothingToCreate()
        job.status, job.committed_by = ImportStatus.COMMITTING, actor
        job.progress_done, job.progress_total, job.error_code, job.error_message = 0, job.create_count, "", ""
        job.save(update_fields=["status", "committed_by", "progress_done", "progress_total", "error_code",
                                "error_message"])
        background = job.create_count > INLINE_ROWS
        if background:
            transaction.on_commit(lambda: _enqueue_commit(job.pk))
    if background:
        job.refresh_from_db()
        return job
    return import_commit_run(job.pk)


class _ProgressWriter:
    """Progress of a long commit, written on a second connection so that the page can show it while
    the commit's own transaction is still open (PostgreSQL only; elsewhere it stays at the end)."""

    def __init__(self, job_id: int, enabled: bool):
        self.job_id = job_id
        self.conn = connections.create_connection(DEFAULT_DB_ALIAS) if enabled else None

    def write(self, done: int) -> None:
        if self.conn is not None:
            with self.conn.cursor() as cursor:
                cursor.execute("UPDATE imports_importjob SET progress_done = %s WHERE id = %s", [done, self.job_id])

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def import_commit_run(job_id: int) -> ImportJob:
    """Register every row still marked `create`, in one transaction, through the people services.
    Rows registered meanwhile become `skip`; if anything refuses the whole batch nothing is kept."""
    job = ImportJob.objects.select_related("bank", "node", "committed_by").get(pk=job_id)
    if job.status != ImportStatus.COMMITTING:
        return job
    nested = connection.in_atomic_block
    progress = _ProgressWriter(job.pk, enabled=not nested and connection.vendor == "postgresql")
    try:
        with transaction.atomic():
            created = _register_rows(job, progress)
            counts = dict(job.rows.values_list("outcome").annotate(n=Count("id")).order_by())
            job.status, job.committed_at, job.created_count = ImportStatus.COMMITTED, timezone.now(), created
            job.create_count, job.skip_count = counts.get(RowOutcome.CREATE, 0), counts.get(RowOutcome.SKIP, 0)
            job.reject_count, job.progress_done = counts.get(RowOutcome.REJECT, 0), job.progress_total
            job.save(update_fields=["status", "committed_at", "created_count", "create_count", "skip_count",
                                    "reject_count", "progress_done"])
            audit_record(actor=job.committed_by, action="import.committed", obj=job, node=job.node, bank=job.bank,
                         changes={"created": created, "skipped": job.skip_count, "rejected": job.reject_count})
    except DomainError as err:
        if nested:
            raise  # the caller's transaction undoes the claim as well
        _fail(job, err)
    except Exception:
        if not nested:
            _fail(job, ImportFailed())  # ends "committing" so that the job can be committed again
        raise
    finally:
        progress.close()
    job.refresh_from_db()
    return job


def _register_rows(job: ImportJob, progress: _ProgressWriter) -> int:
    created = done = last = 0
    # `job` among the loaded fields: the related manager reads it on every row it yields.
    pending = job.rows.filter(outcome=RowOutcome.CREATE).order_by("number").only(
        "pk", "job", "number", "name", "id_number_encrypted", "gender", "birth_date", "mobile", "station_id", "address",
        "emergency_contact_name", "emergency_contact_phone")
    # Page through the rows by number (index job, outcome, number): rows turned into skips stay behind.
    while rows := list(pending.filter(number__gt=last)[:CHUNK]):
        last = rows[-1].number
        entries = [_entry(job, r, field_crypto.decrypt(r.id_number_encrypted)) for r in rows]
        results = people_register_many(actor=job.committed_by, entries=entries)
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, DomainError):
                # Changed since the dry run (registered meanwhile, a mobile taken): the report says so.
                code = _refusal_code(result)
                row.outcome = RowOutcome.SKIP if code == "already_registered" else RowOutcome.REJECT
                row.reasons = [code]
                row.save(update_fields=["outcome", "reasons"])
            else:
                created += 1
        done += len(rows)
        progress.write(done)
    return created


def import_rejected_rows(*, actor, job: ImportJob, file_format: str) -> Iterator[tuple[ImportRow, str]]:
    """The rejected rows with their ID numbers as typed, to be corrected and uploaded again. The ID
    numbers are shown whole, so the download is audited."""
    if not has_perm(actor, Perm.PEOPLE_EDIT, job.node):
        raise NotFound()
    audit_record(actor=actor, action="import.rejected_downloaded", obj=job, node=job.node, bank=job.bank,
                 changes={"format": file_format, "rows": job.reject_count})
    rows = job.rows.filter(outcome=RowOutcome.REJECT).order_by("number")
    return ((row, field_crypto.decrypt(row.id_number_encrypted) if row.id_number_encrypted else "")
            for row in rows.iterator(chunk_size=CHUNK))
