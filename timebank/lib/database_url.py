"""`DATABASE_URL` into Django's DATABASES entry, multi-host URLs included.

libpq takes a list of hosts (`postgres://u@10.0.0.1:5432,10.0.0.2:5432/timebank?target_session_attrs=read-write`):
it tries them in turn and keeps the first that accepts writes, which is how the app follows a
pg_auto_failover failover without a proxy. dj-database-url reads one host only, so a list is cut
out before it parses the rest and handed to libpq as its comma-separated `host` and `port`."""
from urllib.parse import urlsplit, urlunsplit

import dj_database_url


def database_config(url: str, **settings) -> dict:
    parts = urlsplit(url)
    credentials, _, hosts = parts.netloc.rpartition("@")
    if "," not in hosts:
        return dj_database_url.parse(url, **settings)
    names, ports = [], []
    for host in hosts.split(","):
        name, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
        if port and not port.isdigit():
            raise ValueError(f"DATABASE_URL: {host!r} has no valid port")
        names.append(name or host)
        ports.append(port or "5432")
    single = urlunsplit(parts._replace(netloc=f"{credentials}@{names[0]}" if credentials else names[0]))
    config = dj_database_url.parse(single, **settings)
    config["HOST"], config["PORT"] = ",".join(names), ",".join(ports)
    return config
