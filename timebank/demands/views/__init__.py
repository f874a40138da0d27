"""Demand pages. Volunteers: the feed, my tasks with one big check-in/out button, history.
Elders and proxies: my requests, ask for help, confirm with five faces. Station staff: the board,
publish, week calendar, a demand with dispatch, paper service and confirm on behalf. Branch
admins: the overview of their stations and disputes; bank admins: the service catalogue; weekly
requests. Every write calls a service. One module per group of pages; every view is named here."""
from .bank import service_type_edit, service_types
from .branch import overview, resolve
from .elders import confirm, dispute, request_elsewhere, request_new, requests
from .offers import offer_board, offer_detail, offer_new, offer_request, offer_status, offers
from .start import index
from .station import (
    board,
    calendar,
    cancel,
    checkin_poster,
    day_sheet,
    demand_map,
    demand_new,
    demand_pin,
    detail,
    dispatch,
    elder_search,
    paper,
    paper_day,
    publish,
    scan,
    visitor_new,
)
from .volunteers import areas, check_in, check_out, claim, feed, history, notice_preferences, task, tasks, unclaim
from .weekly import series, series_cancel

__all__ = [
    "offer_board",
    "offer_detail",
    "offer_new",
    "offer_request",
    "offer_status",
    "offers",
    "scan",
    "request_elsewhere",
    "visitor_new",
    "checkin_poster",
    "demand_map",
    "demand_pin",
    "notice_preferences",
    "areas", "board", "calendar", "cancel", "day_sheet", "check_in", "check_out", "claim", "confirm", "demand_new", "detail",
    "dispatch", "dispute", "elder_search", "feed", "history", "index", "overview", "paper", "paper_day", "publish", "request_new",
    "requests", "resolve", "series", "series_cancel", "service_type_edit", "service_types", "task", "tasks", "unclaim",
]
