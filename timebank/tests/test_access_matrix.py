"""The permission matrix: every API operation of the OpenAPI document and every page URL pattern, asked by
every demo role (and anonymously) about a record of their own branch and of another branch, gets the
answer `access_matrix` expects; refused writes change nothing; no page or answer shows a person the role
may not see. An operation or URL pattern missing from the table fails the test.

The world is built once per test (about a second); every cell runs inside a savepoint that is rolled back,
so each request sees the same world. All failing cells are collected and reported together; the cells of
`KNOWN_HOLES_BEING_FIXED` are reported as expected failures instead.

The size of the matrix (printed by each test; `-s` shows it, MATRIX_OBSERVE=1 prints it all):
    API   144 operations (122 paths)             × 11 roles × 2 branches =  3,168 cells
    pages 411 (method, URL pattern) rows of 363   × 11 roles × 2 branches =  9,042 cells
          patterns (155 of the product, 208 of the Django admin)
about 70 s of CPU on SQLite in five tests that `pytest -n 2` runs side by side. A cell whose request
carries no id of either branch (a list, a form) is sent once and counts for both branches.

One module on purpose (over 500 lines): the runner of the one table, its requests and its checks."""
import datetime as dt
import functools
import io
import itertools
import json
import logging
import os
import re
import time
import zipfile
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from timebank.demands.tests import conftest as demand_fixtures
from timebank.lib.errors import DomainError
from timebank.people.services import api_token_create

from . import access_matrix as table
from .access_matrix import ROLES, SCOPES
from .access_requests import API_BODIES, API_PARAMS, API_PARAMS_BY_OP, PAGE_PARAM_FALLBACK, PAGE_REQUESTS
from .access_world import build

demand_world = demand_fixtures.demand_world  # the fixture the matrix's world grows from
LOGIN_PATH = "/login/"
# Tables whose rows are not the product's state: sessions and sign-in bookkeeping, the rate limits' attempt
# counters (a refused lookup of a visiting elder counts as an attempt: that is the point), Django's catalogue.
UNTRACKED_TABLES = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog",
                    "axes_accessattemptexpiration", "audit_ratebucket", "auth_permission", "django_content_type"}
# Columns that change on a mere read.
UNTRACKED_COLUMNS = {"last_used_at", "last_login"}


# ---- enumerating what the product serves --------------------------------------------------------------

@functools.cache
def api_operations() -> list[tuple[str, str]]:
    from timebank.api import api

    schema = api.get_openapi_schema()
    return [(method.upper(), path) for path, operations in schema["paths"].items() for method in operations]


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace
            inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (f"{namespace}:" if namespace else "") + (p.name or ""), p


@functools.cache
def page_patterns() -> list[tuple[str, str]]:
    """(URL name or, for unnamed patterns, the route; the route) of every page, API routes excluded."""
    found = []
    for route, name, _pattern in _walk(get_resolver().url_patterns):
        if getattr(_pattern.callback, "__module__", "") == "ninja.operation":
            continue  # an operation of the API: judged from the OpenAPI document
        key = name if name and not name.endswith(":") else route
        found.append((key, route))
    return found


# ---- a cell ---------------------------------------------------------------------------------------

@dataclass
class Cell:
    surface: str  # "api" or "page"
    method: str
    key: str  # API path template or URL name
    role: str
    scope: str
    expected: str
    url: str = ""
    observed: str = ""
    status: int = 0
    detail: str = ""
    changed: list = field(default_factory=list)
    leaked: list = field(default_factory=list)

    @property
    def ident(self):
        return (self.method, self.key, self.role, self.scope)

    def line(self) -> str:
        extra = f" changed {self.changed}" if self.changed else ""
        extra += f" shows {self.leaked}" if self.leaked else ""
        return (f"{self.method} {self.key} as {self.role} ({self.scope} branch): expected {self.expected}, got "
                f"{self.observed} [{self.status}{' ' + self.detail if self.detail else ''}]{extra}  {self.url}")


class DomainErrorLog:
    """Every DomainError raised while a request runs (views often turn a refusal into a form error or a
    message and answer 200 or a redirect): the last refusal tells what the view decided."""

    def __init__(self, monkeypatch):
        self.raised: list[DomainError] = []
        original = DomainError.__init__
        log = self

        def init(self, *args, **kwargs):
            original(self, *args, **kwargs)
            log.raised.append(self)

        monkeypatch.setattr(DomainError, "__init__", init)

    def refusal(self) -> DomainError | None:
        for err in reversed(self.raised):
            if err.status in (403, 404):
                return err
        return None


_SNAPSHOT_QUERIES: list[tuple[str, str]] = []


def _snapshot_queries() -> list[tuple[str, str]]:
    if not _SNAPSHOT_QUERIES:
        quote = connection.ops.quote_name
        for model in apps.get_models():
            if model._meta.db_table in UNTRACKED_TABLES or not model._meta.managed:
                continue
            columns = [f.column for f in model._meta.concrete_fields if f.column not in UNTRACKED_COLUMNS]
            table_name, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            _SNAPSHOT_QUERIES.append(
                (model._meta.label, f"SELECT {', '.join(map(quote, columns))} FROM {table_name} ORDER BY {pk}"))
    return _SNAPSHOT_QUERIES


def _digest(rows) -> int:
    try:
        return hash(tuple(rows))
    except TypeError:  # PostgreSQL hands JSON columns over as dicts
        return hash(repr(rows))


def snapshot() -> dict:
    """Row counts and a digest of every row of the product's tables, and the ledger's totals."""
    state = {}
    with connection.cursor() as cursor:
        for label, sql in _snapshot_queries():
            cursor.execute(sql)
            rows = cursor.fetchall()
            state[label] = (len(rows), _digest(rows))
        cursor.execute("SELECT COALESCE(SUM(posted_credits - posted_debits), 0), COALESCE(SUM(pending_debits), 0) "
                       "FROM ledger_account")
        state["ledger totals"] = tuple(cursor.fetchone())
    return state


WRITES_SO_FAR = {
    # Every row the connection inserted, updated or deleted, rolled back or not.
    "sqlite": "SELECT total_changes()",
    # The same within the current transaction (the test's), savepoints included.
    "postgresql": "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables",
}


def writes_so_far() -> int | None:
    """A count of rows written so far: when it did not move, nothing was written and the full snapshot
    (a query per table) can be skipped."""
    sql = WRITES_SO_FAR.get(connection.vendor)
    if sql is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def differences(before: dict, after: dict) -> list[str]:
    out = []
    for key in before:
        if before[key] != after.get(key):
            if key == "ledger totals":
                out.append(f"ledger totals {before[key]}→{after[key]}")
            elif before[key][0] != after[key][0]:
                out.append(f"{key} rows {before[key][0]}→{after[key][0]}")
            else:
                out.append(f"{key} rows edited")
    return out


# ---- the world, its clients, and how a cell is sent --------------------------------------------------

class Matrix(SimpleNamespace):
    pass


@pytest.fixture
def matrix(demand_world, clock, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    # Every cell knocks from the same address: the public doors' rate limits (tested on their own in
    # audit/tests/test_rate_limit.py) would answer 429 to the table's later rows.
    settings.RATE_LIMITS = {scope: "1000000/60" for scope in settings.RATE_LIMITS}
    for name in ("django.request", "django.security"):  # thousands of refused requests are the point here
        monkeypatch.setattr(logging.getLogger(name), "level", logging.CRITICAL)
    started, cpu_started = time.monotonic(), time.process_time()
    m = Matrix(**vars(build(demand_world, clock)))
    m.cpu_started = cpu_started
    m.build_seconds = time.monotonic() - started
    m.errors = DomainErrorLog(monkeypatch)
    from timebank.conftest import new_id_number
    from timebank.suppliers.tests.conftest import new_code

    m.new_id_number = lambda birth=dt.date(1950, 3, 7): new_id_number(birth)
    m.new_credit_code = new_code
    m.serial = itertools.count(900)  # Idempotency-Keys

    def roster():
        from django.core.files.uploadedfile import SimpleUploadedFile

        from timebank.imports.tests.conftest import HEADER, csv_text, id_for

        rows = [HEADER, ["矩阵导入", id_for(dt.date(1951, 3, 5)), "女", "1951-03-05", "", "", "路"]]
        return SimpleUploadedFile("roster.csv", csv_text(rows).encode(), content_type="text/csv")

    m.roster = roster
    # Signed in once per role: a bearer token for the API, a session for the pages.
    m.tokens, m.cookies = {}, {}
    for role, person in m.actors.items():
        token, raw = api_token_create(actor=person, name="matrix")
        token.last_used_at = clock.now  # the clock stands still: no request touches it again
        token.save(update_fields=["last_used_at"])
        m.tokens[role] = raw
        client = Client()
        client.force_login(person)
        m.cookies[role] = SimpleCookie(client.cookies)
    m.baseline = snapshot()
    m.client = Client(raise_request_exception=False)
    m.hidden_names = {role: hidden_names(m, role) for role in ROLES}
    return m


def hidden_names(m, role: str) -> set[str]:
    """The members' names no answer to `role` may show (see "Names" in access_matrix)."""
    def members(side):
        return {p.name for p in (side.elder, side.proxy, side.volunteer, side.team_leader, side.newcomer,
                                 side.stranger)}

    names = set()
    if role not in table.BANK_WIDE:
        names |= members(m.b)
    if role in table.STRANGERS_HIDDEN_FROM:
        names |= {m.a.stranger.name, m.b.stranger.name}
    if role == "anonymous":
        names |= members(m.a)
    return names


def _value(m, side, role, spec):
    if callable(spec):
        return spec(m, side, role)
    value = getattr(side, spec)
    return getattr(value, "pk", value)


def _spec(spec, m, side, role):
    return spec(m, side, role) if callable(spec) else (dict(spec) if spec is not None else None)


def send(m, cell: Cell, *, data=None, query=None, content_type=None, headers=None):
    client = m.client
    client.cookies = SimpleCookie(m.cookies[cell.role]) if cell.surface == "page" and cell.role != "anonymous" \
        else SimpleCookie()
    extra = {}
    if cell.surface == "api" and cell.role != "anonymous":
        extra["HTTP_AUTHORIZATION"] = f"Bearer {m.tokens[cell.role]}"
    for name, value in (headers or {}).items():
        extra["HTTP_" + name.upper().replace("-", "_")] = value
    url = cell.url + (("?" + urlencode(query, doseq=True)) if query else "")
    cell.url = url
    m.errors.raised.clear()
    if cell.method == "GET":
        return client.get(url, **extra)
    if content_type == "json":
        return client.generic(cell.method, url, json.dumps(data or {}), content_type="application/json", **extra)
    if content_type is not None:
        return client.generic(cell.method, url, data, content_type=content_type, **extra)
    return client.post(url, data or {}, **extra)


def classify(m, cell: Cell, response) -> str:
    """What the answer means: ok (2xx/3xx), forbidden (403), hidden (404), login (401, or a redirect to the
    sign-in page), refused (a rule of the domain said no: 400/409/422 with the domain's error code, or a
    page that showed the refusal on its form or as a message) — or something the table never expects."""
    status = response.status_code
    cell.status = status
    if status >= 500:
        return "server error"
    if cell.surface == "api":
        if status == 401:
            return table.LOGIN
        if status == 403:
            return table.FORBIDDEN
        if status == 404:
            return table.HIDDEN
        if status < 400:
            return table.OK
        body = _json(response)
        cell.detail = body.get("code", "")
        if cell.detail == "validation_error" or status in (405, 413) or not cell.detail:
            cell.detail += " " + str(body.get("detail", ""))[:200]
            return "bad request"
        return table.REFUSED
    location = response.get("Location", "") if 300 <= status < 400 else ""
    if location.startswith(LOGIN_PATH) or location.startswith("/django-admin/login/"):
        return table.LOGIN
    if status == 403:
        return table.FORBIDDEN
    if status == 404:
        return table.HIDDEN
    if status >= 400 and status != 422:
        return f"http {status}"
    if status == 422 and not m.errors.raised:
        cell.detail = "the form refused the request"
        return table.REFUSED  # the form's own checks (a choice out of the role's reach, say); nothing written
    if cell.method != "GET" and m.errors.raised and not cell.changed:
        # The view showed the service's refusal on its form or as a message and answered 200 or 302.
        err = m.errors.refusal() or m.errors.raised[-1]
        cell.detail = f"refused in the page: {err.code}"
        return {403: table.FORBIDDEN, 404: table.HIDDEN}.get(err.status, table.REFUSED)
    if cell.method != "GET" and status == 200 and not cell.changed:
        return table.IGNORED  # the page was shown again, nothing written: it offers this role no such action
    return table.OK


def _json(response) -> dict:
    try:
        body = response.json()
        return body if isinstance(body, dict) else {}
    except ValueError:
        return {}


def _body_text(response) -> str:
    content_type = response.get("Content-Type", "")
    if getattr(response, "streaming", False):
        if "csv" not in content_type and "spreadsheet" not in content_type:
            return ""
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    if "spreadsheet" in content_type:  # an XLSX download: its cells are XML inside the zip
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as book:
                return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist()
                               if name.endswith(".xml"))
        except zipfile.BadZipFile:
            return ""
    if "html" not in content_type and "json" not in content_type and "text" not in content_type:
        return ""
    text = content.decode("utf-8", "replace")
    if "json" in content_type:  # names travel as \uXXXX escapes in JSON
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def leaks(m, cell: Cell, response) -> list[str]:
    """Names the answer shows that the role may not see: `hidden_names`, and those `table.CONCEALED`
    lists for this cell."""
    text = _body_text(response)
    if not text:
        return []
    found = sorted(name for name in m.hidden_names[cell.role] if name in text)
    for attr in table.concealed(cell.method, cell.key, cell.role):
        side = m.a if cell.scope == "own" else m.b
        name = getattr(side, attr).name
        if name in text and name not in found:
            found.append(name)
    return found


