# Timebank: `make run` to try it, `make test` to check it. Everything it needs it installs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
PG_URL ?= postgres://postgres@127.0.0.1:5432/timebank
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres bench lint messages system-deps serve

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
	$(PY) manage.py seed_demo
	$(PY) manage.py demo_logins
	@echo "Serving http://$(HOST):$(PORT)  (Ctrl-C stops the web server and the task worker)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py db_worker --interval 1 & \
	  $(PY) manage.py housekeeping --loop 30 & \
	  $(PY) manage.py runserver --noreload $(HOST):$(PORT)

test: export TIMEBANK_BROWSER_TESTS := 1
test: $(STAMP) system-deps
	@./bin/run-tests

bench: $(STAMP) system-deps
	@./bin/run-bench

lint: $(STAMP)
	$(PY) -m ruff check .

messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules
