# Timebank: `make run` to try it, `make test` to check it. Everything it needs it installs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
PG_URL ?= postgres://postgres@127.0.0.1:5432/timebank
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run prod test test-one test-clock bench drill drill-backup drill-failover drill-crash drill-worker drill-disk lint audit messages system-deps

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*; touch $@

# Debian packages the product needs at run time (a CJK font for printed passbooks); for `make test`
# also Chromium, Node.js and axe-core (npm ci), which the browser tests drive.
system-deps:
	@./bin/system-deps

run: $(STAMP) system-deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --neighbour
	$(PY) manage.py demo_logins
	@echo "Serving http://$(HOST):$(PORT)  (Ctrl-C stops the web server and the task worker)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py worker --interval 1 & \
	  $(PY) manage.py worker --interval 1 --queue-name imports & \
	  $(PY) manage.py housekeeping --loop 30 & \
	  $(PY) manage.py runserver --noreload $(HOST):$(PORT)

# The production stack on this machine: PostgreSQL (PROD_DATABASE_URL), DEBUG off, gunicorn + WhiteNoise, the
# workers and housekeeping; keys generated once into var/prod.env. PLAIN_HTTP=1 to try it without TLS.
prod: $(STAMP) system-deps
	@./bin/prod

# system-deps also installs Chromium and axe-core (npm ci) for the browser tests when this is 1.
test: export TIMEBANK_BROWSER_TESTS := 1
test: $(STAMP) system-deps
	@./bin/run-tests

# One file (or node id) on SQLite in seconds: no system packages, and the test database is kept between
# runs (`--reuse-db`; add ARGS=--create-db after changing a migration). `make test-one F=timebank/ledger`
test-one: $(STAMP)
	env -u DATABASE_URL $(PY) -m pytest -q --reuse-db $(ARGS) $(F)

# The suite on SQLite with the wall clock at the hours and days where date arithmetic breaks.
test-clock: $(STAMP)
	@./bin/run-clock-matrix

bench: $(STAMP) system-deps
	@TIMEBANK_DRILL_DEPS=1 ./bin/system-deps
	@./bin/run-bench

# All fault drills on private clusters (about 8 minutes): least privilege and outages (bin/drill), the app
# server killed and the database crashed under load, the worker killed mid-job, a full upload disk.
drill: $(STAMP)
	@./bin/drill
	@./bin/drill-crash
	@./bin/drill-worker
	@./bin/drill-disk

# pgBackRest: full backup, WAL archiving, the disk lost, a restore to a point in time (bench/drill_backup.json).
drill-backup: $(STAMP)
	@TIMEBANK_DRILL_DEPS=1 ./bin/system-deps
	@./bin/drill-backup

# gunicorn killed with kill -9 during a storm of donations, then PostgreSQL crashed under the same storm:
# nothing half-written, nothing twice (bench/drill_crash.json).
drill-crash: $(STAMP)
	@./bin/drill-crash

# The task worker killed with kill -9 three times while it sends short messages and seals the ledger.
drill-worker: $(STAMP)
	@./bin/drill-worker

# The upload folder on a tiny file system that fills up while complaints with photos come in.
drill-disk: $(STAMP)
	@./bin/drill-disk

# pg_auto_failover: monitor, primary and standby; kill -9 of the primary's node during a transfer storm.
drill-failover: $(STAMP)
	@TIMEBANK_DRILL_DEPS=1 ./bin/system-deps
	@./bin/drill-failover

lint: $(STAMP)
	$(PY) -m ruff check .
	$(BIN)/lint-imports

# Known vulnerabilities in the pinned dependencies (PyPI's advisory data; needs to reach pypi.org).
# --strict: a dependency that could not be checked fails the audit instead of passing unseen.
# pip-audit --strict; where PyPI's release API is unreachable, a named, INCOMPLETE fallback (bin/audit).
audit: $(STAMP)
	@./bin/audit $(PY)

messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules
