"""Production refuses the public secret; field keys rotate (first encrypts, all decrypt); the lookup hash stays."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings

from timebank.conftest import make_person
from timebank.imports.models import ImportJob, ImportRow, ImportUpload
from timebank.lib import field_crypto, keys
from timebank.people.models import Person

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"DJANGO_SECRET_KEY": "s" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz",
        "TIMEBANK_FIELD_KEYS": Fernet.generate_key().decode(),
        "TIMEBANK_HASH_KEY": "h" * 10 + "0123456789abcdefghijklmnopqrstuvwxyz",
        "TIMEBANK_LEDGER_KEY": "l" * 10 + "0123456789abcdefghijklmnopqrstuvwxyz"}


def _start(extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_SECRET_KEY", "TIMEBANK_FIELD_KEYS", "TIMEBANK_FIELD_KEY", "TIMEBANK_HASH_KEY",
                        "TIMEBANK_LEDGER_KEY"}}
    env.update({"DJANGO_SETTINGS_MODULE": "timebank.settings", **extra})
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_production_refuses_to_start_on_the_public_secret_key():
    result = _start({"DJANGO_DEBUG": "false"})
    assert result.returncode != 0 and "started" not in result.stdout
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert "TIMEBANK_FIELD_KEYS is not set" in result.stderr and "TIMEBANK_HASH_KEY is not set" in result.stderr
    assert "TIMEBANK_LEDGER_KEY is not set" in result.stderr


def test_production_starts_with_its_own_keys_and_development_with_none():
    assert _start({"DJANGO_DEBUG": "false", **GOOD}).stdout.strip() == "started"
    assert _start({"DJANGO_DEBUG": "true"}).stdout.strip() == "started"


@pytest.mark.parametrize("change,problem", [
    ({"DJANGO_SECRET_KEY": keys.DEV_SECRET_KEY}, "DJANGO_SECRET_KEY is not set"),
    ({"DJANGO_SECRET_KEY": "short-key"}, "too weak"),
    ({"TIMEBANK_FIELD_KEYS": "not-a-fernet-key"}, "key 1 is not a Fernet key"),
    ({"TIMEBANK_HASH_KEY": ""}, "TIMEBANK_HASH_KEY is not set"),
    ({"TIMEBANK_HASH_KEY": GOOD["DJANGO_SECRET_KEY"]}, "must differ from DJANGO_SECRET_KEY"),
    ({"TIMEBANK_FIELD_KEYS": GOOD["DJANGO_SECRET_KEY"]}, "not a Fernet key"),
    ({"TIMEBANK_LEDGER_KEY": ""}, "TIMEBANK_LEDGER_KEY is not set"),
    ({"TIMEBANK_LEDGER_KEY": "short"}, "TIMEBANK_LEDGER_KEY is too short"),
    ({"TIMEBANK_LEDGER_KEY": GOOD["TIMEBANK_HASH_KEY"]}, "TIMEBANK_LEDGER_KEY must differ"),
])
def test_each_weak_or_shared_production_key_is_named(change, problem):
    with pytest.raises(ImproperlyConfigured, match=problem) as err:
        keys.load({**GOOD, **change}, debug=False)
    assert GOOD["TIMEBANK_FIELD_KEYS"] not in str(err.value)  # never echoes a key


def test_the_older_single_key_variable_is_still_read():
    key = Fernet.generate_key().decode()
    loaded = keys.load({**GOOD, "TIMEBANK_FIELD_KEYS": "", "TIMEBANK_FIELD_KEY": key}, debug=False)
    assert loaded.field_keys == [key]


def test_development_runs_on_derived_keys():
    loaded = keys.load({}, debug=True)
    assert loaded.secret_key == keys.DEV_SECRET_KEY and loaded.field_keys == [] and loaded.hash_key == ""


def test_the_first_key_encrypts_and_every_key_decrypts():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        token = field_crypto.encrypt("11010519491231002X")
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        assert field_crypto.decrypt(token) == "11010519491231002X"
        assert not field_crypto.is_current(token)
        assert field_crypto.is_current(field_crypto.encrypt("x"))
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]), pytest.raises(field_crypto.InvalidToken):
        field_crypto.decrypt(token)


def test_the_lookup_hash_does_not_follow_the_field_keys_or_the_secret_key():
    with override_settings(LOOKUP_HASH_KEY="h" * 40, FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        before = field_crypto.lookup_hash("11010519491231002X")
    with override_settings(LOOKUP_HASH_KEY="h" * 40, FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()],
                           SECRET_KEY="another-secret-key-" * 4):
        assert field_crypto.lookup_hash("11010519491231002X") == before


def _import_job(world):
    return ImportJob.objects.create(bank=world.bank, node=world.branch_a, actor=world.station_staff,
                                    kind="elders", file_name="roster.xlsx", file_format="xlsx")


def test_rotation_re_encrypts_every_encrypted_column_and_keeps_the_hashes(world, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old], LOOKUP_HASH_KEY="h" * 40):
        person = make_person(world.station_a1, "旋转", is_elder=True)
        job = _import_job(world)
        upload = ImportUpload.objects.create(job=job, content_encrypted=field_crypto.encrypt_bytes(b"PK roster"))
        row = ImportRow.objects.create(job=job, number=2, outcome="create", name="行",
                                       id_number_encrypted=field_crypto.encrypt(person.plain_id_number),
                                       id_number_hash=field_crypto.lookup_hash(person.plain_id_number))
        hash_before = Person.objects.get(pk=person.pk).id_number_hash
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old], LOOKUP_HASH_KEY="h" * 40):
        # The other personas were written with the development key: add it so that they open too.
        with override_settings(FIELD_ENCRYPTION_KEYS=[new, old, keys.legacy_field_key(keys.DEV_SECRET_KEY)]):
            with pytest.raises(CommandError, match="not yet encrypted with the newest key"):
                call_command("field_keys_rotate", "--check")
            call_command("field_keys_rotate", "--batch", "2")
            out = capsys.readouterr().out
            assert "unreadable 0" in out and "rotated 0" not in out.splitlines()[-1]
            call_command("field_keys_rotate", "--check")  # nothing left for the old keys
        person.refresh_from_db()
        row.refresh_from_db()
        upload.refresh_from_db()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new], LOOKUP_HASH_KEY="h" * 40):
        assert field_crypto.decrypt(person.id_number_encrypted) == person.plain_id_number
        assert field_crypto.decrypt(row.id_number_encrypted) == person.plain_id_number
        assert field_crypto.decrypt_bytes(upload.content_encrypted) == b"PK roster"
        assert person.id_number_hash == hash_before == row.id_number_hash


def test_rotation_names_a_value_no_key_opens_and_changes_nothing(world, capsys):
    stray = Fernet(Fernet.generate_key()).encrypt(b"11010519491231002X").decode()
    Person.objects.filter(pk=world.elder.pk).update(id_number_encrypted=stray)
    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("field_keys_rotate")
    assert f"id {world.elder.pk}" in capsys.readouterr().err
    assert Person.objects.get(pk=world.elder.pk).id_number_encrypted == stray


def test_rehash_moves_the_lookup_hashes_to_a_new_hash_key(world):
    with override_settings(LOOKUP_HASH_KEY="n" * 40):
        call_command("field_keys_rotate", "--rehash")
        elder = Person.objects.get(pk=world.elder.pk)
        assert elder.id_number_hash == field_crypto.lookup_hash(world.elder.plain_id_number)
