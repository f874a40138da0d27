"""How the permission matrix fills in a request: which record a path parameter names (in the actor's own
branch A or in the other branch B), and a minimal plausible body for every write.

A value is an attribute name of the branch's records (`side`, see access_world) — the record's id is
used — or a function `(m, side, role)` returning the value. Parameters are looked up by the operation
first, then by their name."""
import datetime as dt
import itertools
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from timebank.conftest import PASSWORD
from timebank.lib.resident_id import compose

from .access_world import at, tiny_png

_fresh_days = itertools.count()


def _fresh_id(from_year: int) -> str:
    """An ID number nobody in the world holds: a new birth day per call, in years no persona is born in
    (test ID numbers repeat their serial every 100, so a shared birth day would collide)."""
    return compose("310110", dt.date(from_year, 1, 1) + dt.timedelta(days=next(_fresh_days) % 2900), 7, "F")


def _id(name):
    return lambda m, side, role: getattr(side, name).pk


# ---- the JSON API ---------------------------------------------------------------------------------

# By parameter name, for every operation that does not say otherwise.
API_PARAMS = {
    "person_id": "elder", "proxy_id": "proxy", "account_id": "account", "transfer_id": "transfer",
    "code": lambda m, side, role: m.service_type_code, "demand_id": "open_demand", "series_id": "series",
    "team_id": "team", "session_id": "session", "item_id": "reward_item", "card_id": "card", "alert_id": "alert",
    "supplier_id": "supplier", "order_id": "order_booked", "complaint_id": "complaint", "job_id": "import_job",
    "token_id": "token", "link_id": "proxy_link", "webhook_id": "webhook", "grant_id": "grant_request",
    "correction_id": "correction", "offer_id": "guarantee_offer", "notice_id": "call_notice",
    "subscription_id": "push_subscription", "run_id": "netting_run",
}

# By operation: the record in the state the operation acts on.
API_PARAMS_BY_OP = {
    "/api/v1/demands/{demand_id}/publish": {"demand_id": "draft_demand"},
    "/api/v1/demands/{demand_id}/unclaim": {"demand_id": "later_demand"},
    "/api/v1/demands/{demand_id}/check-in": {"demand_id": "claimed_demand"},
    "/api/v1/demands/{demand_id}/check-out": {"demand_id": "checked_in_demand"},
    "/api/v1/demands/{demand_id}/confirm": {"demand_id": "done_demand"},
    "/api/v1/demands/{demand_id}/dispute": {"demand_id": "done_demand"},
    "/api/v1/teams/{team_id}/members/{person_id}/approve": {"person_id": "newcomer"},
    "/api/v1/teams/{team_id}/members/{person_id}/decline": {"person_id": "newcomer"},
    "/api/v1/teams/{team_id}/members/{person_id}/remove": {"person_id": "newcomer"},
    "/api/v1/people/{person_id}/certificates": {"person_id": "volunteer"},
    "/api/v1/people/{person_id}/password": {"person_id": "volunteer"},
    "/api/v1/people/{person_id}/volunteer-decision": {"person_id": "pending_volunteer"},
    "/api/v1/people/{person_id}/tag": {"person_id": "volunteer"},
    "/api/v1/people/{person_id}/photo": {"person_id": "volunteer"},
    "/api/v1/suppliers/{supplier_id}/admit": {"supplier_id": "applied_supplier"},
    "/api/v1/people/{person_id}/move": {"person_id": "volunteer"},
    "/api/v1/suppliers/{supplier_id}/staff/{person_id}": {"person_id": "supplier_staff"},
    "/api/v1/suppliers/{supplier_id}/staff/{person_id}/admin": {"person_id": "supplier_staff"},
    "/api/v1/health/alerts/{alert_id}/follow-up": {"alert_id": "acknowledged_alert"},
    "/api/v1/health/alerts/{alert_id}/close": {"alert_id": "followed_up_alert"},
    "/api/v1/complaints/{complaint_id}/resolve": {"complaint_id": "accepted_complaint"},
    "/api/v1/supplier-orders/{order_id}/done": {"order_id": "order_accepted"},
    "/api/v1/reward-orders/{order_id}/cancel": {"order_id": "reward_order"},
    "/api/v1/people/{person_id}/record-certificates": {"person_id": "volunteer"},
    "/api/v1/demands/{demand_id}/paper-services": {"demand_id": "unserved_demand"},
    "/api/v1/orgs/{node_id}/children": {"node_id": "branch"},
    "/api/v1/orgs/{node_id}": {"node_id": "station"},
    "/api/v1/orgs/{node_id}/close": {"node_id": "station"},
    "/api/v1/orgs/role-grants/{grant_id}": {"grant_id": "station_staff_grant"},
    "/api/v1/assignments/{assignment_id}/resolve": {"assignment_id": "disputed_assignment"},
    "/api/v1/record-corrections/{correction_id}/decision": {"correction_id": "record_correction"},
    "/api/v1/reward-orders/{order_id}/hand-over": {"order_id": "reward_order"},
    "/api/v1/supplier-orders/{order_id}/confirm": {"order_id": "order_done"},
    # The bank's own supplier serves both branches: the settlement page's record (it has lines this month).
    "/api/v1/suppliers/{supplier_id}/settlement": {"supplier_id": "shared_supplier"},
    "/api/v1/suppliers/{supplier_id}/settlement/paid": {"supplier_id": "shared_supplier"},
    "/api/v1/orgs/{node_id}/rules": {"node_id": lambda m, side, role: m.bank.pk},
    "/api/v1/health/devices/{device_id}/revoke": {"device_id": "device"},
    "/api/v1/offers/{offer_id}": {"offer_id": "offer"},
    "/api/v1/offers/{offer_id}/withdraw": {"offer_id": "offer"},
    "/api/v1/offers/{offer_id}/pause": {"offer_id": "offer"},
    "/api/v1/offers/{offer_id}/resume": {"offer_id": "offer"},
    "/api/v1/offers/{offer_id}/request": {"offer_id": "offer"},
}


