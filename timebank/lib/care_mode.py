"""Care mode (关怀模式): the larger, calmer style of the member pages. It is remembered per device in a
cookie, not per account, so it still holds on the sign-in page and after signing out and in again."""
from django.conf import settings
from django.http import HttpRequest, HttpResponse

COOKIE = "care_mode"
MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie


def is_on(request: HttpRequest) -> bool:
    return request.COOKIES.get(COOKIE) == "1"


def remember(response: HttpResponse, on: bool) -> None:
    if on:
        response.set_cookie(COOKIE, "1", max_age=MAX_AGE, samesite="Lax", httponly=True,
                            secure=settings.SESSION_COOKIE_SECURE)
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
