"""Committing an import: everything valid at once through the people services, never twice."""
import datetime as dt

import pytest

from timebank.audit.models import AuditEvent
from timebank.conftest import run_threads
from timebank.imports import services
from timebank.imports.exceptions import ImportNotCommittable
from timebank.imports.models import ImportJob, ImportStatus, ImportUpload
from timebank.lib.errors import DomainError
from timebank.people.models import Person, VolunteerStatus

from .conftest import HEADER, id_for, outcomes, xlsx_bytes


def _roster(count=3, start=0):
    return xlsx_bytes([HEADER] + [[f"老人{start + i}", id_for(dt.date(1940, 1, 1) + dt.timedelta(days=start + i)), "",
                                   "", "", "", "政立路社区"] for i in range(count)]
                      + [["", "", "", "", "", "", ""], ["无证号", "", "", "", "", "", ""]])


def test_commit_registers_each_valid_row_through_the_people_service(world, upload):
    job = upload(_roster(3))
    job = services.import_commit(actor=world.station_staff, job=job)
    assert (job.status, job.created_count, job.create_count, job.reject_count) == (ImportStatus.COMMITTED, 3, 3, 1)
    people = Person.objects.filter(name__startswith="老人")
    assert people.count() == 3
    assert all(p.is_elder and p.node_id == world.station_a1.pk and p.id_number_encrypted and p.consent_at
               for p in people)
    assert AuditEvent.objects.filter(action="person.registered", object_id__in=[str(p.pk) for p in people],
                                     actor=world.station_staff).count() == 3
    assert AuditEvent.objects.filter(action="import.committed", object_id=str(job.pk)).exists()


def test_importing_the_same_file_again_creates_nobody_twice(world, upload):
    data = _roster(3)
    services.import_commit(actor=world.station_staff, job=upload(data))
    again = upload(data)
    assert [o for o, _ in outcomes(again).values()] == ["skip", "skip", "skip", "reject"]
    with pytest.raises(DomainError) as refused:
        services.import_commit(actor=world.station_staff, job=again)
    assert refused.value.code == "import_nothing_to_create"
    assert Person.objects.filter(name__startswith="老人").count() == 3


def test_rows_registered_between_dry_run_and_commit_become_skip(world, upload):
    data = _roster(2)
    first, second = upload(data), upload(data)
    services.import_commit(actor=world.station_staff, job=first)
    second = services.import_commit(actor=world.station_staff, job=second)
    assert (second.status, second.created_count, second.skip_count) == (ImportStatus.COMMITTED, 0, 2)
    assert Person.objects.filter(name__startswith="老人").count() == 2


def test_a_second_commit_is_refused(world, upload):
    job = services.import_commit(actor=world.station_staff, job=upload(_roster(1)))
    with pytest.raises(ImportNotCommittable):
        services.import_commit(actor=world.station_staff, job=job)


def test_volunteers_wait_for_approval_when_the_bank_asks_for_it(world, upload):
    rows = [HEADER, ["志愿者甲", id_for(dt.date(1970, 1, 1)), "", "", "13911112222", "", ""]]
    job = services.import_commit(actor=world.station_staff, job=upload(xlsx_bytes(rows), kind="volunteers"))
    person = Person.objects.get(name="志愿者甲")
    assert job.created_count == 1 and person.is_volunteer and not person.is_elder
    assert person.volunteer_status == VolunteerStatus.PENDING and person.mobile == "13911112222"


def test_a_large_file_is_checked_and_committed_in_the_background_with_progress(world, upload, monkeypatch,
                                                                                django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "INLINE_ROWS", 2)
    monkeypatch.setattr(services, "CHUNK", 2)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = upload(_roster(5))
    assert job.status == ImportStatus.CHECKING and job.progress_total >= 5
    assert ImportUpload.objects.filter(job=job).exists()  # kept (encrypted) until the task has read it
    for callback in queued:
        callback()  # the immediate task backend runs the dry run now
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.create_count, job.progress_done) == (ImportStatus.DRY_RUN, 6, 5, 6)
    assert not ImportUpload.objects.filter(job=job).exists()
    with django_capture_on_commit_callbacks(execute=True):
        claimed = services.import_commit(actor=world.branch_admin, job=job)
    assert claimed.status == ImportStatus.COMMITTING
    job.refresh_from_db()
    assert (job.status, job.created_count, job.progress_done, job.committed_by) == \
        (ImportStatus.COMMITTED, 5, 5, world.branch_admin)


def test_concurrent_commits_of_one_job_register_everyone_once(postgres_only, world, upload):
    job = upload(_roster(20))
    results = run_threads(6, lambda i: services.import_commit(actor=world.station_staff, job=job))
    committed = [r for r in results if isinstance(r, ImportJob)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(committed) == 1 and committed[0].created_count == 20
    assert {r.code for r in refused} == {"import_not_committable"} and len(refused) == 5
    assert Person.objects.filter(name__startswith="老人").count() == 20
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.COMMITTED


def test_a_background_commit_shows_its_progress_while_its_transaction_is_open(postgres_only, world, upload,
                                                                              monkeypatch):
    import threading

    from django.db import connection

    monkeypatch.setattr(services, "INLINE_ROWS", 2)
    monkeypatch.setattr(services, "CHUNK", 2)
    job = upload(_roster(6))  # checked at once: the test runs in autocommit, the task backend is immediate
    assert job.status == ImportStatus.DRY_RUN
    seen = []
    original = services.people_register_many

    def watching(**kwargs):
        def look():
            seen.append(ImportJob.objects.values_list("progress_done", flat=True).get(pk=job.pk))
            connection.close()

        reader = threading.Thread(target=look)
        reader.start()
        reader.join()
        return original(**kwargs)

    monkeypatch.setattr(services, "people_register_many", watching)
    services.import_commit(actor=world.station_staff, job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTED and job.created_count == 6
    assert seen == [0, 2, 4]  # another connection saw each chunk's progress before the commit ended
    assert Person.objects.filter(name__startswith="老人").count() == 6


def test_dry_run_and_commit_use_a_few_queries_per_chunk_not_per_row(world, upload, django_assert_max_num_queries):
    data = _roster(60)
    with django_assert_max_num_queries(25):
        job = upload(data)
    with django_assert_max_num_queries(25):
        job = services.import_commit(actor=world.station_staff, job=job)
    assert job.created_count == 60
