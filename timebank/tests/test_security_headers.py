"""With DEBUG off: HTTPS-only cookies, HSTS, HTTP redirected, and a strict Content-Security-Policy that every
template keeps to (no inline script or style)."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from timebank.tests.test_secrets import GOOD, ROOT

PRINT_SETTINGS = """import django, json; django.setup(); from django.conf import settings as s
print(json.dumps({k: getattr(s, k) for k in ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "CONTENT_SECURITY_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS"]}))"""


def _settings_with(env: dict) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TIMEBANK_"))}
    result = subprocess.run([sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, capture_output=True, text=True,
                            env={**clean, "DJANGO_SETTINGS_MODULE": "timebank.settings", **env}, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_sends_cookies_over_https_only_with_hsts_and_a_strict_policy():
    production = _settings_with({"DJANGO_DEBUG": "false", **GOOD})
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SECURE_SSL_REDIRECT"] and production["SECURE_HSTS_SECONDS"] >= 180 * 24 * 3600
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] and production["X_FRAME_OPTIONS"] == "DENY"
    policy = production["CONTENT_SECURITY_POLICY"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_development_keeps_plain_http():
    development = _settings_with({"DJANGO_DEBUG": "true"})
    assert not development["SESSION_COOKIE_SECURE"] and not development["SECURE_SSL_REDIRECT"]
    assert development["SECURE_HSTS_SECONDS"] == 0 and development["CONTENT_SECURITY_POLICY"] == ""


def test_every_response_carries_the_policy_when_it_is_set(db, client, settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'"
    for path in ("/login/", "/api/v1/nothing", "/healthz"):
        assert client.get(path)["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_production_redirects_plain_http_but_not_the_health_check(db, client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/login/").status_code == 301
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/login/", secure=True).status_code == 200


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style=\"…\" attribute"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "an on…= event handler"),
    (re.compile(r"href\s*=\s*[\"']\s*javascript:", re.I), "a javascript: link"),
    (re.compile(r"\shx-on", re.I), "an hx-on handler (needs eval)"),
]


def test_no_template_needs_an_inline_script_or_style():
    found = []
    dirs = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR, "timebank").glob("*/templates")]
    for directory in dirs:
        for template in directory.rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            found += [f"{template.relative_to(settings.BASE_DIR)}: {what}" for pattern, what in INLINE
                      if pattern.search(text)]
    assert found == []
