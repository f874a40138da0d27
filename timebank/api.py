"""The JSON API at /api/v1: authentication, one error shape, and each app's router."""
import datetime as dt

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer, django_auth

from timebank.lib.db_outage import outage_json
from timebank.lib.errors import DomainError
from timebank.people.services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        person = api_token_authenticate(token)
        if person is not None:
            request.user = person
        return person


def _nul_fields(data, location: tuple = ()) -> list[tuple]:
    if isinstance(data, str):
        return [location] if "\x00" in data else []
    if isinstance(data, dict):
        return [loc for key, value in data.items() for loc in _nul_fields(value, (*location, str(key)))]
    if isinstance(data, list):
        return [loc for i, value in enumerate(data) for loc in _nul_fields(value, (*location, str(i)))]
    return []


class NulFreeParser(Parser):
    """PostgreSQL text cannot hold a NUL character: refuse it as bad input, never fail at the database."""

    def _refuse_nul(self, data, where: str):
        locations = _nul_fields(data)
        if locations:
            raise ValidationError([{"loc": [where, *loc], "msg": "NUL characters are not allowed",
                                    "type": "string_nul"} for loc in locations])
        return data

    def parse_body(self, request):
        # ninja turns any error here into a 400 "Cannot parse request body".
        return self._refuse_nul(super().parse_body(request), "body")

    def parse_querydict(self, data, list_fields, request):
        return self._refuse_nul(super().parse_querydict(data, list_fields, request), "query")


class LocalTimeEncoder(NinjaJSONEncoder):
    """Every time in every answer is ISO 8601 with the bank's offset (Asia/Shanghai, +08:00), the
    same as the times a client sends and the pages show — never UTC in one field and +08:00 in
    the next."""

    def default(self, o):
        if isinstance(o, dt.datetime) and timezone.is_aware(o):
            return timezone.localtime(o).isoformat()
        return super().default(o)


class LocalTimeRenderer(JSONRenderer):
    encoder_class = LocalTimeEncoder


class TimebankAPI(NinjaAPI):
    """The OpenAPI document is built once per process and path prefix (it takes about a second).
    Operation ids are the view functions' names (`people_create`, `demand_publish`), which a
    generated client uses as its function names; two views of one name would be refused here."""

    def get_openapi_operation_id(self, operation) -> str:
        name = operation.view_func.__name__
        owners = self.__dict__.setdefault("_operation_ids", {})
        module = operation.view_func.__module__
        if owners.setdefault(name, module) != module:
            raise ValueError(f"two API operations are named {name}: in {owners[name]} and {module}")
        return name

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache = self.__dict__.setdefault("_openapi_by_prefix", {})
        if path_prefix not in cache:
            cache[path_prefix] = document_errors(super().get_openapi_schema(path_prefix=path_prefix))
        return cache[path_prefix]


ERROR_SCHEMA = {
    "title": "Error", "type": "object", "required": ["code", "message", "detail"],
    "properties": {
        "code": {"type": "string", "description": "What went wrong, for programs: e.g. `not_found`, "
                                                  "`validation_error`, `insufficient_balance`."},
        "message": {"type": "string", "description": "What went wrong, for people, in the request's language."},
        "detail": {"type": "object", "description": "Facts about it: the fields at fault, the balance, …"},
    },
}
# Every operation may answer these, each with the one error shape.
ERROR_ANSWERS = {
    "400": "The body is not valid JSON or the request is malformed (`json_invalid`).",
    "401": "No valid session, API token or device token (`unauthenticated`), or wrong credentials.",
    "403": "Signed in, but this role may not do this here.",
    "404": "No such record within your reach (another branch's record is a 404 too).",
    "409": "The record is not in a state that allows this step, or the step was already done.",
    "413": "The request is too large (`too_large`).",
    "422": "A field is missing, unknown or not valid (`validation_error`, `detail.errors` names each).",
    "429": "Too many attempts; wait and try again.",
    "503": "The database is briefly unavailable (`database_unavailable`); retry after `Retry-After`.",
}


