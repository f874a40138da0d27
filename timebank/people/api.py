"""People endpoints: tokens, the signed-in user, the people register, proxy links and volunteer sign-up."""
from django.contrib.auth import authenticate
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from timebank.audit.idempotency import run_idempotent
from timebank.audit.rate_limit import rate_limit_hit
from timebank.lib.errors import DomainError, InvalidInput, NotFound
from timebank.lib.pagination import Pages
from timebank.lib.request_context import client_ip
from timebank.orgs.roles import Perm
from timebank.orgs.selectors import active_grants

from . import selectors, services
from .exceptions import PhotoInvalid
from .schemas import (
    IdentityOut,
    MeOut,
    PasswordSetIn,
    PersonIn,
    PersonOut,
    PersonPatch,
    PhotoOut,
    ProxyLinkIn,
    ProxyLinkOut,
    SignupIn,
    TokenIn,
    TokenInfoOut,
    TokenOut,
    UnlockOut,
    VolunteerCardOut,
    VolunteerCardsIn,
    VolunteerDecisionIn,
    VolunteerDecisionsIn,
    VolunteerSignupOut,
    VolunteerTagIn,
    VolunteerTagOut,
)

router = Router(tags=["people"])
IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=100)


class LoginFailed(DomainError):
    code = "invalid_credentials"
    status = 401


class LockedOut(DomainError):
    code = "locked_out"
    status = 403


@router.post("/auth/token", auth=None, response={200: TokenOut}, summary="Exchange mobile and password for a token")
def token_create(request, payload: TokenIn):
    from axes.exceptions import AxesBackendPermissionDenied
    from axes.handlers.proxy import AxesProxyHandler

    rate_limit_hit("sign_in", client_ip(request))
    credentials = {"username": payload.username.strip()}
    if AxesProxyHandler.is_locked(request, credentials=credentials):
        raise LockedOut(_("Too many failed sign-ins. Try again later or ask station staff."))
    try:
        person = authenticate(request, username=credentials["username"], password=payload.password)
    except AxesBackendPermissionDenied:
        raise LockedOut(_("Too many failed sign-ins. Try again later or ask station staff.")) from None
    if person is None:
        if AxesProxyHandler.is_locked(request, credentials=credentials):
            raise LockedOut(_("Too many failed sign-ins. Try again later or ask station staff."))
        raise LoginFailed(_("The mobile number or password is wrong."))
    token, raw = services.api_token_create(actor=person, name=payload.name)
    return {"token": raw, "id": token.pk, "name": token.name, "expires_at": token.expires_at}


@router.get("/tokens", response=list[TokenInfoOut], summary="Your API tokens (never their secrets)")
@paginate(Pages)
def tokens_list(request):
    return selectors.api_tokens_of(request.auth)


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke one of your API tokens")
def token_revoke(request, token_id: int):
    token = selectors.api_tokens_of(request.auth).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    services.api_token_revoke(actor=request.auth, token=token)
    return Status(204, None)


@router.get("/me", response=MeOut, summary="The signed-in person and their roles")
def me(request):
    person = request.auth
    return {
        "id": person.pk, "name": person.name, "mobile": person.mobile, "bank_id": person.bank_id,
        "node_id": person.node_id, "is_elder": person.is_elder, "is_volunteer": person.is_volunteer,
        "volunteer_status": person.volunteer_status, "roles": active_grants(person),
        "acts_for": list(selectors.elders_acted_for(person).values_list("pk", flat=True)),
    }


@router.get("/people", response=list[PersonOut], summary="Search people within your reach")
@paginate(Pages)
def people_list(request, q: str = Query("", max_length=50), role: str = Query("", pattern="^(|elder|volunteer|proxy)$"),
                status: str = Query("", max_length=16), station_id: int | None = Query(None, ge=1, le=2**63 - 1),
                volunteer_status: str = Query("", max_length=16)):
    return selectors.people_search(request.auth, query=q, role=role, status=status, station_id=station_id,
                                   volunteer_status=volunteer_status)


@router.post("/people", response={201: PersonOut}, summary="Register a person (staff)")
def people_create(request, payload: PersonIn):
    person = services.person_register(actor=request.auth, station=payload.station_id, **payload.dict(exclude={"station_id"}))
    return Status(201, person)


@router.post("/people/cards", response=list[VolunteerCardOut],
             summary="Issue cards to many approved volunteers at once (staff): all or none; one who has a card "
                     "keeps it; accepts Idempotency-Key. The page prints them on one A4 PDF")
def volunteer_cards_issue(request, payload: VolunteerCardsIn, key: str | None = IdempotencyKey):
    ids = sorted(set(payload.person_ids))

    def perform():
        people = services.volunteer_cards_issue(actor=request.auth, person_ids=ids)
        return 200, {"cards": [{"person_id": p.pk, "name": p.name, "station": p.node.name if p.node_id else "",
                                "tag_id": p.tag_id} for p in people]}

    with transaction.atomic():
        _status, body = run_idempotent(actor=request.auth, key=key, operation="people.cards", payload=ids,
                                       perform=perform)
    return body["cards"]


@router.get("/people/{person_id}", response=PersonOut, summary="One person, personal numbers masked")
def people_get(request, person_id: int):
    return selectors.person_get(request.auth, person_id)


@router.get("/people/{person_id}/identity", response=IdentityOut,
            summary="The full ID and mobile numbers (allowed roles only; audited)")
def people_identity(request, person_id: int):
    person = selectors.person_get(request.auth, person_id)
    return services.person_reveal(actor=request.auth, person=person)


