"""`/readyz`: ready to serve *and* the background keeping up, as JSON for load balancers and monitors;
`/metrics`: the same and more for Prometheus, to the scraper only."""
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from .metrics import exposition, metrics_allowed
from .selectors import background_state


@never_cache
def readyz(request):
    state = background_state()
    state["status"] = "behind" if state["behind"] else "ok"
    return JsonResponse(state, status=503 if state["behind"] else 200)


@never_cache
def metrics(request):
    if not metrics_allowed(request):
        raise Http404  # the same answer as a URL that does not exist: nothing tells it is here
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
