"""Moving one bank (issue 20 §3): `bank_export` writes bank A of a platform that also holds bank B;
after the database is emptied (as a fresh one after `migrate`), `bank_import` loads it with every id,
balance, chain link and sign-in as they were, and nothing of bank B. A damaged, truncated or second
file is refused with nothing written."""
import io
import json
import zipfile

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from timebank.complaints.models import Complaint, ComplaintPhoto
from timebank.devdata.district import DEMO_PASSWORD
from timebank.ledger import chain, services
from timebank.ledger.models import Account, AccountKind, ChainHead, Transfer, TransferKind
from timebank.ops import bank_move
from timebank.ops.exceptions import BankExportRefused, BankFileRefused
from timebank.orgs.models import Node, NodeKind
from timebank.orgs.services import node_create
from timebank.people.models import Person


def test_every_table_is_moved_with_its_bank_or_is_reference_data_or_is_left_out_with_a_reason(db):
    assert bank_move.unclassified() == [], "classify the new tables in timebank/ops/bank_move.py"
    labels = {m._meta.label for m in bank_move.concrete_models()}
    moved, reference, excluded = set(bank_move.BY_BANK), set(bank_move.REFERENCE), set(bank_move.EXCLUDED)
    assert not (moved & reference or moved & excluded or reference & excluded)
    assert moved | reference | excluded == labels, "a classified table no longer exists"
    assert all(reason.strip() for reason in {**bank_move.REFERENCE, **bank_move.EXCLUDED}.values())
    for model in bank_move.exported_models():  # every lookup reaches a bank
        assert bank_move._rows(model, 0).count() == 0


def test_a_bank_whose_rows_point_into_another_bank_is_not_exported_and_no_file_is_left(world, tmp_path):
    other = node_create(actor=None, parent=world.platform, kind=NodeKind.BANK, name="虹口区")
    Person.objects.filter(pk=world.elder.pk).update(node=other)
    path = tmp_path / "bank.zip"
    with pytest.raises(BankExportRefused) as refusal:
        bank_move.bank_export(bank=world.bank, out=path)
    assert refusal.value.code == "outside_references"
    assert f"people.Person.node of row {world.elder.pk}" in str(refusal.value.message)
    assert not path.exists()


def two_banks(tmp_path, settings) -> tuple[Node, Node]:
    """Bank A: the demo district with a complaint photo in the file store; bank B: a small city."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=io.StringIO())
    call_command("generate_city", members=60, demands=20, transfers=300, bank_code="city", stdout=io.StringIO())
    a = Node.objects.get(kind=NodeKind.BANK, code="yangpu")
    b = Node.objects.get(kind=NodeKind.BANK, code="city")
    complaint = Complaint.objects.filter(bank=a).first()
    name = default_storage.save("complaints/2026/12/photo.jpg", ContentFile(b"\xff\xd8 a photo \xff\xd9"))
    ComplaintPhoto.objects.create(complaint=complaint, image=name, content_type="image/jpeg", size=14)
    chain.seal_all(now=Transfer.objects.order_by("-created_at").first().created_at + chain.SEAL_MARGIN)
    return a, b


def bank_state(bank_id: int) -> dict:
    return {
        "counts": {m._meta.label: bank_move._rows(m, bank_id).count() for m in bank_move.exported_models()},
        "balances": list(Account.objects.filter(bank_id=bank_id).order_by("id").values_list(
            "id", "posted_debits", "posted_credits", "pending_debits", "pending_credits")),
        "head": ChainHead.objects.filter(bank_id=bank_id).values_list("seq", "hash").first(),
        "mobiles": set(Person.objects.filter(bank_id=bank_id).exclude(mobile=None).values_list("mobile", flat=True)),
    }


def emptied() -> None:
    """The database as `migrate` leaves it (the test database keeps its schema and migrations)."""
    call_command("flush", interactive=False, verbosity=0)
    assert not Node.objects.exists() and not Transfer.objects.exists()


def test_it_moves_bank_a_into_an_empty_platform_with_its_ids_balances_chain_and_sign_ins(
        transactional_db, tmp_path, settings, api_client):
    a, b = two_banks(tmp_path, settings)
    before = bank_state(a.pk)
    b_mobiles = set(Person.objects.filter(bank=b).exclude(mobile=None).values_list("mobile", flat=True))
    assert before["head"] and before["counts"]["ledger.Transfer"] > 100 and b_mobiles
    path = tmp_path / "yangpu.zip"
    out = io.StringIO()
    call_command("bank_export", "yangpu", out=str(path), stdout=out)
    assert "1 files" in out.getvalue() and f"({path.stat().st_size:,} bytes)" in out.getvalue()

    with zipfile.ZipFile(path) as archive:  # nothing of bank B is in the file
        manifest = json.loads(archive.read("manifest.json"))
        for name, part in manifest["parts"].items():
            columns = part["columns"]
            rows = [json.loads(line) for line in archive.read(name).splitlines()]
            assert len(rows) == before["counts"][part["table"]]
            if "bank_id" in columns and bank_move.BY_BANK[part["table"]] == "bank":
                assert {row[columns.index("bank_id")] for row in rows} <= {a.pk}
            if part["table"] == "people.Person":
                assert not {row[columns.index("mobile")] for row in rows} & b_mobiles

    emptied()
    settings.MEDIA_ROOT = tmp_path / "media-target"
    imported = bank_move.bank_import(source=io.BytesIO(path.read_bytes()))

    assert bank_state(a.pk) == before
    assert not Node.objects.filter(code="city").exists() and not Person.objects.filter(mobile__in=b_mobiles).exists()
    assert imported.ledger["chain_head"] == {"seq": before["head"][0], "hash": before["head"][1]}
    call_command("verify_ledger", stdout=io.StringIO())  # raises on any mismatch
    photo = ComplaintPhoto.objects.get()
    assert photo.image.read() == b"\xff\xd8 a photo \xff\xd9"
    admin = Person.objects.get(mobile="13900000001")
    api_client.login_as(admin, password=DEMO_PASSWORD)
    assert api_client.get("/api/v1/me").status_code == 200
    # New rows take new ids (PostgreSQL's sequences were moved past the imported ones).
    issuance = services.system_account(Node.objects.get(kind=NodeKind.BRANCH, bank=a, code="jiangpulu"),
                                       AccountKind.ISSUANCE)
    member = Account.objects.filter(bank=a, kind=AccountKind.MEMBER, currency="time").first()
    transfer = services.transfer_post(debit=issuance, credit=member, amount=30, kind=TransferKind.GRANT)
    assert transfer.pk > max(row[0] for row in Transfer.objects.exclude(pk=transfer.pk).values_list("pk"))
    assert chain.verify(a.pk).ok


def rewritten(path, target, change) -> None:
    """A copy of the file whose manifest `change` edits (its parts untouched)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            copy.writestr(item, data)


