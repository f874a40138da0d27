"""The Content-Security-Policy header (Django 5.2 has none built in): pages load scripts, styles, images and
fonts from this server only, run no inline script or style, and are framed by nobody. The policy is
`settings.CONTENT_SECURITY_POLICY`; it is empty, so not sent, while DEBUG is on (Django's debug pages are
inline). Templates keep to it: no <script> without src, no <style>, no style="…", no on…= handlers
(`timebank/tests/test_security_headers.py` reads every template for them)."""
from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
