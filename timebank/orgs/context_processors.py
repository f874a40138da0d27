"""What the base layout needs to draw the navigation for the signed-in person's roles."""
from .selectors import roles_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": set()}
    return {"nav_roles": roles_of(user)}