def test_a_damaged_truncated_or_second_file_is_refused_and_nothing_is_written(
        transactional_db, tmp_path, settings):
    a, _ = two_banks(tmp_path, settings)
    path = tmp_path / "yangpu.zip"
    bank_move.bank_export(bank=a, out=path)
    emptied()
    settings.MEDIA_ROOT = tmp_path / "media-target"
    data = path.read_bytes()

    def refused(content: bytes, code: str):
        with pytest.raises(BankFileRefused) as refusal:
            bank_move.bank_import(source=io.BytesIO(content))
        assert refusal.value.code == code
        assert not Node.objects.exists() and not Person.objects.exists() and not Transfer.objects.exists()
        assert not (tmp_path / "media-target").exists() or not any((tmp_path / "media-target").rglob("*.jpg"))

    refused(data[: len(data) * 2 // 3], "file_damaged")
    (tmp_path / "cut.zip").write_bytes(data[:-100])
    with pytest.raises(CommandError, match="file_damaged"):
        call_command("bank_import", str(tmp_path / "cut.zip"))
    with zipfile.ZipFile(path) as archive:  # one byte inside the transfers' compressed part flipped
        offset = archive.getinfo("tables/ledger.Transfer.jsonl").header_offset
    name_length, extra_length = int.from_bytes(data[offset + 26:offset + 28], "little"), \
        int.from_bytes(data[offset + 28:offset + 30], "little")
    start = offset + 30 + name_length + extra_length + 20
    refused(data[:start] + bytes([data[start] ^ 0x01]) + data[start + 1:], "file_damaged")

    # A manifest whose ledger disagrees with the rows: loaded, checked, refused, rolled back.
    def other_totals(manifest):
        manifest["ledger"]["account_totals_sha256"] = "0" * 64
    rewritten(path, tmp_path / "other.zip", other_totals)
    refused((tmp_path / "other.zip").read_bytes(), "ledger_mismatch")

    bank_move.bank_import(source=io.BytesIO(data))
    people = Person.objects.count()
    with pytest.raises(BankFileRefused) as second:
        bank_move.bank_import(source=io.BytesIO(data))
    assert second.value.code == "bank_exists" and Person.objects.count() == people


def test_a_target_platform_with_another_id_and_keys_takes_the_bank_under_it_and_signs_it_again(
        transactional_db, tmp_path, settings):
    a, _ = two_banks(tmp_path, settings)
    path = tmp_path / "yangpu.zip"
    bank_move.bank_export(bank=a, out=path)
    source_key, source_platform = settings.TIMEBANK_LEDGER_KEY, a.parent_id
    emptied()
    target = Node.objects.create(pk=source_platform + 9000, kind=NodeKind.PLATFORM, name="新平台",
                                 path=f"/{source_platform + 9000}/")
    settings.MEDIA_ROOT = tmp_path / "media-target"
    settings.TIMEBANK_LEDGER_KEY = "the target platform's own ledger key"
    source_field_keys, settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS, [Fernet.generate_key().decode()]
    with pytest.raises(BankFileRefused) as other_field_keys:  # the ID numbers could not be read here
        bank_move.bank_import(source=io.BytesIO(path.read_bytes()), source_ledger_key=source_key)
    assert other_field_keys.value.code == "keys_differ"
    settings.FIELD_ENCRYPTION_KEYS = source_field_keys

    with pytest.raises(BankFileRefused) as refusal:
        bank_move.bank_import(source=io.BytesIO(path.read_bytes()))
    assert refusal.value.code == "keys_differ" and not Transfer.objects.exists()
    with pytest.raises(BankFileRefused) as wrong:
        bank_move.bank_import(source=io.BytesIO(path.read_bytes()), source_ledger_key="not the source's key")
    assert wrong.value.code == "keys_differ"

    result = bank_move.bank_import(source=io.BytesIO(path.read_bytes()), source_ledger_key=source_key)
    assert result.resigned == Transfer.objects.count() > 0
    assert chain.verify(a.pk).ok
    bank = Node.objects.get(pk=a.pk)
    assert bank.parent_id == target.pk and bank.path == f"/{target.pk}/{a.pk}/"
    assert not Node.objects.exclude(pk=target.pk).exclude(path__startswith=bank.path).exists()