def run_cell(m, cell: Cell, **request):
    with transaction.atomic():
        writes = writes_so_far()
        response = send(m, cell, **request)
        if cell.method != "GET" and (writes is None or writes_so_far() != writes):
            cell.changed = differences(m.baseline, snapshot())
        transaction.set_rollback(True)
    cell.observed = classify(m, cell, response)
    cell.leaked = leaks(m, cell, response)
    return cell


def judge(cell: Cell) -> bool:
    """True when the cell behaves as the table says (and a refused request changed nothing)."""
    if cell.expected == table.DENIED:
        if cell.observed not in (table.FORBIDDEN, table.HIDDEN, table.REFUSED, table.IGNORED):
            return False
    elif cell.observed != cell.expected:
        return False
    if cell.expected != table.OK and cell.changed:
        return False
    return not cell.leaked


# ---- building the cells ------------------------------------------------------------------------------

def _fill(template: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda mo: str(values[mo.group(1)]), template)


def api_cells(m, operations, roles=ROLES):
    for (method, path), role, scope in itertools.product(operations, roles, SCOPES):
        if (method, path) not in table.API:
            continue  # test_every_api_operation_and_page_is_in_the_table names it
        side = m.a if scope == "own" else m.b
        names = re.findall(r"\{(\w+)\}", path)
        overrides = API_PARAMS_BY_OP.get(path, {})
        values = {n: _value(m, side, role, overrides.get(n, API_PARAMS.get(n))) for n in names}
        cell = Cell("api", method, path, role, scope, table.expected_api(method, path, role, scope),
                    url=_fill(path, values))
        spec = _spec(API_BODIES.get((method, path)), m, side, role) or {}
        request = {}
        if method == "GET":
            request["query"] = spec.get("query")
        elif "multipart" in spec:
            request["data"] = spec["multipart"]
        elif "raw" in spec:  # a body that is the file itself: (bytes, content type)
            request["data"], request["content_type"] = spec["raw"]
        else:
            request["data"], request["content_type"] = spec, "json"
        if method != "GET" and path in table.IDEMPOTENT_WRITES:
            request["headers"] = {"Idempotency-Key": f"matrix-{next(m.serial)}"}
        same_for_both = not names and not callable(API_BODIES.get((method, path)))
        yield cell, request, (cell.url, repr(request.get("query")), repr(request.get("data"))) if same_for_both else None


