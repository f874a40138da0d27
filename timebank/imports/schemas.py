"""Shapes of the roster import API."""
import datetime as dt

from ninja import Schema

from .reasons import reason_text


class CountsOut(Schema):
    rows: int
    create: int
    skip: int
    reject: int
    created: int


class ProgressOut(Schema):
    done: int
    total: int
    percent: int


class ErrorOut(Schema):
    code: str
    message: str


class ReasonOut(Schema):
    code: str
    message: str


class ImportRowOut(Schema):
    row: int
    outcome: str
    reasons: list[ReasonOut]
    name: str
    id_masked: str
    gender: str
    birth_date: str
    mobile: str
    station_id: int | None
    station: str

    @staticmethod
    def resolve_row(obj) -> int:
        return obj.number

    @staticmethod
    def resolve_reasons(obj) -> list[dict]:
        return [{"code": code, "message": reason_text(code)} for code in obj.reasons]

    @staticmethod
    def resolve_station(obj) -> str:
        return obj.station_text


class ImportJobOut(Schema):
    id: int
    status: str
    kind: str
    file_name: str
    file_format: str
    encoding: str
    node_id: int
    bank_id: int
    counts: CountsOut
    progress: ProgressOut
    error: ErrorOut | None
    created_at: dt.datetime
    checked_at: dt.datetime | None
    committed_at: dt.datetime | None
    report_url: str


class ImportJobDetailOut(ImportJobOut):
    rejected_total: int
    rejected: list[ImportRowOut]
