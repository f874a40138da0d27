"""Roster import benchmark: a generated XLSX roster of 50,000 elders (a title row, a signature line,
1% bad rows) through the real services on PostgreSQL — open and dry run, then commit through the
people services in one transaction, then a re-import that must skip everyone. The reference, measured
in the same run, is the floor: `bulk_create` of as many ready-made Person rows (no checks, no
encryption, no audit), so `ratio_vs_bulk_insert` is how close the import gets to a bare insert."""
import datetime as dt
import io
import time

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["秀英", "桂英", "建国", "志强", "玉兰", "淑珍", "国华", "德明", "美华", "文彬", "丽娟", "春生"]


def _world(stations: int):
    from timebank.conftest import make_person
    from timebank.orgs.models import NodeKind
    from timebank.orgs.services import node_create, role_grant

    platform = node_create(actor=None, parent=None, kind=NodeKind.PLATFORM, name="import bench")
    bank = node_create(actor=None, parent=platform, kind=NodeKind.BANK, name="import bench bank")
    branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name="import bench branch")
    nodes = [node_create(actor=None, parent=branch, kind=NodeKind.STATION, name=f"第{i + 1}社区")
             for i in range(stations)]
    admin = make_person(nodes[0], "导入管理员", mobile="13911119999")
    role_grant(actor=None, person=admin, role="bank_admin", node=bank)
    return bank, branch, nodes, admin


