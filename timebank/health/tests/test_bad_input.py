"""Nonsense in URLs, filters and bodies of the health pages and API is a 4xx, never a 500."""
HUGE = str(10 ** 30)

PAGES = [
    ("post", f"/health/alerts/{HUGE}/acknowledge"),
    ("post", "/health/alerts/1/explode"),
    ("get", f"/health/elders/{HUGE}/consents"),
    ("get", f"/health/elders/{HUGE}/?export=csv"),
    ("get", "/health/?node=1e99&opened_to=2026-13-45&q=" + "x" * 500),
    ("get", "/health/cards/?status=../../etc&q=%00"),
    ("get", "/health/devices/?state=' OR 1=1"),
]
API = [
    ("get", "/api/v1/health/alerts?elder_id=abc", None),
    ("get", f"/api/v1/health/alerts?node_id={HUGE}", None),
    ("get", "/api/v1/health/alerts?status=" + "x" * 100, None),
    ("post", f"/api/v1/health/alerts/{HUGE}/acknowledge", None),
    ("post", "/api/v1/health/alerts/1/follow-up", {"outcome": ["phoned"]}),
    ("put", "/api/v1/people/1/health-consents/2", {"consent": None}),
    ("put", "/api/v1/people/1/thresholds", {"reason": "x", "effective_from": "soon"}),
]


def test_health_pages_and_api_answer_4xx_for_nonsense(health_world, client, api_client):
    client.force_login(health_world.medic)
    for method, url in PAGES:
        assert getattr(client, method)(url).status_code < 500, url
    api_client.login_as(health_world.medic)
    for method, url, body in API:
        kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
        response = getattr(api_client, method)(url, **kwargs)
        assert 400 <= response.status_code < 500, (url, response.content)
