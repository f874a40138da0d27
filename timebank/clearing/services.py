"""Every write of the clearing between banks: gifts to a member of another bank, moving a member to
another bank with their coins, and the day's netting run. Coins move only through the ledger's
`cross_bank_post` and `clearing_settle`."""
import datetime as dt
import time
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from timebank.audit.services import audit_record
from timebank.ledger import services as ledger
from timebank.ledger.exceptions import (
    AccountUnknown,
    BalanceCapExceeded,
    GiftNotAllowed,
    GiftToActor,
    LimitExceeded,
    SameBank,
)
from timebank.ledger.models import Account, AccountKind, Currency, LedgerRules, TransferKind
from timebank.lib.errors import InvalidInput, PermissionDenied
from timebank.lib.mobile import normalise_mobile
from timebank.orgs.models import Node, NodeKind, RoleGrant
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import has_perm
from timebank.people.models import Person, PersonStatus
from timebank.people.selectors import can_act_for

from .exceptions import (
    BankUnknown,
    ClearingMismatch,
    MoveBlocked,
    NettingAlreadyRun,
    NotAnotherBank,
    ReasonRequired,
    RecipientUnknown,
    StationInOwnBank,
)
from .models import (
    CrossBankKind,
    CrossBankTransfer,
    MemberMove,
    MessageStatus,
    NettingPosition,
    NettingRun,
    OutboundMessage,
)


def _post(*, kind: str, sender: Person, recipient: Person, debit: Account, credit: Account, amount: int, actor,
          memo: str = "", key: str | None = None) -> CrossBankTransfer:
    """The two legs, then the record (in the legs' transaction, after them: see CrossBankTransfer).
    The same key again returns the first record (`is_new` False) and posts nothing."""
    with transaction.atomic():
        return _post_in_transaction(kind=kind, sender=sender, recipient=recipient, debit=debit, credit=credit,
                                    amount=amount, actor=actor, memo=memo, key=key)


def _post_in_transaction(*, kind, sender, recipient, debit, credit, amount, actor, memo, key) -> CrossBankTransfer:
    ref = uuid.uuid4()
    transfer_kind = TransferKind.GIFT if kind == CrossBankKind.GIFT else TransferKind.CROSS_BANK
    out_leg, in_leg = ledger.cross_bank_post(debit=debit, credit=credit, amount=amount, kind=transfer_kind, actor=actor,
                                             memo=memo, subject=("clearing.crossbanktransfer", str(ref)),
                                             idempotency_key=key)
    if not getattr(out_leg, "is_new", False):
        record = CrossBankTransfer.objects.get(out_transfer=out_leg)
        record.is_new = False
        return record
    record = CrossBankTransfer.objects.create(
        bank_id=debit.bank_id, peer_id=credit.bank_id, ref=ref, kind=kind, currency=debit.currency, amount=amount,
        sender=sender, recipient=recipient, out_transfer=out_leg, in_transfer=in_leg,
        actor=actor if getattr(actor, "pk", None) else None, memo=(memo or "")[:200], created_at=out_leg.created_at)
    record.is_new = True
    return record


