"""The dry run: each messy-roster case one by one, and what it decides per row."""
import datetime as dt

from timebank.imports.models import ImportStatus

from .conftest import HEADER, id_for, outcomes, xlsx_bytes


def test_it_finds_the_header_below_a_title_row_and_skips_blank_rows_and_the_signature(world, upload):
    number = id_for()
    data = xlsx_bytes([
        HEADER,
        ["王秀英", number, "女", "1950-03-05", "13812345678", "政立路社区", "政立路1号"],
        [None, None, None],
        ["", "", ""],
        ["制表人：李红", None, None, "日期：2026-11-01"],
    ], title="2026年政立路社区老年人花名册")
    job = upload(data)
    assert job.status == ImportStatus.DRY_RUN
    assert outcomes(job) == {3: ("create", [])}
    assert (job.total_rows, job.create_count, job.skip_count, job.reject_count) == (1, 1, 0, 0)


def test_it_commits_the_valid_rows_and_a_second_import_creates_nobody_twice(world, upload):
    from timebank.imports.services import import_commit
    from timebank.people.models import Person

    rows = [HEADER, ["王秀英", id_for(), "女", "1950/3/5", "", "", ""],
            ["赵建国", id_for(dt.date(1944, 1, 2), "M"), "男", "", "", "", ""],
            ["无证号", "", "", "", "", "", ""]]
    data = xlsx_bytes(rows)
    job = upload(data)
    assert [o for o, _ in outcomes(job).values()] == ["create", "create", "reject"]
    job = import_commit(actor=world.station_staff, job=job)
    assert job.status == ImportStatus.COMMITTED and job.created_count == 2
    created = Person.objects.filter(name__in=["王秀英", "赵建国"], is_elder=True, node=world.station_a1)
    assert created.count() == 2
    again = upload(data)
    assert [o for o, _ in outcomes(again).values()] == ["skip", "skip", "reject"]
    assert outcomes(again)[2] == ("skip", ["already_registered"])
