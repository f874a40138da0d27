"""Sending short text messages through the gateway named by settings.SMS_BACKEND: the logging backend
(development, and intranets with no gateway) or Aliyun's SMS service over its signed HTTP API."""
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from .masking import mask_mobile

logger = logging.getLogger("timebank.sms")


class SmsRefused(Exception):
    """The gateway did not take the message. `permanent`: trying again cannot help (a wrong number,
    a template the provider does not know); otherwise the outbox tries again at the next sweep."""

    def __init__(self, code: str, *, permanent: bool = False):
        super().__init__(code)
        self.code, self.permanent = code[:100], permanent


class SmsBackend:
    """The interface: `send(mobile, text, kind=, ref=)` returns the gateway's id of the message or
    raises SmsRefused. `kind` picks the provider's template; `ref` is our id of the message."""

    def send(self, mobile: str, text: str, *, kind: str = "", ref: str = "") -> str:  # pragma: no cover
        raise NotImplementedError


class LoggingSmsBackend(SmsBackend):
    """Writes each message to the log (the number masked) and keeps the last ones for tests."""

    sent: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str, *, kind: str = "", ref: str = "") -> str:
        logger.info("SMS to %s: %s", mask_mobile(mobile), text)
        LoggingSmsBackend.sent = [*LoggingSmsBackend.sent[-99:], (mobile, text)]
        return f"log-{ref}" if ref else "log"


def aliyun_percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's signature wants it (space as %20, `~` kept)."""
    return urllib.parse.quote(str(value), safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """Aliyun's RPC signature, version 1.0: HMAC-SHA1 over the sorted, encoded parameters."""
    canonical = "&".join(f"{aliyun_percent_encode(k)}={aliyun_percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&%2F&{aliyun_percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# Aliyun's answers that no retry can mend (the rest, e.g. rate limits and outages, are tried again).
ALIYUN_PERMANENT = {"isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.SMS_TEMPLATE_ILLEGAL",
                    "isv.SMS_SIGNATURE_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_PARAMETERS",
                    "isv.PARAM_LENGTH_LIMIT", "isv.BLACK_KEY_CONTROL_LIMIT", "isv.DENY_IP_RANGE",
                    "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL", "InvalidAccessKeyId.NotFound",
                    "SignatureDoesNotMatch", "no_template"}


class AliyunSmsBackend(SmsBackend):
    """Aliyun SMS (dysmsapi, SendSms, version 2017-05-25) over HTTPS with the stdlib: each notice kind
    has its provider-approved template (settings.SMS_ALIYUN["templates"], kind → TemplateCode, or
    "default"), whose one variable `${text}` takes the message; our message id travels as OutId."""

    def __init__(self, config: dict | None = None):
        self.config = config or settings.SMS_ALIYUN

    def template_for(self, kind: str) -> str:
        templates = self.config.get("templates") or {}
        code = templates.get(kind) or templates.get("default")
        if not code:
            raise SmsRefused("no_template", permanent=True)
        return code

    def send(self, mobile: str, text: str, *, kind: str = "", ref: str = "") -> str:
        params = {
            "AccessKeyId": self.config["access_key_id"], "Action": "SendSms", "Format": "JSON",
            "RegionId": self.config.get("region", "cn-hangzhou"), "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
            "PhoneNumbers": mobile, "SignName": self.config["sign_name"], "TemplateCode": self.template_for(kind),
            "TemplateParam": json.dumps({"text": text}, ensure_ascii=False), "OutId": ref,
        }
        params["Signature"] = aliyun_signature(params, self.config["access_key_secret"])
        body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
        request = urllib.request.Request(self.config.get("endpoint") or "https://dysmsapi.aliyuncs.com/", data=body,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=float(self.config.get("timeout", 10))) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:  # Aliyun answers refusals with 4xx and the JSON body
            try:
                answer = json.loads(exc.read() or b"{}")
            except ValueError:
                raise SmsRefused(f"http_{exc.code}") from exc
        except (OSError, ValueError) as exc:  # unreachable, timed out, or not JSON: try again later
            raise SmsRefused(f"unreachable: {exc.__class__.__name__}") from exc
        code = str(answer.get("Code", "no_code"))
        if code != "OK":
            raise SmsRefused(code, permanent=code in ALIYUN_PERMANENT)
        return str(answer.get("BizId", ""))[:64]


def sms_backend() -> SmsBackend:
    return import_string(getattr(settings, "SMS_BACKEND", "timebank.lib.sms.LoggingSmsBackend"))()


@dataclass(frozen=True)
class SmsResult:
    ok: bool
    provider_id: str = ""
    error: str = ""
    permanent: bool = False


def sms_send(mobile: str, text: str, *, kind: str = "", ref: str = "") -> SmsResult:
    """Send, and never let a failing gateway undo the work that wanted to tell someone."""
    try:
        return SmsResult(True, provider_id=sms_backend().send(mobile, text, kind=kind, ref=ref) or "")
    except SmsRefused as exc:
        logger.warning("SMS to %s refused: %s", mask_mobile(mobile), exc.code)
        return SmsResult(False, error=exc.code, permanent=exc.permanent)
    except Exception as exc:
        logger.exception("SMS to %s failed", mask_mobile(mobile))
        return SmsResult(False, error=exc.__class__.__name__[:100])