def redemption_credit(*, hold, volunteer: Person, minutes: int, points: int, branch: Node, subject=None, actor=None,
                      idempotency_key: str | None = None, memo: str = "") -> dict:
    """跨区兑换: credit the volunteer of this bank for a service paid with an elder's coins held in another
    bank (the hold was made to that bank's clearing account with this one). The ledger posts the hold
    and this bank's clearing account → volunteer under this bank's caps (`service_credit`), then the
    record naming both legs is written in their transaction, so the netting run's check still balances.
    The result is `service_credit`'s, with the record; the same key again posts nothing. A volunteer of the
    hold's own bank (moved there since they claimed) is refused: nothing would cross to record."""
    if volunteer.bank_id == hold.bank_id:
        raise SameBank()
    with transaction.atomic():
        ref = uuid.uuid4()
        result = ledger.service_credit(volunteer=volunteer, minutes=minutes, points=points, branch=branch,
                                       subject=subject, actor=actor, idempotency_key=idempotency_key, from_hold=hold,
                                       legs_subject=("clearing.crossbanktransfer", str(ref)))
        out_leg, in_leg = result["legs"]
        record = CrossBankTransfer.objects.filter(out_transfer=out_leg).first()
        if record is None:
            record = CrossBankTransfer.objects.create(
                bank_id=out_leg.bank_id, peer_id=in_leg.bank_id, ref=ref, kind=CrossBankKind.REDEEM,
                currency=out_leg.currency, amount=out_leg.amount, sender_id=out_leg.debit.owner_id,
                recipient=volunteer, out_transfer=out_leg, in_transfer=in_leg,
                actor=actor if getattr(actor, "pk", None) else None, memo=(memo or "")[:200],
                created_at=out_leg.created_at)
            for bank, side in ((record.bank, "out"), (record.peer, "in")):
                audit_record(actor=actor, action=f"clearing.redeem_{side}", obj=record, node=bank, bank=bank,
                             changes={"amount": record.amount, "from": record.sender_id, "to": volunteer.pk,
                                      "hold": hold.pk})
        result["record"] = record
    return result


def recipient_in_other_bank(sender: Person, mobile: str) -> Person:
    """The member of another bank of the sender's platform with this mobile number."""
    number = normalise_mobile(mobile or "")
    recipient = (Person.objects.select_related("bank", "node").filter(mobile=number, status=PersonStatus.ACTIVE,
                                                                     bank__isnull=False).first() if number else None)
    if recipient is None or sender.bank is None or recipient.bank.parent_id != sender.bank.parent_id:
        raise RecipientUnknown()
    if recipient.bank_id == sender.bank_id:
        raise NotAnotherBank()
    return recipient


def cross_bank_gift(*, actor: Person, sender: Person, recipient: Person, amount: int, memo: str = "",
                    idempotency_key: str | None = None) -> CrossBankTransfer:
    """转赠 to a member of another bank: within the sender's bank's gift rules and the recipient's (who
    may receive, the largest single gift, the balance cap). The sender's bank posts the coins out to its
    clearing account with the recipient's bank; that bank credits the recipient from its own."""
    if not can_act_for(actor, sender):
        raise AccountUnknown()
    if recipient.pk == actor.pk:
        raise GiftToActor()
    if recipient.bank_id == sender.bank_id:
        raise NotAnotherBank()
    if sender.bank is None or recipient.bank is None or recipient.bank.parent_id != sender.bank.parent_id:
        raise RecipientUnknown()
    sending, receiving = LedgerRules.in_force(sender.bank), LedgerRules.in_force(recipient.bank)
    if "relatives" in (sending.gift_recipients, receiving.gift_recipients) and not ledger.are_relatives(sender, recipient):
        raise GiftNotAllowed()
    for rules in (sending, receiving):
        if rules.gift_max_minutes and amount > rules.gift_max_minutes:
            raise LimitExceeded(detail={"max": rules.gift_max_minutes})
    with transaction.atomic():
        credit = ledger.member_account(recipient)
        if receiving.balance_cap_minutes and isinstance(amount, int) and \
                credit.balance + amount > receiving.balance_cap_minutes:
            raise BalanceCapExceeded(detail={"cap": receiving.balance_cap_minutes})
        record = _post(kind=CrossBankKind.GIFT, sender=sender, recipient=recipient, debit=ledger.member_account(sender),
                       credit=credit, amount=amount, actor=actor, memo=memo, key=idempotency_key)
        # Again under the lock the posting holds until commit: two gifts at once both passed the check above.
        if record.is_new and receiving.balance_cap_minutes and \
                Account.objects.get(pk=credit.pk).balance > receiving.balance_cap_minutes:
            raise BalanceCapExceeded(detail={"cap": receiving.balance_cap_minutes})
        if record.is_new:
            for bank, side in ((sender.bank, "out"), (recipient.bank, "in")):
                audit_record(actor=actor, action=f"clearing.gift_{side}", obj=record, node=bank, bank=bank,
                             changes={"amount": record.amount, "from": sender.pk, "to": recipient.pk})
    return record