def page_cells(m, patterns, roles=ROLES):
    for (key, route), role in itertools.product(patterns, roles):
        if not table.has_page(key):
            continue  # test_every_api_operation_and_page_is_in_the_table names it
        spec = PAGE_REQUESTS.get(key, {})
        pattern = _pattern_for(key, route)
        urls = {}
        for scope in SCOPES:
            side = m.a if scope == "own" else m.b
            params = {name: _value(m, side, role, spec.get(name) or PAGE_PARAM_FALLBACK.get(name) or "elder")
                      for name in pattern.pattern.regex.groupindex}
            urls[scope] = _page_url(key, route, params)
        for method, scope in itertools.product(table.page_methods(key), SCOPES):
            side = m.a if scope == "own" else m.b
            cell = Cell("page", method, key, role, scope, table.expected_page(method, key, role, scope),
                        url=urls[scope])
            part = "query" if method == "GET" else "data"
            request = {part: _spec(spec.get(part), m, side, role) or ({} if part == "data" else None)}
            same_for_both = urls["own"] == urls["other"] and not callable(spec.get(part))
            yield cell, request, (cell.url, repr(request)) if same_for_both else None


_PATTERNS = {}


def _pattern_for(key, route):
    if not _PATTERNS:
        for r, name, pattern in _walk(get_resolver().url_patterns):
            _PATTERNS[(name if name and not name.endswith(":") else r, r)] = pattern
    return _PATTERNS[(key, route)]


def _page_url(key, route, params):
    if ":" in key or "/" not in key and key:
        try:
            return reverse(key, kwargs=params)
        except Exception:  # noqa: BLE001  (several patterns may share a name: fill the route instead)
            pass
    path = route
    for name, value in params.items():
        path = re.sub(rf"\(\?P<{name}>[^)]*\)|<(?:\w+:)?{name}>", str(value), path)
    path = path.lstrip("^").rstrip("$")
    return "/" + path


def run_all(m, cells_and_requests) -> list[Cell]:
    """Send every cell; a cell whose request is the same for both branches (no id in it) is sent once."""
    done, sent = [], {}
    for cell, request, fingerprint in cells_and_requests:
        twin = sent.get((cell.method, cell.key, cell.role, fingerprint)) if fingerprint else None
        if twin is not None:
            for name in ("url", "observed", "status", "detail", "changed", "leaked"):
                setattr(cell, name, getattr(twin, name))
        else:
            run_cell(m, cell, **request)
            if fingerprint:
                sent[(cell.method, cell.key, cell.role, fingerprint)] = cell
        done.append(cell)
    return done


# ---- the tests -----------------------------------------------------------------------------------

def test_every_api_operation_and_page_is_in_the_table():
    """A new endpoint cannot ship unclassified: each operation and URL pattern needs a row."""
    operations, pages = set(api_operations()), {key for key, _route in page_patterns()}
    missing_ops = [f"{m} {p}" for m, p in api_operations() if (m, p) not in table.API]
    missing_pages = sorted(key for key in pages if not table.has_page(key))
    stale_ops = [f"{m} {p}" for m, p in table.API if (m, p) not in operations]
    stale_pages = sorted(set(table.PAGES) - pages)
    assert not (missing_ops or missing_pages), (
        "Operations or pages missing from timebank/tests/access_matrix.py (classify each one):\n  "
        + "\n  ".join(missing_ops + missing_pages))
    assert not (stale_ops or stale_pages), "Rows for operations or pages that no longer exist:\n  " + "\n  ".join(
        stale_ops + stale_pages)

    def is_row(method, key):
        return (method, key) in table.API or table.has_page(key) and method in table.page_methods(key)

    strays = [hole for hole in table.KNOWN_HOLES_BEING_FIXED
              if not is_row(*hole[:2]) or hole[2] not in ROLES or hole[3] not in SCOPES]
    strays += [(method, key) for method, key in table.CONCEALED if not is_row(method, key)]
    assert not strays, f"KNOWN_HOLES_BEING_FIXED or CONCEALED name cells the table does not have: {strays}"