def _moment(days, hour):
    return at(days, hour).isoformat()


# Bodies (JSON unless noted) and query strings, by (method, path).
API_BODIES = {
    ("POST", "/api/v1/auth/token"): lambda m, side, role: {"username": side.volunteer.mobile, "password": PASSWORD},
    ("POST", "/api/v1/people"): lambda m, side, role: {
        "name": "矩阵新人", "id_number": _fresh_id(1931), "station_id": side.station.pk, "is_elder": True,
        "consent": True},
    ("PATCH", "/api/v1/people/{person_id}"): {"address": "矩阵路 1 号"},
    ("POST", "/api/v1/suppliers/{supplier_id}/staff"): lambda m, side, role: {
        "name": "矩阵员工", "id_number": _fresh_id(1921), "mobile": f"1360{next(_fresh_days) % 10000000:07d}",
        "station_id": side.station.pk, "password": "Matrix#2026x", "consent": True},
    ("PUT", "/api/v1/suppliers/{supplier_id}/staff/{person_id}/admin"): {"is_admin": True},
    ("POST", "/api/v1/call-list/{notice_id}/calls"): {"outcome": "no_answer", "note": "矩阵"},
    ("PUT", "/api/v1/me/notice-preferences"): {"new_demands": True, "max_km": 5, "free_slots": ["mon_am"]},
    ("POST", "/api/v1/me/push-subscriptions"): lambda m, side, role: {
        "endpoint": f"https://push.example.cn/matrix/{uuid.uuid4().hex}", "keys": {"p256dh": "BPk1", "auth": "a1"}},
    ("POST", "/api/v1/people/{person_id}/tag"): {"tag_id": ""},
    ("POST", "/api/v1/cross-bank-gifts"): lambda m, side, role: {
        "to_mobile": side.volunteer.mobile, "amount": 1, "from_person_id": side.elder.pk},
    ("POST", "/api/v1/people/{person_id}/move"): lambda m, side, role: {"station_id": side.station.pk,
                                                                      "reason": "矩阵"},
    ("POST", "/api/v1/clearing/netting-runs"): lambda m, side, role: {"business_day": str(at(-1, 9).date())},
    ("POST", "/api/v1/federation/reconciliations"): lambda m, side, role: {"peer_id": side.peer_platform.pk},
    ("POST", "/api/v1/federation/gifts"): lambda m, side, role: {
        "peer_id": side.peer_platform.pk, "to_mobile": "13700000001", "to_name": "远方", "amount": 1,
        "from_person_id": side.elder.pk},
    ("POST", "/api/v1/people/cards"): lambda m, side, role: {"person_ids": [side.volunteer.pk]},
    ("PUT", "/api/v1/people/{person_id}/photo"): lambda m, side, role: {"raw": (tiny_png(), "image/png")},
    ("POST", "/api/v1/broadcasts/preview"): lambda m, side, role: {"node_id": side.station.pk, "audience": "elders"},
    ("POST", "/api/v1/broadcasts"): lambda m, side, role: {"node_id": side.station.pk, "audience": "elders",
                                                          "text": "矩阵通知", "token": uuid.uuid4().hex},
    ("POST", "/api/v1/people/{person_id}/password"): {"new_password": "Matrix#2026x"},
    ("POST", "/api/v1/webhooks"): {"url": "https://hooks.example.org/matrix", "events": ["service.confirmed"]},
    ("POST", "/api/v1/people/{person_id}/grants"): {"amount": 1, "source": "issuance", "reason": "matrix"},
    ("POST", "/api/v1/grants/{grant_id}/decision"): {"approve": True},
    ("POST", "/api/v1/sessions/{session_id}/check-in"): {"code": "000000"},
    ("POST", "/api/v1/people/{person_id}/record-certificates"): {"person_in_charge": "matrix"},
    ("POST", "/api/v1/demands/{demand_id}/paper-services"): lambda m, side, role: {
        "volunteer_id": side.newcomer.pk, "started_at": at(0, 11, 30).isoformat(),
        "ended_at": at(0, 12, 30).isoformat(), "reason": "matrix"},
    ("POST", "/api/v1/demands/paper-services"): lambda m, side, role: {
        "reason": "matrix", "rows": [{"demand_id": side.unserved_demand.pk, "volunteer_id": side.newcomer.pk,
                                      "served_minutes": 60}]},
    ("POST", "/api/v1/assignments/{assignment_id}/resolve"): {"decision": "credit", "note": "matrix"},
    ("POST", "/api/v1/orgs/{node_id}/children"): {"name": "矩阵新站"},
    ("POST", "/api/v1/rewards"): lambda m, side, role: {"branch_id": side.branch.pk, "name": "矩阵毛巾",
                                                        "price_points": 10, "stock": 1},
    ("PATCH", "/api/v1/rewards/{item_id}"): {"price_points": 12},
    ("POST", "/api/v1/courses"): lambda m, side, role: {"node_id": side.branch.pk, "code": "matrix_api", "name": "矩阵课程",
                                                        "kind": "general", "valid_months": 12},
    ("POST", "/api/v1/sessions"): lambda m, side, role: {
        "course_id": side.course.pk, "node_id": side.station.pk, "starts_at": at(4, 9).isoformat(),
        "ends_at": at(4, 11).isoformat(), "place": "矩阵", "capacity": 3},
    ("PATCH", "/api/v1/orgs/{node_id}"): {"name": "矩阵社区"},
    ("POST", "/api/v1/orgs/role-grants"): lambda m, side, role: {"mobile": side.newcomer.mobile, "role": "station_staff",
                                                                 "node_id": side.station.pk},
    ("POST", "/api/v1/record-corrections"): lambda m, side, role: {"assignment_id": side.served_assignment.pk,
                                                                   "description": "matrix"},
    ("POST", "/api/v1/record-corrections/{correction_id}/decision"): {"decision": "accept", "note": "matrix"},
    ("POST", "/api/v1/teams/{team_id}/claims"): lambda m, side, role: {"demand_id": side.group_demand.pk,
                                                                       "member_ids": [side.team_leader.pk]},
    ("POST", "/api/v1/sessions/{session_id}/attendance"): lambda m, side, role: {"person_ids": [side.newcomer.pk]},
    ("POST", "/api/v1/transfers/{transfer_id}/corrections"): {"amount": 1, "reason": "matrix"},
    ("POST", "/api/v1/corrections/{correction_id}/decision"): {"approve": True},
    ("POST", "/api/v1/people/{person_id}/volunteer-decision"): {"approve": True},
    ("POST", "/api/v1/volunteer-decisions"): lambda m, side, role: {"person_ids": [side.pending_volunteer.pk],
                                                                    "approve": True},
    ("POST", "/api/v1/proxy-links"): lambda m, side, role: {"elder_id": side.elder.pk, "proxy_id": side.volunteer.pk,
                                                            "relation": "neighbour"},
    ("POST", "/api/v1/signup"): lambda m, side, role: {
        "name": "矩阵志愿", "mobile": "13811112222", "password": "Matrix#2026x", "id_number": _fresh_id(1991),
        "station_id": side.station.pk, "consent": True},
    ("POST", "/api/v1/transfers"): lambda m, side, role: {"kind": "donation", "amount": 1,
                                                          "from_person_id": side.elder.pk},
    ("POST", "/api/v1/service-types"): {"code": "matrix_type", "name": "矩阵服务", "category": "assistance",
                                        "mode": "one_to_one", "default_minutes": 60, "rate_percent": 100},
    ("PATCH", "/api/v1/service-types/{code}"): {"name": "聊天慰问（改）"},
    ("POST", "/api/v1/demands"): lambda m, side, role: {
        "station_id": m.a.station.pk, "service_type_id": m.chat.pk, "elder_id": side.elder.pk,
        "starts_at": _moment(3, 9), "ends_at": _moment(3, 10), "address": "矩阵路", "payer": "elder"},
    ("POST", "/api/v1/demands/visitors"): lambda m, side, role: {
        "mobile": side.elder.mobile, "id_number": getattr(side.elder, "plain_id_number", "")},
    ("POST", "/api/v1/demands/{demand_id}/cancel"): {"reason": "matrix"},
    ("POST", "/api/v1/demands/{demand_id}/dispatch"): lambda m, side, role: {"volunteer_id": side.newcomer.pk},
    ("PUT", "/api/v1/demands/{demand_id}/point"): lambda m, side, role: {"latitude": side.near[0],
                                                                         "longitude": side.near[1]},
    # Staff name the volunteer they check in or out; the volunteer is themself.
    ("POST", "/api/v1/demands/{demand_id}/check-in"): lambda m, side, role: {
        "latitude": side.near[0], "longitude": side.near[1],
        **({} if role == "volunteer" else {"volunteer_id": side.volunteer.pk})},
    ("POST", "/api/v1/demands/{demand_id}/check-out"): lambda m, side, role: (
        {} if role == "volunteer" else {"volunteer_id": side.volunteer.pk}),
    ("POST", "/api/v1/demands/{demand_id}/unclaim"): lambda m, side, role: (
        {} if role == "volunteer" else {"volunteer_id": side.volunteer.pk}),
    ("POST", "/api/v1/demands/{demand_id}/confirm"): {"rating": 5},
    ("POST", "/api/v1/demands/{demand_id}/dispute"): {"reason": "matrix"},
    ("PATCH", "/api/v1/demand-series/{series_id}"): {"notes": "matrix"},
    ("POST", "/api/v1/demand-series/{series_id}/cancel"): {"reason": "matrix"},
    ("POST", "/api/v1/teams"): lambda m, side, role: {"node_id": side.branch.pk, "name": "矩阵服务队",
                                                      "leader_id": side.newcomer.pk},
    ("POST", "/api/v1/health/readings"): lambda m, side, role: {"readings": [
        {"card_uid": side.card.uid, "kind": "bp", "systolic": 120, "diastolic": 80, "measured_at": _moment(0, 8),
         "sequence": 1}]},
    ("POST", "/api/v1/health/cards"): lambda m, side, role: {"elder_id": side.elder.pk, "uid": "04MATRIX",
                                                             "replaces": side.card.pk},
    ("POST", "/api/v1/health/alerts/{alert_id}/follow-up"): {"outcome": "phoned", "note": "matrix"},
    ("POST", "/api/v1/health/alerts/{alert_id}/close"): {"note": "matrix"},
    ("PUT", "/api/v1/people/{person_id}/thresholds"): {"reason": "matrix", "bp_systolic_high": 155},
    ("PUT", "/api/v1/people/{person_id}/health-consents/{proxy_id}"): {"consent": False},
    ("POST", "/api/v1/suppliers"): lambda m, side, role: {
        "node_id": side.branch.pk, "name": "矩阵供应商", "credit_code": m.new_credit_code(), "contact_name": "矩阵",
        "contact_phone": "13700009999", "area_ids": [side.branch.pk],
        "licences": [{"kind": "营业执照", "number": "L-matrix", "expires_on": str(dt.date.today().replace(
            year=dt.date.today().year + 1))}],
        "offers": [{"service_type_id": m.haircut.pk, "price_fen": 2500, "accepts_coins": True}]},
    ("PATCH", "/api/v1/suppliers/{supplier_id}"): {"address": "矩阵路 9 号"},
    ("POST", "/api/v1/suppliers/{supplier_id}/suspend"): {"reason": "matrix"},
    ("POST", "/api/v1/suppliers/{supplier_id}/remove"): {"reason": "matrix"},
    ("POST", "/api/v1/supplier-orders"): lambda m, side, role: {
        "supplier_id": side.supplier.pk, "service_type_id": m.haircut.pk, "elder_id": side.elder.pk,
        "starts_at": _moment(3, 15), "payment": "coins", "address": "家中"},
    ("POST", "/api/v1/supplier-orders/{order_id}/decline"): {"reason": "matrix"},
    ("POST", "/api/v1/supplier-orders/{order_id}/confirm"): {"rating": 5},
    ("POST", "/api/v1/complaints"): lambda m, side, role: {"subject": "supplier", "category": "quality",
                                                           "text": "matrix", "supplier_id": side.supplier.pk},
    ("POST", "/api/v1/complaints/{complaint_id}/reject"): {"reason": "matrix"},
    ("POST", "/api/v1/complaints/{complaint_id}/resolve"): {"outcome": "matrix", "upheld": False},
    ("POST", "/api/v1/suppliers/{supplier_id}/settlement/paid"): lambda m, side, role: {
        "month": f"{timezone.localdate():%Y-%m}"},
    ("POST", "/api/v1/supplier-meetings"): lambda m, side, role: {
        "held_on": str(at(0, 9).date()), "title": "矩阵例会", "attendees": "全体", "minutes": "matrix",
        "supplier_ids": [side.supplier.pk], "decisions": [{"text": "矩阵决定", "owner": "矩阵"}]},
    ("PATCH", "/api/v1/supplier-rules"): {"guarantee_hours": 24},
    ("POST", "/api/v1/imports"): lambda m, side, role: {
        "multipart": {"kind": "elders", "node_id": side.station.pk, "consent": "true", "file": m.roster()}},
    ("PATCH", "/api/v1/orgs/{node_id}/rules"): {"elder_min_age": 61},
    ("PUT", "/api/v1/health/thresholds"): {"bp_systolic_high": 155},
    ("POST", "/api/v1/health/devices"): lambda m, side, role: {"station_id": side.station.pk, "serial": "BP-MATRIX-API",
                                                               "model": "YE"},
    ("POST", "/api/v1/ledger/chain/check"): {},
    ("PUT", "/api/v1/me/areas"): lambda m, side, role: {"branch_ids": [m.b.branch.pk]},
    ("POST", "/api/v1/offers"): lambda m, side, role: {"service_type_id": m.chat.pk, "description": "矩阵：我会陪聊",
                                                       "free_slots": ["mon_am"]},
    ("POST", "/api/v1/offers/{offer_id}/request"): lambda m, side, role: {
        "elder_id": side.elder.pk, "starts_at": _moment(3, 9), "minutes": 60},
    # Queries of reads whose answer depends on a record.
    ("GET", "/api/v1/health/cards"): lambda m, side, role: {"query": {"elder_id": side.elder.pk}},
    ("GET", "/api/v1/stats/summary"): lambda m, side, role: {"query": {"node": side.branch.pk}},
    ("GET", "/api/v1/stats/timeseries"): lambda m, side, role: {"query": {"node": side.branch.pk,
                                                                          "metric": "served_minutes"}},
    ("GET", "/api/v1/people"): lambda m, side, role: {"query": {"station_id": side.station.pk}},
    ("GET", "/api/v1/demands"): lambda m, side, role: {"query": {"station": side.station.pk}},
    ("GET", "/api/v1/supplier-orders"): lambda m, side, role: {"query": {"supplier": side.supplier.pk}},
    ("GET", "/api/v1/health/alerts"): lambda m, side, role: {"query": {"elder_id": side.elder.pk}},
}


