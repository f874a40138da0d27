"""An integrator's first script: register an elder, publish a request for her care, read her passbook.

It uses a typed client generated from the OpenAPI document, nothing hand-written:

    openapi-python-client generate --url http://127.0.0.1:8000/api/v1/openapi.json \
        --output-path timebank_client --meta none
    python docs/examples/api_client.py http://127.0.0.1:8000 13900000004 'Demo#2026' [ELDER_ID [DAY]]

DAY (YYYY-MM-DD) is the day to book, the day after tomorrow by default.

(`make test` runs exactly this against its live test server: timebank/tests/test_api_client_example.py.)"""
import datetime as dt
import random
import sys

from timebank_client import AuthenticatedClient, Client
from timebank_client.api.demands import demand_create, service_type_list
from timebank_client.api.ledger import account_detail, account_transfers
from timebank_client.api.orgs import orgs_list
from timebank_client.api.people import people_create, people_get, token_create
from timebank_client.models import DemandIn, Error, PersonIn, TokenIn

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def resident_id(birth: dt.date, serial: int, region: str = "310110") -> str:
    """A valid 18-character resident ID (GB 11643 check digit) for a made-up person."""
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


def ok(answer):
    """Every operation answers its documented model or the one Error shape."""
    if isinstance(answer, Error) or answer is None:
        raise SystemExit(f"refused: {answer.code if answer else 'no answer'}: {answer.message if answer else ''}")
    return answer


def main(base_url: str, username: str, password: str, other_elder_id: str = "", day: str = "") -> None:
    token = ok(token_create.sync(client=Client(base_url=base_url), body=TokenIn(username=username, password=password)))
    api = AuthenticatedClient(base_url=base_url, token=token.token)

    station = ok(orgs_list.sync(client=api, kind="station")).items[0]
    service = next(t for t in ok(service_type_list.sync(client=api)).items if t.code == "chat_visit")
    birth = dt.date(1936, 1, 1) + dt.timedelta(days=random.randrange(3000))
    elder = ok(people_create.sync(client=api, body=PersonIn(
        name="示例老人", id_number=resident_id(birth, random.randrange(1, 999, 2)), station_id=station.id,
        is_elder=True, consent=True)))
    print(f"registered elder {elder.id} at {station.name}; time account {elder.time_account_id}")

    booked = dt.date.fromisoformat(day) if day else dt.date.today() + dt.timedelta(days=2)
    starts = dt.datetime.combine(booked, dt.time(9, 30), SHANGHAI)
    demand = ok(demand_create.sync(client=api, body=DemandIn(
        station_id=station.id, service_type_id=service.id, elder_id=elder.id, address="政立路 100 弄 3 号",
        latitude=31.3, longitude=121.51, starts_at=starts, ends_at=starts + dt.timedelta(hours=1))))
    print(f"request {demand.id} for {service.name}: {demand.status}, starts {demand.starts_at}")

    print_passbook(api, elder)
    if other_elder_id:  # an elder who already has coins
        print_passbook(api, ok(people_get.sync(person_id=int(other_elder_id), client=api)))


def print_passbook(api, person) -> None:
    """An account opens with the person's first coin movement (`time_account_id` is null until then)."""
    if person.time_account_id is None:
        print(f"passbook of {person.name}: balance 0 minutes, 0 entries")
        return
    account = ok(account_detail.sync(account_id=person.time_account_id, client=api))
    passbook = ok(account_transfers.sync(account_id=person.time_account_id, client=api))
    lines = "; ".join(f"{t.kind} {t.amount}" for t in passbook.items)
    print(f"passbook of {person.name}: balance {account.balance} minutes, {len(passbook.items)} entries ({lines})")


if __name__ == "__main__":
    main(*sys.argv[1:6])