def _report(surface, cells, started, m):
    """Print the matrix's size and the known holes; return the cells that differ from the table."""
    cpu = time.process_time() - m.cpu_started
    failures = [c for c in cells if not judge(c)]
    known = [c for c in failures if c.ident in table.KNOWN_HOLES_BEING_FIXED]
    new = [c for c in failures if c.ident not in table.KNOWN_HOLES_BEING_FIXED]
    closed = sorted((set(table.KNOWN_HOLES_BEING_FIXED) & {c.ident for c in cells}) - {c.ident for c in known})
    rows = {(c.method, c.key) for c in cells}
    print(f"\n{surface}: {len({c.key for c in cells})} paths or URL patterns, {len(rows)} (method, path) rows × "
          f"{len(ROLES)} roles × {len(SCOPES)} branches = {len(cells)} cells (world built in {m.build_seconds:.1f} s, "
          f"cells sent in {time.monotonic() - started:.1f} s; {cpu:.1f} s of CPU in all)")
    for c in known:
        print("  known hole (xfail):", c.line())
    for ident in closed:
        print("  known hole now closed (remove it from KNOWN_HOLES_BEING_FIXED):", ident)
    if os.environ.get("MATRIX_OBSERVE"):
        _observe(cells)
    return new


def _observe(cells):
    """MATRIX_OBSERVE=1: print what every role got, a row per operation in the table's letters (o F H L x -),
    W for a refusal that wrote, ! for a name shown that should not be, ? for anything else, and which cells
    differ from the table; MATRIX_OBSERVE=2 also every cell with a detail."""
    marks = {table.FORBIDDEN: "F", table.HIDDEN: "H", table.LOGIN: "L", table.OK: "o", table.IGNORED: "-",
             table.REFUSED: "x"}
    rows = {}
    for c in cells:
        mark = marks.get(c.observed, "?")
        if c.changed and c.observed != table.OK:
            mark = "W"
        if c.leaked:
            mark = "!"
        rows.setdefault((c.method, c.key), []).append((c, mark))
    print("    " + " ".join(f"{r[:4]:4}" for r in ROLES))
    for (method, key), marked in rows.items():
        by = {(c.role, c.scope): mark for c, mark in marked}
        line = " ".join("".join(by.get((r, s), " ") for s in SCOPES) + "  " for r in ROLES)
        wrong = [f"{c.role[:5]}/{c.scope}" for c, _mark in marked if not judge(c)]
        print(f"  {line} {method} {key}" + (f"   ≠ {' '.join(wrong)}" if wrong else ""))
    if os.environ.get("MATRIX_OBSERVE") == "2":
        for c in cells:
            if c.detail or c.leaked or c.observed not in marks:
                print("   ", c.line())


@pytest.mark.django_db
def test_the_api_answers_every_role_as_the_table_says(matrix):
    m, started = matrix, time.monotonic()
    cells = run_all(m, api_cells(m, api_operations()))
    new = _report("API operations", cells, started, m)
    assert not new, f"{len(new)} cells of the API do not answer as the table says:\n" + "\n".join(
        c.line() for c in new)


# The pages in parts of similar cost (pytest -n 2 sends them side by side), by URL namespace.
PAGE_PARTS = {
    "people-orgs-ledger": ("people", "orgs", "audit", "ledger", ""),
    "demands-health": ("demands", "health", "notices", "broadcasts", "clearing"),
    "teams-training-honours-shop-suppliers-stats-imports": ("teams", "training", "honours", "rewards", "suppliers",
                                                            "complaints", "stats", "imports", "api"),
    "django-admin": ("admin",),
}


def _part_of(key: str) -> str:
    namespace = "admin" if key.startswith("django-admin/") else key.split(":")[0] if ":" in key else ""
    return next(part for part, namespaces in PAGE_PARTS.items() if namespace in namespaces)


@pytest.mark.django_db
@pytest.mark.parametrize("part", list(PAGE_PARTS))
def test_the_pages_answer_every_role_as_the_table_says(matrix, part):
    m, started = matrix, time.monotonic()
    patterns = [(key, route) for key, route in page_patterns() if _part_of(key) == part]
    cells = run_all(m, page_cells(m, patterns))
    new = _report(f"Pages ({part})", cells, started, m)
    assert not new, f"{len(new)} cells of the pages do not answer as the table says:\n" + "\n".join(
        c.line() for c in new)
