"""DATABASE_URL with several hosts (a pg_auto_failover pair): libpq gets the list and keeps the writable one."""
import dj_database_url
import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper

from timebank.lib.database_url import database_config


def test_one_host_reads_as_dj_database_url_reads_it():
    url = "postgres://app:secret@db.internal:6432/timebank?sslmode=require"
    assert database_config(url) == dj_database_url.parse(url)


def test_a_host_list_goes_to_libpq_as_comma_separated_hosts_and_ports():
    config = database_config("postgres://app:s%40cret@10.0.0.1:5451,10.0.0.2,db3:5453/timebank"
                             "?target_session_attrs=read-write", conn_max_age=0)
    assert config["HOST"] == "10.0.0.1,10.0.0.2,db3"
    assert config["PORT"] == "5451,5432,5453"
    assert (config["USER"], config["PASSWORD"], config["NAME"]) == ("app", "s@cret", "timebank")
    assert config["OPTIONS"] == {"target_session_attrs": "read-write"}


def test_the_app_connects_through_a_list_whose_first_host_is_down(postgres_only):
    own = connection.settings_dict
    url = (f"postgres://{own['USER']}@127.0.0.1:1,{own['HOST'] or '127.0.0.1'}:{own['PORT'] or 5432}/{own['NAME']}"
           "?target_session_attrs=read-write")
    config = database_config(url)
    wrapper = DatabaseWrapper({**own, **config, "OPTIONS": {**own.get("OPTIONS", {}), **config["OPTIONS"]}})
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), current_setting('port')")
            assert cursor.fetchone() == (False, str(own["PORT"] or 5432))
    finally:
        wrapper.close()


@pytest.mark.parametrize("url", ["postgres://u@h1:notaport,h2/db"])
def test_a_malformed_host_list_is_refused_at_start(url):
    with pytest.raises(ValueError):
        database_config(url)
