"""What the drills (bin/drill, bin/drill-backup, bin/drill-failover) share: a private PostgreSQL cluster
in a temporary folder (never the shared one on 5432), `manage.py` against it, and the ledger's state
to compare before and after a fault."""
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
PG_BIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])


def as_postgres(*command: str, timeout: float | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """PostgreSQL's own tools refuse to run as root: run them as the postgres user then."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], capture_output=True, text=True, check=False, timeout=timeout,
                          input=input)


def manage(env: dict, *args: str, check: bool = True) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if check and done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout.strip()


def scratch(prefix: str) -> Path:
    """A temporary folder the postgres user owns (its clusters, logs and backup repository live there)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    folder.chmod(0o755)
    return folder


class Cluster:
    """One private cluster: `initdb` into `folder/name`, listening on 127.0.0.1:`port` only."""

    def __init__(self, folder: Path, name: str, port: int, settings: dict[str, str] | None = None):
        self.folder, self.port = folder, port
        self.pgdata = folder / name
        self.log = folder / f"{name}.log"
        self.settings = {"listen_addresses": "'127.0.0.1'", **(settings or {})}

    def url(self, database: str = "timebank", user: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        done = as_postgres(str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-U", "postgres", "--auth=trust")
        if done.returncode:
            raise SystemExit(f"initdb failed: {done.stderr[-1000:]}")
        settings = "".join(f"{key} = {value}\n" for key, value in self.settings.items())
        as_postgres("sh", "-c", f"cat >> {self.pgdata / 'postgresql.conf'}", input=settings)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder}"
        done = as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-l", str(self.log), "-w", "-t", "120",
                           "-o", options, "start")
        if done.returncode:
            raise SystemExit(f"could not start {self.pgdata}: {done.stderr}{self.log.read_text()[-1500:]}")

    def stop(self, mode: str = "fast") -> None:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-m", mode, "-w", "stop")

    def sql(self, statement: str, database: str = "timebank") -> str:
        done = as_postgres(str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                           "-d", database, "-Atqc", statement)
        if done.returncode:
            raise SystemExit(f"psql failed ({statement[:80]}): {done.stderr[-800:]}")
        return done.stdout.strip()


# A batch of gifts between the demo district's members, through the ledger's own service: prints the
# highest transfer id it posted.
GIFTS = """
from timebank.ledger import services
from timebank.ledger.models import Account
members = list(Account.objects.filter(kind="member", currency="time").order_by("id"))
rich = [a for a in members if a.available >= 200]
last = 0
for i in range({count}):
    giver = rich[i % len(rich)]
    taker = next(a for a in members if a.bank_id == giver.bank_id and a.pk != giver.pk)
    last = services.transfer_post(debit=giver, credit=taker, amount=1 + i % 3, kind="gift", memo="drill").pk
print(last)
"""


def post_gifts(env: dict, count: int) -> int:
    return int(manage(env, "shell", "-c", GIFTS.format(count=count)).split()[-1])


LEDGER_STATE = """
import hashlib, json
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT id, posted_debits, posted_credits, pending_debits, pending_credits FROM ledger_account ORDER BY id")
    accounts = c.fetchall()
    c.execute("SELECT count(*), coalesce(max(id), 0) FROM ledger_transfer")
    count, top = c.fetchone()
print(json.dumps({"transfers": count, "highest_transfer_id": top, "accounts": len(accounts),
                  "balances_sha256": hashlib.sha256(repr(accounts).encode()).hexdigest()}))
"""


def ledger_state(env: dict) -> dict:
    """How many transfers, the highest id, and one hash over every account's four totals."""
    return json.loads(manage(env, "shell", "-c", LEDGER_STATE).splitlines()[-1])


def verify_ledger(env: dict) -> tuple[bool, str]:
    done = subprocess.run([PY, "manage.py", "verify_ledger"], cwd=ROOT, env=env, capture_output=True, text=True)
    return done.returncode == 0, (done.stdout + done.stderr).strip()[-400:]


def wait_for(predicate, seconds: float, step: float = 1.0) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return round(time.monotonic() - start, 1)
        time.sleep(step)
    return None
