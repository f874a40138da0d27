"""Staff ledger pages: granting coins to a hardship elder, asking for a correction, and the
four-eyes queue where a second admin approves or rejects it."""
import re

from timebank.audit.models import AuditEvent
from timebank.ledger import services
from timebank.ledger.models import CorrectionRequest, Transfer, TransferKind
from timebank.orgs.roles import Role
from timebank.orgs.services import role_grant


def form_key(response) -> str:
    return re.search(r'name="key" value="([0-9a-f]{32})"', response.content.decode()).group(1)


def page(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_branch_admin_grants_coins_to_a_hardship_elder_once_with_a_reason(world, client):
    client.force_login(world.branch_admin)
    record = page(client.get(f"/people/{world.elder.pk}/"))
    assert f"/ledger/people/{world.elder.pk}/grant/" in record
    url = f"/ledger/people/{world.elder.pk}/grant/"
    key = form_key(client.get(url))
    no_reason = client.post(url, {"hours": 5, "source": "issuance", "reason": " ", "key": key, "step": "review"})
    assert no_reason.status_code == 422
    data = {"hours": 5, "source": "issuance", "reason": "低保户，独居", "key": key}
    assert "确定向 <strong>张晓明</strong> 发放 <strong>5 小时</strong>" in page(client.post(url, {**data, "step": "review"}))
    for _ in range(2):
        assert client.post(url, {**data, "step": "confirm"}).status_code == 302
    grant = Transfer.objects.get(kind=TransferKind.GRANT)
    assert (grant.amount, grant.memo, grant.actor_id) == (300, "低保户，独居", world.branch_admin.pk)
    assert AuditEvent.objects.filter(action="ledger.grant").count() == 1
    assert "补助发放" in page(client.get(f"/ledger/people/{world.elder.pk}/"))


def test_granting_from_an_empty_pool_is_refused_plainly(world, client):
    client.force_login(world.branch_admin)
    url = f"/ledger/people/{world.elder.pk}/grant/"
    response = client.post(url, {"hours": 1, "source": "pool", "reason": "困难", "key": "c" * 32, "step": "confirm"})
    assert response.status_code == 422 and "可用的时间币不够" in page(response)


def test_station_staff_may_view_but_not_grant(world, client):
    client.force_login(world.station_staff)
    assert client.get(f"/ledger/people/{world.elder.pk}/").status_code == 200
    assert client.get(f"/ledger/people/{world.elder.pk}/grant/").status_code == 404


def test_a_large_correction_waits_for_a_second_admin_who_approves_it(world, client, fund):
    credit = fund(world.volunteer, 900)  # above the default 600-minute threshold
    second_admin = world.bank_admin
    client.force_login(world.branch_admin)
    url = f"/ledger/transfers/{credit.pk}/correct/"
    key = form_key(client.get(url))
    response = client.post(url, {"reason": "重复录入", "key": key})
    assert response.status_code == 302
    client.post(url, {"reason": "重复录入", "key": key})  # sent twice: asked once
    request = CorrectionRequest.objects.get()
    assert request.approved is None and request.amount == 900
    assert services.member_account(world.volunteer).balance == 900
    # The one who asked cannot approve it.
    queue = page(client.get("/ledger/corrections/"))
    assert "重复录入" in queue and "由其他管理员审批" in queue
    client.post(f"/ledger/corrections/{request.pk}/decide/", {"decision": "approve"})
    request.refresh_from_db()
    assert request.approved is None
    # A second admin approves: the correcting transfer posts, linked to the original.
    client.force_login(second_admin)
    assert "重复录入" in page(client.get("/ledger/corrections/"))
    client.post(f"/ledger/corrections/{request.pk}/decide/", {"decision": "approve"})
    request.refresh_from_db()
    assert request.approved is True and request.transfer.corrects_id == credit.pk
    assert services.member_account(world.volunteer).balance == 0
    assert "没有待审批的更正" in page(client.get("/ledger/corrections/"))


def test_a_rejected_correction_posts_nothing(world, client, fund):
    credit = fund(world.volunteer, 700)
    client.force_login(world.branch_admin)
    client.post(f"/ledger/transfers/{credit.pk}/correct/", {"hours": 11, "minutes": 40, "reason": "错", "key": "d" * 32})
    request = CorrectionRequest.objects.get()
    colleague = world.other_station_staff
    role_grant(actor=None, person=colleague, role=Role.BRANCH_ADMIN, node=world.branch_a)
    client.force_login(colleague)
    client.post(f"/ledger/corrections/{request.pk}/decide/", {"decision": "reject"})
    request.refresh_from_db()
    assert request.approved is False and request.transfer is None
    assert services.member_account(world.volunteer).balance == 700


def test_a_small_correction_posts_at_once(world, client, fund):
    credit = fund(world.volunteer, 120)
    client.force_login(world.branch_admin)
    response = client.post(f"/ledger/transfers/{credit.pk}/correct/", {"minutes": 30, "reason": "多记了半小时",
                                                                        "key": "e" * 32}, follow=True)
    assert "更正已入账" in page(response) and "更正（扣回）" in page(response)
    assert services.member_account(world.volunteer).balance == 90


def test_another_branch_cannot_correct_or_see_the_queue_items(world, client, fund):
    credit = fund(world.volunteer, 900)
    client.force_login(world.branch_admin)
    client.post(f"/ledger/transfers/{credit.pk}/correct/", {"reason": "重复录入", "key": "f" * 32})
    request = CorrectionRequest.objects.get()
    client.force_login(world.other_branch_admin)
    assert client.get(f"/ledger/transfers/{credit.pk}/correct/").status_code == 404
    assert "重复录入" not in page(client.get("/ledger/corrections/"))
    assert client.post(f"/ledger/corrections/{request.pk}/decide/", {"decision": "approve"}).status_code == 404
    client.force_login(world.station_staff)  # may view the ledger, may not correct it
    assert client.get(f"/ledger/transfers/{credit.pk}/correct/").status_code == 404
    assert client.get("/ledger/corrections/").status_code == 404


def test_a_large_grant_goes_to_the_queue_and_a_second_admin_approves_it_on_the_page(world, client):
    from timebank.ledger import services as ledger_services
    from timebank.ledger.models import AccountKind, GrantRequest, TransferKind
    ledger_services.transfer_post(debit=ledger_services.system_account(world.branch_a, AccountKind.ISSUANCE),
                                  credit=ledger_services.system_account(world.bank, AccountKind.POOL), amount=6000,
                                  kind=TransferKind.DONATION)
    request = ledger_services.grant_make(actor=world.branch_admin, elder=world.elder, amount=3000, source="pool",
                                         reason="独居困难老人")
    client.force_login(world.branch_admin)
    page = client.get("/ledger/corrections/").content.decode()
    assert "独居困难老人" in page and f"/ledger/grants/{request.pk}/decide/" not in page  # not your own
    client.force_login(world.other_branch_admin)
    assert client.post(f"/ledger/grants/{request.pk}/decide/", {"decision": "approve"}).status_code == 404
    client.force_login(world.bank_admin)
    response = client.post(f"/ledger/grants/{request.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    assert GrantRequest.objects.get(pk=request.pk).transfer.amount == 3000
    assert ledger_services.member_account(world.elder).balance == 3000