# ---- the pages ------------------------------------------------------------------------------------

# By URL name: path parameters, then (optionally) "query" for GET and "data" for POST.
def _key():
    import uuid

    return uuid.uuid4().hex


def _local(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def _rules(m, side, role):
    """The bank's rules form, filled in with the rules in force and one change."""
    from timebank.orgs.rules import all_fields
    from timebank.orgs.selectors import rules_for

    current = rules_for(m.bank)
    data = {f: getattr(current, f) for f in all_fields()}
    data = {k: ("on" if v else "") if isinstance(v, bool) else v for k, v in data.items()}
    data["elder_min_age"] = 61
    return data


def _supplier_rules(m, side, role):
    from timebank.suppliers.forms import SupplierRulesForm
    from timebank.suppliers.selectors import supplier_rules_for

    current = supplier_rules_for(m.bank)
    data = {f: getattr(current, f) for f in SupplierRulesForm._meta.fields}
    data = {k: ("on" if v else "") if isinstance(v, bool) else v for k, v in data.items()}
    data["guarantee_hours"] = 24
    return data


def _thresholds(m, side, role):
    from timebank.health.selectors import thresholds_for
    from timebank.health.services import THRESHOLD_FIELDS

    current = thresholds_for(side.elder.bank, side.elder)
    return {**{f: getattr(current, f) for f in THRESHOLD_FIELDS}, "bp_systolic_high": 155, "reason": "matrix"}


PAGE_REQUESTS = {
    "people:login": {"data": lambda m, side, role: {"username": side.volunteer.mobile, "password": PASSWORD}},
    "people:care_mode": {"data": {"next": "/"}},
    "people:list": {"query": lambda m, side, role: {"station": side.station.pk}},
    "people:register": {"data": lambda m, side, role: {
        "kind": "elder", "name": "矩阵新人", "id_number": _fresh_id(1931), "station": side.station.pk,
        "consent": "on"}},
    "people:detail": {"pk": "elder"},
    "people:edit": {"pk": "elder", "data": lambda m, side, role: {
        "name": side.elder.name, "mobile": side.elder.mobile, "address": "矩阵路 1 号", "node": side.station.pk,
        "status": "active", "is_elder": "on"}},
    "people:reveal": {"pk": "elder"},
    "people:password": {"pk": "volunteer", "data": {"new_password": "Matrix#2026x",
                                                    "new_password_again": "Matrix#2026x"}},
    # Staff name themselves as the elder's proxy; others name the volunteer.
    "people:proxy_add": {"pk": "elder", "data": lambda m, side, role: {
        "mobile": (m.actors.get(role) or side.volunteer).mobile, "relation": "child"}},
    "people:proxy_remove": {"pk": "elder", "link_pk": "proxy_link"},
    "people:proxy_confirm": {"link_pk": "proxy_link"},
    "people:proxy_decline": {"link_pk": "proxy_link"},
    "people:unlock": {"pk": "elder"},
    "people:signup": {"data": lambda m, side, role: {
        "name": "矩阵志愿", "id_number": _fresh_id(1991), "station": side.station.pk,
        "mobile": "13811112222", "password": "Matrix#2026x", "password_again": "Matrix#2026x", "consent": "on"}},
    "people:approval_decide": {"pk": "pending_volunteer", "data": {"decision": "approve"}},
    "people:tag": {"pk": "volunteer", "data": {"tag_id": ""}},
    "people:card": {"pk": "volunteer"},
    "people:photo": {"pk": "volunteer", "data": lambda m, side, role: {
        "photo": SimpleUploadedFile("me.png", tiny_png(), content_type="image/png")}},
    "people:cards": {"data": lambda m, side, role: {"person": [side.volunteer.pk], "token": uuid.uuid4().hex}},
    "people:approvals_decide": {"data": lambda m, side, role: {"person": [side.pending_volunteer.pk],
                                                               "decision": "approve"}},
    "people:tokens": {"data": {"name": "matrix"}},
    "people:token_revoke": {"pk": "token"},
    "orgs:node": {"pk": "branch"},
    "orgs:node_rename": {"pk": "station", "data": {"name": "矩阵社区"}},
    "orgs:node_add": {"pk": "branch", "data": {"name": "矩阵新站"}},
    "orgs:node_close": {"pk": "station"},
    "orgs:grants": {"data": lambda m, side, role: {
        "mobile": side.newcomer.mobile, "role": "station_staff", "node": side.station.pk}},
    "orgs:grant_revoke": {"pk": "station_staff_grant"},
    "orgs:rules": {"data": _rules},
    "ledger:coins": {"pk": "elder"},
    "ledger:pdf": {"pk": "elder"},
    "ledger:gift": {"pk": "elder", "data": lambda m, side, role: {
        "minutes": "1", "key": _key(), "recipient": side.proxy.pk, "step": "confirm"}},
    "ledger:donate": {"pk": "elder", "data": lambda m, side, role: {"minutes": "1", "key": _key(), "step": "confirm"}},
    "ledger:grant": {"pk": "elder", "data": lambda m, side, role: {
        "minutes": "1", "key": _key(), "source": "issuance", "reason": "matrix", "step": "confirm"}},
    "ledger:correct": {"pk": "transfer", "data": lambda m, side, role: {
        "minutes": "1", "key": _key(), "reason": "matrix", "step": "confirm"}},
    "ledger:correction_decide": {"pk": "correction", "data": {"decision": "approve"}},
    "ledger:grant_decide": {"pk": "grant_request", "data": {"decision": "approve"}},
    "ledger:verify": {"token": lambda m, side, role: side.passbook_token},
    "ledger:liability": {"query": lambda m, side, role: {"node": side.branch.pk}},
    "demands:areas": {"data": lambda m, side, role: {"branch": [m.b.branch.pk]}},
    "demands:task": {"pk": "claimed_assignment"},
    "demands:check_in": {"pk": "claimed_assignment", "data": lambda m, side, role: {
        "latitude": side.near[0], "longitude": side.near[1]}},
    "demands:check_out": {"pk": "checked_in_assignment"},
    "demands:unclaim": {"pk": "later_assignment"},
    "demands:request_new": {"data": lambda m, side, role: {
        "elder": side.elder.pk, "service_type": m.chat.pk, "day": str(at(3, 9).date()), "start": "09:00",
        "end": "10:00", "address": "矩阵路", "payer": "elder"}},
    "demands:request_elsewhere": {"data": lambda m, side, role: {
        "bank": m.bank.pk, "elder": side.elder.pk, "station": side.station.pk, "service_type": m.chat.pk,
        "day": str(at(3, 9).date()), "start": "09:00", "end": "10:00", "address": "矩阵路"}},
    "demands:visitor_new": {"data": lambda m, side, role: {
        "mobile": side.elder.mobile, "id_number": getattr(side.elder, "plain_id_number", ""), "station": m.a.station.pk,
        "service_type": m.chat.pk, "day": str(at(3, 9).date()), "start": "09:00", "end": "10:00",
        "address": "矩阵路", "step": "book"}},
    "demands:confirm": {"pk": "done_assignment", "data": {"rating": "5"}},
    "demands:dispute": {"pk": "done_assignment", "data": {"reason": "matrix"}},
    "demands:resolve": {"pk": "disputed_assignment", "data": {"decision": "credit", "note": "matrix"}},
    # The elder picker shows the elder the query names (the search button without JavaScript).
    "demands:new": {"query": lambda m, side, role: {"elder_q": "", "elder": side.elder.pk},
                    "data": lambda m, side, role: {
                        "station": m.a.station.pk, "service_type": m.chat.pk, "elder": side.elder.pk,
                        "day": str(at(3, 9).date()), "start": "09:00", "end": "10:00", "headcount": "1",
                        "address": "矩阵路", "payer": "elder", "publish": "on"}},
    "demands:elder_search": {"query": lambda m, side, role: {"elder_q": side.elder.name}},
    "demands:board": {"query": lambda m, side, role: {"station": side.station.pk}},
    "demands:series": {"pk": "series", "data": lambda m, side, role: {
        "start": "09:00", "duration_minutes": "60", "until": str(side.series.until), "headcount": "1",
        "address": side.series.address, "notes": "matrix"}},
    "demands:series_cancel": {"pk": "series", "data": {"reason": "matrix"}},
    "demands:service_type_new": {"data": {
        "code": "matrix_type", "name": "矩阵服务", "category": "assistance", "mode": "one_to_one",
        "default_minutes": "60", "rate_percent": "100", "points_per_hour": "10", "is_active": "on"}},
    "demands:service_type_edit": {"code": lambda m, side, role: m.service_type_code, "data": {
        "name": "聊天慰问（改）", "category": "emotional", "mode": "one_to_one", "default_minutes": "60",
        "rate_percent": "100", "points_per_hour": "10", "is_active": "on"}},
    "demands:detail": {"pk": "open_demand"},
    "demands:claim": {"pk": "open_demand"},
    "demands:publish": {"pk": "draft_demand"},
    "demands:cancel": {"pk": "open_demand", "data": {"reason": "matrix"}},
    "demands:dispatch": {"pk": "open_demand", "data": lambda m, side, role: {"volunteer": side.newcomer.pk}},
    "demands:map": {"pk": "open_demand"},
    "demands:pin": {"pk": "open_demand", "data": {"nudge": "n"}},
    "demands:notice_preferences": {"data": {"new_demands": "1", "max_km": "5", "free_slots": ["sat_am"]}},
    "demands:scan": {"query": lambda m, side, role: {"tag": side.volunteer.tag_id}},
    "demands:checkin_poster": {"pk": lambda m, side, role: side.station.pk},
    "demands:day_sheet": {"query": lambda m, side, role: {"station": side.station.pk}},
    "demands:paper": {"pk": "unserved_demand", "data": lambda m, side, role: {
        "volunteer": side.newcomer.pk, "day": str(at(0, 11).date()), "start": "11:30", "end": "12:30",
        "reason": "matrix"}},
    "demands:paper_day": {
        "query": lambda m, side, role: {"station": side.station.pk, "date": str(at(0, 11).date())},
        "data": lambda m, side, role: {
            "station": side.station.pk, "date": str(at(0, 11).date()), "token": uuid.uuid4().hex, "reason": "matrix",
            "row": [f"{side.unserved_demand.pk}-{side.newcomer.pk}"],
            f"minutes-{side.unserved_demand.pk}-{side.newcomer.pk}": "60"}},
    "health:alert_action": {"alert_id": "alert", "action": lambda m, side, role: "acknowledge"},
    "health:alert_contacts": {"alert_id": "alert"},
    "notices:push_subscribe": {"data": {"endpoint": "https://push.example.cn/x"}},
    "notices:call_record": {"notice_id": "call_notice", "data": {"outcome": "no_answer", "note": "矩阵"}},
    "clearing:run": {"pk": "netting_run"},
    "clearing:statement": {"pk": "netting_run", "bank_pk": lambda m, side, role: m.bank.pk},
    "clearing:index": {"data": lambda m, side, role: {"business_day": str(at(-1, 9).date())}},
    "clearing:federation": {"data": lambda m, side, role: {"peer": side.peer_platform.pk}},
    "clearing:gift_mine": {"data": lambda m, side, role: {
        "mobile": side.volunteer.mobile, "minutes": "1", "key": _key(), "step": "confirm"}},
    "clearing:gift": {"pk": "elder", "data": lambda m, side, role: {
        "mobile": side.volunteer.mobile, "minutes": "1", "key": _key(), "step": "confirm"}},
    "clearing:city_gift_mine": {"data": lambda m, side, role: {
        "peer": side.peer_platform.pk, "mobile": "13700000001", "name": "远方", "minutes": "1", "key": _key(),
        "step": "confirm"}},
    "clearing:city_gift": {"pk": "elder", "data": lambda m, side, role: {
        "peer": side.peer_platform.pk, "mobile": "13700000001", "name": "远方", "minutes": "1", "key": _key(),
        "step": "confirm"}},
    "clearing:move": {"person_pk": "volunteer", "data": lambda m, side, role: {
        "station": side.station.pk, "reason": "矩阵", "token": uuid.uuid4().hex}},
    "broadcasts:index": {"data": lambda m, side, role: {"node": side.station.pk, "audience": "elders",
                                                       "text": "矩阵通知", "token": uuid.uuid4().hex,
                                                       "action": "send"}},
    "health:elder": {"person_id": "elder"},
    "health:elder_pdf": {"person_id": "elder"},
    "health:reading_new": {"person_id": "elder", "data": lambda m, side, role: {
        "kind": "bp", "systolic": "120", "diastolic": "80", "measured_at": _local(at(0, 14))}},
    "health:elder_thresholds": {"person_id": "elder", "data": _thresholds},
    "health:thresholds": {"data": _thresholds},
    "health:consents": {"person_id": "elder", "data": lambda m, side, role: {"proxy_id": side.proxy.pk,
                                                                             "consent": ""}},
    "health:cards": {"data": lambda m, side, role: {"lost": side.card.pk}},
    "health:elder_search": {"query": lambda m, side, role: {"elder_q": side.elder.name[:1]}},
    "health:devices": {"data": lambda m, side, role: {"station_id": side.station.pk, "serial": "BP-MATRIX",
                                                      "model": "YE"}},
    "teams:new": {"data": lambda m, side, role: {"node": side.branch.pk, "name": "矩阵服务队",
                                                 "leader": side.newcomer.pk}},
    "teams:detail": {"pk": "team"},
    "teams:roster": {"pk": "team"},
    "teams:join": {"pk": "team"},
    "teams:leave": {"pk": "team"},
    "teams:claim": {"pk": "team", "data": lambda m, side, role: {"demand": side.group_demand.pk,
                                                                  "members": [side.team_leader.pk]}},
    "teams:decide": {"pk": "team", "person_pk": "newcomer", "data": {"decision": "approve"}},
    "teams:remove": {"pk": "team", "person_pk": "newcomer"},
    "training:course_new": {"data": lambda m, side, role: {
        "node": side.branch.pk, "code": "matrix", "name": "矩阵课程", "kind": "general", "valid_months": "12"}},
    "training:session_new": {"data": lambda m, side, role: {
        "course": side.course.pk, "node": side.station.pk, "day": str(at(4, 9).date()), "start": "09:00",
        "end": "11:00", "place": "矩阵", "capacity": "3"}},
    "training:session": {"pk": "session"},
    "training:signup": {"pk": "session"},
    "training:cancel": {"pk": "session"},
    "training:check_in": {"pk": "session", "data": {"code": "000000"}},
    "training:attendance_sheet": {"pk": "session"},
    "training:attendance": {"pk": "session", "data": lambda m, side, role: {"attended": [side.newcomer.pk]}},
    "training:person_certificates": {"person_pk": "volunteer"},
    "honours:record_download": {"fmt": lambda m, side, role: "xlsx"},
    "honours:person_record": {"person_pk": "volunteer"},
    "honours:person_record_download": {"person_pk": "volunteer", "fmt": lambda m, side, role: "xlsx"},
    "honours:certificate_issue": {"person_pk": "volunteer", "data": {"person_in_charge": "matrix"}},
    "honours:certificate_pdf": {"number": lambda m, side, role: side.record_certificate.number},
    "honours:verify": {"token": lambda m, side, role: side.certificate_token},
    "honours:correction_new": {"data": lambda m, side, role: {"assignment": side.served_assignment.pk,
                                                              "description": "matrix"}},
    "honours:correction_decide": {"pk": "record_correction", "data": {"decision": "accept", "note": "matrix"}},
    "rewards:order": {"pk": "reward_item", "data": lambda m, side, role: {"key": _key(), "step": "confirm"}},
    "rewards:cancel": {"pk": "reward_order"},
    "rewards:hand_over": {"pk": "reward_order"},
    "rewards:item_new": {"data": lambda m, side, role: {"branch": side.branch.pk, "name": "矩阵毛巾",
                                                        "price_points": "10", "stock": "1", "is_active": "on"}},
    "rewards:item_edit": {"pk": "reward_item", "data": lambda m, side, role: {
        "branch": side.branch.pk, "name": "矩阵毛巾", "price_points": "10", "stock": "1", "is_active": "on"}},
    "rewards:pickup": {"query": lambda m, side, role: {"q": side.volunteer.mobile}},
    "suppliers:new": {"data": lambda m, side, role: {
        "node": side.branch.pk, "name": "矩阵供应商", "credit_code": m.new_credit_code(), "contact_name": "矩阵",
        "contact_phone": "13700009999"}},
    "suppliers:apply": {"data": lambda m, side, role: {
        "node": side.branch.pk, "name": "矩阵申请", "credit_code": m.new_credit_code(), "contact_name": "矩阵",
        "contact_phone": "13700009998", "licence_kind": "营业执照", "licence_number": "L-apply",
        "licence_expires_on": str(at(365, 9).date()), "application_note": "理发", "consent": "on"}},
    "suppliers:detail": {"supplier_id": "supplier", "data": {"action": "transition", "t-to": "suspended",
                                                              "t-reason": "matrix"}},
    "suppliers:score": {"supplier_id": "supplier"},
    # The settlement of the bank's own supplier, which serves both branches, as the spreadsheet staff download.
    "suppliers:settlement": {"supplier_id": "shared_supplier", "query": {"export": "xlsx"}},
    "suppliers:book": {"supplier_id": "supplier", "data": lambda m, side, role: {
        "elder": side.elder.pk, "service_type": m.haircut.pk, "starts_at": _local(at(3, 15)), "payment": "coins",
        "address": "家中"}},
    "suppliers:confirm": {"order_id": "order_done", "data": {"rating": "5"}},
    "suppliers:order_action": {"order_id": "order_booked", "action": lambda m, side, role: "accept"},
    "suppliers:guarantee_take": {"offer_id": "guarantee_offer"},
    "complaints:new": {"data": lambda m, side, role: {"subject": "supplier", "supplier": side.supplier.pk,
                                                               "category": "quality", "text": "matrix"}},
    "complaints:detail": {"complaint_id": "complaint", "data": {"action": "accept"}},
    "complaints:photo": {"photo_id": "complaint_photo"},
    "suppliers:meetings": {"data": lambda m, side, role: {
        "held_on": str(at(0, 9).date()), "title": "矩阵例会", "attendees": "全体", "minutes": "matrix",
        "suppliers": [side.supplier.pk]}},
    "suppliers:rules": {"data": _supplier_rules},
    "stats:dashboard": {"query": lambda m, side, role: {"node": side.branch.pk}},
    "stats:report_pdf": {"query": lambda m, side, role: {"node": side.branch.pk}},
    "demands:offer_new": {"data": lambda m, side, role: {"service_type": m.chat.pk, "description": "矩阵：我会陪聊",
                                                         "free_slots": ["mon_am"]}},
    "demands:offer_detail": {"pk": "offer"},
    "demands:offer_status": {"pk": "offer", "data": {"action": "withdraw"}},
    "demands:offer_request": {"pk": "offer", "data": lambda m, side, role: {
        "elder": side.elder.pk, "day": str(at(3, 9).date()), "start": "09:00", "end": "10:00", "payer": "branch",
        "key": _key()}},
    "imports:list": {"data": lambda m, side, role: {"kind": "elders", "node": side.station.pk, "consent": "on",
                                                    "file": m.roster()}},
    "imports:template": {"kind": lambda m, side, role: "elders", "file_format": lambda m, side, role: "csv"},
    "imports:detail": {"pk": "import_job"},
    "imports:progress": {"pk": "import_job"},
    "imports:commit": {"pk": "import_job"},
    "imports:rejected": {"pk": "import_job", "file_format": lambda m, side, role: "csv"},
}

# Any other path parameter of a page (the Django admin's object ids, say) is this.
PAGE_PARAM_FALLBACK = {"object_id": lambda m, side, role: "1", "content_type_id": lambda m, side, role: "1",
                       "app_label": lambda m, side, role: "people", "url": lambda m, side, role: "missing/"}