def member_move(*, actor: Person, person: Person, station: Node, reason: str) -> MemberMove:
    """搬迁: move a member to a station of another bank of the platform with their coins and points. The
    old bank's staff (or the platform) decide; the old accounts stay as the member's old passbook. A
    member with coins set aside for a booked service or with a staff role moves once those are done."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ReasonRequired()
    with transaction.atomic():
        person = Person.objects.select_for_update(of=("self",)).select_related("bank", "node").filter(pk=person.pk).first()
        if person is None or person.node is None or not has_perm(actor, Perm.PEOPLE_MOVE_BANK, person.node):
            raise AccountUnknown()
        station = Node.objects.select_related("bank").filter(pk=station.pk, kind=NodeKind.STATION,
                                                             is_closed=False).first()
        if station is None or station.bank.parent_id != person.bank.parent_id:
            raise BankUnknown()
        if station.bank_id == person.bank_id:
            raise StationInOwnBank()
        old_bank, old_node = person.bank, person.node
        old = {c: ledger.member_account(person, c) for c in (Currency.TIME, Currency.POINTS)}
        # Locked (ascending id, as every posting locks): a gift leaving from them waits for the move, or the
        # move sees it below.
        held = Account.objects.select_for_update().filter(pk__in=[a.pk for a in old.values()]).order_by("pk")
        if any(a.pending_debits or a.pending_credits for a in held):
            raise MoveBlocked()
        if RoleGrant.objects.filter(person=person, revoked_at__isnull=True).exists():
            raise MoveBlocked()
        # A gift to another city still on its way would come back, if refused, to the account left behind.
        if OutboundMessage.objects.filter(sender=person, status=MessageStatus.PENDING).exists():
            raise MoveBlocked(_("This member has a gift to another city still on its way. They can move once it "
                                "has arrived or come back."), code="move_blocked_gift_on_its_way")
        person.bank, person.node = station.bank, station
        person.save(update_fields=["bank", "node"])
        moved = {}
        for currency, account in old.items():
            balance = Account.objects.get(pk=account.pk).balance
            moved[currency] = balance
            if balance > 0:
                _post(kind=CrossBankKind.MOVE, sender=person, recipient=person, debit=account,
                      credit=ledger.member_account(person, currency), amount=balance, actor=actor,
                      memo=reason, key=f"move:{person.pk}:{old_bank.pk}:{account.pk}")
        move = MemberMove.objects.create(bank=old_bank, to_bank=station.bank, person=person, from_node=old_node,
                                         to_node=station, minutes=moved[Currency.TIME], points=moved[Currency.POINTS],
                                         reason=reason, moved_by=actor)
        for bank, node in ((old_bank, old_node), (station.bank, station)):
            audit_record(actor=actor, action="clearing.member_moved", obj=move, node=node, bank=bank,
                         changes={"person": person.pk, "from": old_node.pk, "to": station.pk,
                                  "minutes": move.minutes, "points": move.points})
    return move


def netting_run(*, actor: Person | None, platform: Node, business_day: dt.date) -> NettingRun:
    """The day's netting: lock every clearing account of the platform's banks (and their issuance),
    check each against the cross-bank records since the previous run, then bring every one back to zero
    against its own bank's issuance. Once per platform and day; the whole run is one transaction."""
    if actor is not None and not has_perm(actor, Perm.CLEARING_RUN, platform):
        raise PermissionDenied()
    if business_day > timezone.localdate():
        raise InvalidInput(_("A day can be settled once it has begun, not before."), code="day_in_future")
    started = time.perf_counter()
    try:
        with transaction.atomic():
            if NettingRun.objects.filter(platform=platform, business_day=business_day).exists():
                raise NettingAlreadyRun()
            previous = NettingRun.objects.filter(platform=platform).order_by("-up_to_id").first()
            after_id = previous.up_to_id if previous else 0
            # Clearing with another deployment (peer: its platform node) is settled by reconciliation with it.
            clearing = Account.objects.filter(kind=AccountKind.CLEARING, bank__parent=platform,
                                              peer__kind=NodeKind.BANK).select_related("bank")
            accounts = list(clearing.order_by("pk"))
            while True:
                with transaction.atomic():  # a savepoint: a pass that must start again gives its locks back
                    locked = ledger.clearing_lock(accounts=accounts)
                    # Read after the locks: every record whose legs moved these balances is committed by now,
                    # and any later one gets a higher id.
                    up_to_id = CrossBankTransfer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                    # A first movement between two banks opens their clearing accounts and commits them with
                    # its record: one counted here must have its accounts locked and settled too. The new set is
                    # then locked from the start, in ascending id order, holding nothing (its banks' issuance
                    # accounts may sort below what this pass holds).
                    again = list(clearing.order_by("pk"))
                    complete = [a.pk for a in again] == [a.pk for a in accounts]
                    if not complete:
                        transaction.set_rollback(True)
                if complete:
                    break
                accounts = again
            records = CrossBankTransfer.objects.filter(pk__gt=after_id, pk__lte=up_to_id, bank__parent=platform)
            flows: dict[tuple[int, int, str], list[int]] = {}
            count = 0
            for row in records.values("bank_id", "peer_id", "currency").annotate(total=Sum("amount"), n=Count("id")):
                count += row["n"]
                flows.setdefault((row["bank_id"], row["peer_id"], row["currency"]), [0, 0])[0] += row["total"]
                flows.setdefault((row["peer_id"], row["bank_id"], row["currency"]), [0, 0])[1] += row["total"]
            balances = {a.pk: locked[a.pk].balance for a in accounts}
            for account in accounts:
                sent, received = flows.get((account.bank_id, account.peer_id, account.currency), [0, 0])
                if balances[account.pk] != sent - received:
                    raise ClearingMismatch(detail={"account": account.pk, "balance": balances[account.pk],
                                                   "records": sent - received})
            run = NettingRun.objects.create(platform=platform, business_day=business_day, after_id=after_id,
                                            up_to_id=up_to_id, records=count, started_by=actor)
            settled = ledger.clearing_settle(accounts=accounts, actor=actor, subject=run,
                                             idempotency_key=f"netting:{run.pk}")
            positions = []
            for account in accounts:
                balance, transfer = settled[account.pk]
                sent, received = flows.get((account.bank_id, account.peer_id, account.currency), [0, 0])
                if balance or sent or received:
                    positions.append(NettingPosition(run=run, bank_id=account.bank_id, peer_id=account.peer_id,
                                                     currency=account.currency, sent=sent, received=received,
                                                     balance=balance, settlement=transfer))
            NettingPosition.objects.bulk_create(positions)
            net: dict[tuple[int, str], int] = {}
            for p in positions:
                net[(p.bank_id, p.currency)] = net.get((p.bank_id, p.currency), 0) + p.balance
            run.settled_minutes = sum(v for (_b, c), v in net.items() if v > 0 and c == Currency.TIME)
            run.seconds = time.perf_counter() - started
            run.save(update_fields=["settled_minutes", "seconds"])
            audit_record(actor=actor, action="clearing.netting_run", obj=run, node=platform, bank=None,
                         changes={"day": business_day.isoformat(), "records": run.records,
                                  "settled_minutes": run.settled_minutes})
    except IntegrityError:
        raise NettingAlreadyRun() from None
    return run


def netting_run_due(*, now: dt.datetime | None = None) -> list[NettingRun]:
    """The worker's daily job: settle yesterday (Asia/Shanghai) for every platform that has not."""
    today = timezone.localdate(now or timezone.now())
    day = today - dt.timedelta(days=1)
    done = []
    for platform in Node.objects.filter(kind=NodeKind.PLATFORM, peer_platform__isnull=True):
        if not NettingRun.objects.filter(platform=platform, business_day=day).exists():
            try:
                done.append(netting_run(actor=None, platform=platform, business_day=day))
            except NettingAlreadyRun:
                pass
    return done