def _roster(rows: int, stations: list) -> tuple[bytes, int]:
    """The workbook's bytes and how many rows are bad on purpose (a wrong check digit)."""
    from openpyxl import Workbook

    from timebank.lib.resident_id import compose

    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(["2026年老年人花名册（基准测试）"])
    sheet.append(["序号", "姓名", "身份证号", "性别", "出生日期", "手机号", "服务站", "住址"])
    bad = 0
    for i in range(rows):
        sex = "F" if i % 2 else "M"
        birth = dt.date(1936, 1, 1) + dt.timedelta(days=i % 9000)
        number = compose("310110", birth, i // 9000, sex)
        if i % 100 == 99:
            number = number[:17] + ("0" if number[17] != "0" else "1")
            bad += 1
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
        mobile = f"139 {i // 10000:04d} {i % 10000:04d}" if i % 3 else ""
        sheet.append([i + 1, name, number, "女" if sex == "F" else "男", f"{birth:%Y/%-m/%-d}", mobile,
                      stations[i % len(stations)].name, f"杨浦区{i % 500}弄{i % 40}号"])
    sheet.append(["制表人：基准", None, None, "日期：2026-11-24"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), bad


def _reference_insert_s(rows: int) -> float:
    """Insert as many Person rows with `bulk_create` (fields ready, nothing checked) in a bank of their own."""
    from django.db import transaction

    from timebank.orgs.models import Node, NodeKind
    from timebank.orgs.services import node_create
    from timebank.people.models import Person

    platform = Node.objects.get(kind=NodeKind.PLATFORM, name="import bench")
    bank = node_create(actor=None, parent=platform, kind=NodeKind.BANK, name="reference bank")
    branch = node_create(actor=None, parent=bank, kind=NodeKind.BRANCH, name="reference branch")
    station = node_create(actor=None, parent=branch, kind=NodeKind.STATION, name="reference station")
    people = [Person(name=f"ref{i}", bank=bank, node=station, is_elder=True, password="!",
                     id_number_hash=f"ref{i:061d}", id_tail="0000", id_masked="310110********0000",
                     mobile=f"137{i:08d}") for i in range(rows)]
    started = time.perf_counter()
    with transaction.atomic():
        Person.objects.bulk_create(people, batch_size=1000)
    return time.perf_counter() - started


def _server_cpu_s() -> float | None:
    """CPU seconds the PostgreSQL backend serving this connection has used (same machine, /proc)."""
    import os

    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _cpu() -> tuple[float, float | None]:
    return time.process_time(), _server_cpu_s()


def _used(before: tuple[float, float | None]) -> tuple[float, float | None]:
    client, server = _cpu()
    return client - before[0], (server - before[1]) if server is not None and before[1] is not None else None


def run(quick: bool = False) -> dict:
    import os

    from django.db import connection

    from timebank.imports import services
    from timebank.imports.models import ImportStatus
    from timebank.people.models import Person

    rows = 5_000 if quick else 50_000
    bank, branch, stations, admin = _world(34)
    data, bad = _roster(rows, stations)
    print(f"  roster: {rows:,} rows, {len(data) / 1e6:.1f} MB XLSX, {len(stations)} stations, {bad} bad on purpose",
          flush=True)
    reference_s = _reference_insert_s(rows)
    services.INLINE_ROWS = 10**9  # run the task bodies in this process, timed; the code is the same

    started, cpu = time.perf_counter(), _cpu()
    job = services.import_upload(actor=admin, kind="elders", node=branch, file_name="bench.xlsx", data=data,
                                 consent=True)
    dry_run_s, (dry_run_cpu_s, dry_run_db_cpu_s) = time.perf_counter() - started, _used(cpu)
    assert job.status == ImportStatus.DRY_RUN, job.error_message
    print(f"  dry run: {dry_run_s:.1f} s wall; CPU {dry_run_cpu_s:.1f} s here + {_fmt(dry_run_db_cpu_s)} s in "
          f"PostgreSQL ({job.create_count:,} to create, {job.reject_count:,} rejected)", flush=True)

    started, cpu = time.perf_counter(), _cpu()
    job = services.import_commit(actor=admin, job=job)
    commit_s, (commit_cpu_s, commit_db_cpu_s) = time.perf_counter() - started, _used(cpu)
    created = Person.objects.filter(bank=bank, is_elder=True).count()
    assert job.status == ImportStatus.COMMITTED and job.created_count == created == rows - bad, job.error_message
    print(f"  commit: {commit_s:.1f} s wall; CPU {commit_cpu_s:.1f} s here + {_fmt(commit_db_cpu_s)} s in "
          f"PostgreSQL ({job.created_count:,} registered through the people services)", flush=True)

    started = time.perf_counter()
    again = services.import_upload(actor=admin, kind="elders", node=branch, file_name="bench.xlsx", data=data,
                                   consent=True)
    recheck_s = time.perf_counter() - started
    assert again.skip_count == rows - bad and again.create_count == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('imports_importrow')")
        row_table_bytes = cursor.fetchone()[0]

    total_s = dry_run_s + commit_s
    load = os.getloadavg()[0]
    rate = rows / total_s
    reference_rate = rows / reference_s
    print(f"  roster import of {rows:,} rows: {total_s:.1f} s = {rate:,.0f} rows/s (target < 60 s); re-import "
          f"dry run {recheck_s:.1f} s, all skipped; bare bulk_create {reference_rate:,.0f} rows/s (reference); "
          f"ratio {rate / reference_rate:.3f}; load average {load:.1f} on {os.cpu_count()} CPUs", flush=True)
    return {"rows": rows, "file_bytes": len(data), "dry_run_s": round(dry_run_s, 2), "commit_s": round(commit_s, 2),
            "dry_run_cpu_s": round(dry_run_cpu_s, 2), "commit_cpu_s": round(commit_cpu_s, 2),
            "dry_run_db_cpu_s": _round(dry_run_db_cpu_s), "commit_db_cpu_s": _round(commit_db_cpu_s),
            "total_s": round(total_s, 2), "rows_per_s": round(rate), "created": job.created_count,
            "rejected": job.reject_count, "reimport_dry_run_s": round(recheck_s, 2),
            "reference_insert_rows_per_s": round(reference_rate), "ratio_vs_bulk_insert": round(rate / reference_rate, 3),
            "row_table_bytes": row_table_bytes, "load_average": round(load, 1),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _fmt(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
