"""`/readyz`: ready to serve *and* the background keeping up, as JSON for load balancers and monitors."""
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .selectors import background_state


@never_cache
def readyz(request):
    state = background_state()
    state["status"] = "behind" if state["behind"] else "ok"
    return JsonResponse(state, status=503 if state["behind"] else 200)
