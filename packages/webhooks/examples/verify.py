"""Verify Rundun webhooks with the Python standard library only (Python 3.8+).

Call verify_webhook() from your web framework with the raw request body; receiver.py shows a complete
receiver built on http.server.
"""

import base64
import hashlib
import hmac
import json
import re
import time

LABEL = "rundun"
COMPONENTS = ("@method", "@target-uri", "content-type", "content-digest")
TOLERANCE_SECONDS = 300


class WebhookVerificationError(Exception):
    """`code` matches the TypeScript SDK: missing_header, digest_mismatch, signature_mismatch, ..."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def verify_webhook(
    *, url, headers, body, secret, method="POST", tolerance_seconds=TOLERANCE_SECONDS, now=None
):
    """Return the event (a dict) or raise WebhookVerificationError.

    url: the webhook URL as Rundun called it (the public URL behind a proxy). headers: http.server's
    self.headers or a dict. body: the raw bytes exactly as received. now: unix seconds (default: clock).

    Checks, in order: the four headers are present; Signature-Input's rundun member covers exactly
    COMPONENTS with an integer created, tag="rundun-webhook" and alg="hmac-sha256" if present; created is
    within the tolerance in both directions; Content-Digest matches the body; the HMAC matches.
    """
    content_type = _require_header(headers, "content-type")
    content_digest = _require_header(headers, "content-digest")
    signature_input = _member(_require_header(headers, "signature-input"), "malformed_signature_input")
    signature = _member(_require_header(headers, "signature"), "malformed_signature")

    components, params = signature_input
    if not isinstance(components, list):
        raise WebhookVerificationError("malformed_signature_input", "rundun is not an inner list")
    if [name if not p and type(name) is str else None for name, p in components] != list(COMPONENTS):
        raise WebhookVerificationError("unexpected_components", "not the four expected components")
    created = params.get("created")
    if type(created) is not int:
        raise WebhookVerificationError("malformed_signature_input", "no integer created parameter")
    if "alg" in params and not _is_string(params["alg"], "hmac-sha256"):
        raise WebhookVerificationError("unsupported_algorithm", "alg must be hmac-sha256")
    if not _is_string(params.get("tag"), "rundun-webhook"):
        raise WebhookVerificationError("unexpected_tag", "tag must be rundun-webhook")

    now = int(time.time() if now is None else now)
    if now - created > tolerance_seconds:
        raise WebhookVerificationError("stale_signature", f"signature created {now - created} s ago")
    if created - now > tolerance_seconds:
        raise WebhookVerificationError("future_signature", f"signature created {created - now} s ahead")
    expires = params.get("expires", now)
    if type(expires) is not int or now > expires:
        raise WebhookVerificationError("stale_signature", "signature expired (or expires is not an integer)")

    if not isinstance(signature[0], bytes):
        raise WebhookVerificationError("malformed_signature", "rundun signature is not a byte sequence")
    digests = _parse_dictionary(content_digest, "malformed_content_digest")
    digest = digests.get("sha-256", (None, None))[0]
    if not isinstance(digest, bytes):
        raise WebhookVerificationError("malformed_content_digest", "no sha-256 digest")
    if not hmac.compare_digest(digest, hashlib.sha256(body).digest()):
        raise WebhookVerificationError("digest_mismatch", "Content-Digest does not match the body")

    base = "\n".join(
        [
            f'"@method": {method}',
            f'"@target-uri": {_normalize_url(url)}',
            f'"content-type": {content_type}',
            f'"content-digest": {content_digest}',
            f'"@signature-params": {_serialize_inner_list(components, params)}',
        ]
    )
    expected = hmac.new(secret.encode("utf-8"), base.encode("utf-8"), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature[0]):
        raise WebhookVerificationError("signature_mismatch", "wrong secret, wrong url, or altered request")
    try:
        event = json.loads(body.decode("utf-8"))
    except ValueError as error:
        raise WebhookVerificationError("malformed_body", f"body is not UTF-8 JSON: {error}") from None
    if not isinstance(event, dict) or "event" not in event:
        raise WebhookVerificationError("malformed_body", "body is not a Rundun event")
    return event


def _is_string(value, expected):
    return type(value) is str and value == expected


def _require_header(headers, name):
    if hasattr(headers, "get_all"):  # http.server / email.message headers
        values = headers.get_all(name) or []
    else:
        values = [v for k, v in headers.items() if k.lower() == name]
        values = [x for v in values for x in (v if isinstance(v, list) else [v])]
    value = ", ".join(v.strip() for v in values)
    if not value:
        raise WebhookVerificationError("missing_header", f"the {name} header is missing")
    return value


def _member(field_value, code):
    member = _parse_dictionary(field_value, code).get(LABEL)
    if member is None:
        raise WebhookVerificationError("label_not_found", f'no "{LABEL}" member')
    return member


def _normalize_url(url):
    """Match the SDK's @target-uri form for ordinary URLs: lowercase scheme and host, no default port,
    path at least "/", no fragment."""
    scheme, rest = url.split("://", 1)
    scheme = scheme.lower()
    authority, sep, path = re.match(r"([^/?#]*)([/?#]?)(.*)", rest).groups()
    host = authority.lower()
    default_port = {"https": ":443", "http": ":80"}.get(scheme)
    if default_port and host.endswith(default_port):
        host = host[: -len(default_port)]
    path = (sep + path).split("#", 1)[0]
    if not path.startswith("/"):
        path = "/" + path
    return f"{scheme}://{host}{path}"


# A structured-field (RFC 8941) dictionary parser covering what Rundun sends: inner lists, strings,
# tokens, integers, byte sequences, booleans and parameters. Values: (bare item or list of items, params).
class Token(str):
    pass


_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*")
_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_INTEGER = re.compile(r"-?[0-9]{1,15}(?![0-9.])")
_BYTES = re.compile(r":([A-Za-z0-9+/=]*):")


def _parse_dictionary(text, code):
    parser = _Parser(text.strip(" \t"), code)
    result = {}
    while not parser.done():
        key = parser.match(_KEY, "key")
        if parser.peek() == "=":
            parser.pos += 1
            is_list = parser.peek() == "("
            result[key] = parser.inner_list() if is_list else (parser.bare_item(), parser.params())
        else:
            result[key] = (True, parser.params())
        parser.skip(" \t")
        if parser.done():
            break
        parser.expect(",")
        parser.skip(" \t")
        if parser.done():
            parser.fail("trailing comma")
    return result


class _Parser:
    def __init__(self, text, code):
        self.text, self.pos, self.code = text, 0, code

    def fail(self, what):
        raise WebhookVerificationError(self.code, f"cannot parse header at {self.pos}: {what}")

    def done(self):
        return self.pos >= len(self.text)

    def peek(self):
        return self.text[self.pos : self.pos + 1]

    def skip(self, chars):
        while self.peek() and self.peek() in chars:
            self.pos += 1

    def expect(self, char):
        if self.peek() != char:
            self.fail(f"expected {char!r}")
        self.pos += 1

    def match(self, pattern, what):
        found = pattern.match(self.text, self.pos)
        if not found:
            self.fail(f"expected {what}")
        self.pos = found.end()
        return found.group(0)

    def inner_list(self):
        self.expect("(")
        items = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return items, self.params()
            items.append((self.bare_item(), self.params()))
            if self.peek() not in (" ", ")"):
                self.fail("expected ' ' or ')'")

    def params(self):
        params = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            key = self.match(_KEY, "parameter key")
            value = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[key] = value
        return params

    def bare_item(self):
        char = self.peek()
        if char == '"':
            return self.string()
        if char == ":":
            try:
                return base64.b64decode(self.match(_BYTES, "byte sequence")[1:-1], validate=True)
            except ValueError:
                self.fail("bad base64")
        if char == "?":
            return self.match(re.compile(r"\?[01]"), "boolean") == "?1"
        if char == "-" or char.isdigit():
            return int(self.match(_INTEGER, "integer"))
        return Token(self.match(_TOKEN, "item"))

    def string(self):
        self.expect('"')
        out = []
        while not self.done():
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\":
                if self.peek() not in ('"', "\\"):
                    self.fail("bad escape")
                out.append(self.peek())
                self.pos += 1
            elif char == '"':
                return "".join(out)
            elif not " " <= char <= "~":
                self.fail("non-ASCII in string")
            else:
                out.append(char)
        self.fail("unterminated string")


def _serialize_inner_list(items, params):
    inner = " ".join(_serialize_bare(value) + _serialize_params(item_params) for value, item_params in items)
    return f"({inner}){_serialize_params(params)}"


def _serialize_params(params):
    return "".join(f";{k}" if v is True else f";{k}={_serialize_bare(v)}" for k, v in params.items())


def _serialize_bare(value):
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        return str(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