def document_errors(doc: dict) -> dict:
    """Add the error answers, with the Error schema, to every operation that does not list them."""
    doc.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            for status, description in ERROR_ANSWERS.items():
                if int(status) not in answers and status not in answers:
                    answers[int(status)] = {"description": description, **reference}
    return doc


api = TimebankAPI(
    parser=NulFreeParser(),
    renderer=LocalTimeRenderer(),
    title="Timebank API",
    version="1",
    description="Community elder-care time bank. Authenticate with `POST /api/v1/auth/token`, then send "
                "`Authorization: Bearer <token>`. Errors are `{code, message, detail}`.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)


def error(request, status: int, code: str, message: str, detail: dict | None = None):
    return api.create_response(request, {"code": code, "message": message, "detail": detail or {}}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = [{"loc": [str(x) for x in e.get("loc", [])], "msg": str(e.get("msg", "")), "type": e.get("type", "")}
              for e in exc.errors]
    return error(request, 422, "validation_error", _("Some of the information is not valid."), {"errors": errors})


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error(request, 401, "unauthenticated", _("Sign in first, or send a valid API token."))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_outage(request, exc):
    # The database is unreachable (a restart, a failover): nothing was written; the client may retry.
    return outage_json()


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_value_out_of_range(request, exc):
    # A number too large for the database column (an id of 2**70, say): the request's fault.
    return error(request, 422, "value_out_of_range", _("A value is out of the allowed range."))


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request, exc):
    # A multipart upload without a boundary or with a broken body (roster import): the request's fault.
    return error(request, 400, "multipart_invalid", _("The uploaded form data could not be read."))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400 and "parse" in str(exc).lower():  # ninja could not read the body
        return error(request, 400, "json_invalid", _("The request body is not valid JSON."))
    return error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(RequestDataTooBig)
@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def on_too_large(request, exc):
    # A body past DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) or with too many fields: Django refuses to read it.
    return error(request, 413, "too_large", _("The request is too large."),
                 {"max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})


def unknown_path(request, *args, **kwargs):
    """Every /api/v1/ path no endpoint serves (urls.py routes them here, after the API's own)."""
    return error(request, 404, "not_found", _("There is no such API endpoint."),
                 {"path": request.path, "docs": reverse("api:openapi-view")})


from timebank.demands.api import router as demands_router  # noqa: E402
from timebank.health.api import router as health_router  # noqa: E402
from timebank.honours.api import router as honours_router  # noqa: E402
from timebank.ledger.api import router as ledger_router  # noqa: E402
from timebank.notices.api import router as notices_router  # noqa: E402
from timebank.orgs.api import router as orgs_router  # noqa: E402
from timebank.people.api import router as people_router  # noqa: E402
from timebank.rewards.api import router as rewards_router  # noqa: E402
from timebank.teams.api import router as teams_router  # noqa: E402
from timebank.training.api import router as training_router  # noqa: E402

api.add_router("", people_router)
api.add_router("/orgs", orgs_router)
api.add_router("", ledger_router)
api.add_router("", demands_router)
api.add_router("", notices_router)
api.add_router("", teams_router)
api.add_router("", training_router)
api.add_router("", rewards_router)
api.add_router("", health_router)
api.add_router("", honours_router)

from timebank.complaints.api import router as complaints_router  # noqa: E402
from timebank.suppliers.api import router as suppliers_router  # noqa: E402

api.add_router("", suppliers_router)
api.add_router("", complaints_router)
from timebank.broadcasts.api import router as broadcasts_router  # noqa: E402
from timebank.clearing.api import router as clearing_router  # noqa: E402

api.add_router("", broadcasts_router)
api.add_router("", clearing_router)

from timebank.stats.api import router as stats_router  # noqa: E402

api.add_router("/stats", stats_router)
from timebank.imports.api import router as imports_router  # noqa: E402

api.add_router("", imports_router)
from timebank.webhooks.api import router as webhooks_router  # noqa: E402

api.add_router("", webhooks_router)