@router.patch("/people/{person_id}", response=PersonOut, summary="Change a person's record (staff; audited)")
def people_update(request, person_id: int, payload: PersonPatch):
    person = selectors.person_get(request.auth, person_id)
    changes = payload.dict(exclude_unset=True)
    if "station_id" in changes:
        changes["node"] = changes.pop("station_id")
    changes = {k: v for k, v in changes.items() if v is not None or k in ("mobile",)}
    return services.person_update(actor=request.auth, person=person, **changes)


@router.get("/proxy-links", response=list[ProxyLinkOut],
            summary="Proxy links you may see: of elders in your reach, or your own as elder or proxy")
@paginate(Pages)
def proxy_link_list(request, status: str = Query("", pattern="^(|pending|active|revoked)$"),
                    elder_id: int | None = Query(None, ge=1, le=2**63 - 1)):
    links = selectors.proxy_links_visible_to(request.auth)
    if status == "pending":
        links = links.pending()
    elif status == "active":
        links = links.active()
    elif status == "revoked":
        links = links.filter(revoked_at__isnull=False)
    if elder_id:
        links = links.filter(elder_id=elder_id)
    return links.order_by("-created_at", "-pk")


@router.post("/proxy-links", response={201: ProxyLinkOut},
             summary="Ask for a proxy link (staff); it waits for the elder's or a second staff member's confirmation")
def proxy_link_create(request, payload: ProxyLinkIn):
    actor = request.auth
    elder = selectors.person_get(actor, payload.elder_id, Perm.PEOPLE_EDIT)
    if payload.proxy_id:
        proxy = selectors.person_get(actor, payload.proxy_id)
    elif payload.proxy_mobile:
        proxy = selectors.proxy_by_mobile(actor, elder, payload.proxy_mobile, payload.relation)
    else:
        raise InvalidInput(_("Give the proxy's id or mobile number."), code="proxy_missing")
    return Status(201, services.proxy_link(actor=actor, elder=elder, proxy=proxy, relation=payload.relation))


@router.post("/proxy-links/{link_id}/confirm", response=ProxyLinkOut,
             summary="Confirm a pending link: the elder, or staff who neither asked for it nor are its proxy")
def proxy_link_confirm(request, link_id: int):
    link = selectors.proxy_link_get(request.auth, link_id)
    return services.proxy_confirm(actor=request.auth, link=link)


@router.post("/proxy-links/{link_id}/revoke", response=ProxyLinkOut,
             summary="End a link or withdraw a request (staff); the elder may decline a request")
def proxy_link_revoke(request, link_id: int):
    link = selectors.proxy_link_get(request.auth, link_id)
    return services.proxy_unlink(actor=request.auth, link=link)


@router.post("/people/{person_id}/unlock", response=UnlockOut,
             summary="Let a person locked out by failed sign-ins sign in again (staff; audited; rate limited)")
def people_unlock(request, person_id: int):
    person = selectors.person_get(request.auth, person_id, Perm.PEOPLE_RESET_PASSWORD)
    return {"cleared": services.login_unlock(actor=request.auth, person=person)}


@router.post("/people/{person_id}/password", response=PersonOut,
             summary="Set a new password for someone who forgot theirs (staff; audited; ends their API tokens)")
def people_password_set(request, person_id: int, payload: PasswordSetIn):
    person = selectors.person_get(request.auth, person_id, Perm.PEOPLE_RESET_PASSWORD)
    return services.password_reset_by_staff(actor=request.auth, person=person, new_password=payload.new_password)


@router.post("/people/{person_id}/tag", response=VolunteerTagOut,
             summary="Issue an approved volunteer's card (a new id) or record their wristband's tag id (staff)")
def volunteer_tag_set(request, person_id: int, payload: VolunteerTagIn):
    person = selectors.person_get(request.auth, person_id, Perm.PEOPLE_EDIT)
    return services.volunteer_tag_set(actor=request.auth, person=person, tag_id=payload.tag_id)


@router.put("/people/{person_id}/photo", response=PhotoOut,
            summary="Store the person's photo for the volunteer card (staff): the body is the JPEG or PNG itself "
                    "(Content-Type image/jpeg or image/png), at most 2 MB; it is checked and re-encoded")
def person_photo_set(request, person_id: int):
    person = selectors.person_get(request.auth, person_id, Perm.PEOPLE_EDIT)
    length = request.META.get("CONTENT_LENGTH") or "0"
    if request.content_type not in ("image/jpeg", "image/png") or not length.isdigit() or \
            not 0 < int(length) <= services.MAX_PERSON_PHOTO_BYTES:
        raise PhotoInvalid(detail={"content_type": request.content_type, "bytes": length})
    upload = ContentFile(request.body, name="photo")
    person = services.person_photo_set(actor=request.auth, person=person, upload=upload)
    return {"person_id": person.pk, "has_photo": bool(person.photo)}


@router.post("/people/{person_id}/volunteer-decision", response=PersonOut,
             summary="Approve or refuse a volunteer who signed up (staff)")
def volunteer_decision(request, person_id: int, payload: VolunteerDecisionIn):
    person = selectors.person_get(request.auth, person_id, Perm.VOLUNTEERS_APPROVE)
    return services.volunteer_decide(actor=request.auth, person=person, approve=payload.approve)


@router.post("/volunteer-decisions", response=list[PersonOut],
             summary="Approve or refuse many volunteers at once (staff): all of them or none")
def volunteer_decisions(request, payload: VolunteerDecisionsIn):
    return services.volunteers_decide(actor=request.auth, person_ids=payload.person_ids, approve=payload.approve)


@router.post("/signup", auth=None, response={201: VolunteerSignupOut}, summary="A volunteer signs themselves up")
def signup(request, payload: SignupIn):
    rate_limit_hit("sign_up", client_ip(request))
    person = services.person_register(actor=None, station=payload.station_id, is_volunteer=True, self_signup=True,
                                      **payload.dict(exclude={"station_id"}))
    return Status(201, person)
