"""A local stand-in for the part of Stripe's API that checkout uses, so tests need no network.

The application talks to it through the real ``stripe`` library (``STRIPE_API_BASE`` points the
client here). It serves, on 127.0.0.1 and a free port, from a thread:

- ``POST /v1/payment_intents``: creates a PaymentIntent from the form-encoded parameters the
  library sends, honouring ``Idempotency-Key`` the way Stripe does (same key and parameters:
  the first response again; same key, other parameters: a 400 ``idempotency_error``);
- ``GET /v1/payment_intents/<id>``: returns it, or Stripe's 404 ``resource_missing``.

Requests need ``Authorization: Bearer <api_key>`` like Stripe's. Every request is recorded in
``requests`` for assertions. ``succeed``/``fail`` move an intent as a confirmation in the
browser would, and ``event`` builds the webhook event Stripe would then send; signing it is the
test's job (``sign``), exactly as Stripe signs (``t=<ts>,v1=<HMAC-SHA256>``).

What this is not: Stripe. It does not validate cards, run 3-D Secure or send webhooks itself,
and knows nothing beyond the fields above.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

API_VERSION = "2025-09-30.clover"
_KEY_PARTS = re.compile(r"[^\[\]]+")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    params: dict


def decode_form(body: str) -> dict:
    """Stripe's form encoding back to nested data: ``metadata[order]=1`` -> {"metadata":
    {"order": "1"}}, ``payment_method_types[0]=card`` -> {"payment_method_types": ["card"]}."""
    result: dict = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True):
        parts = _KEY_PARTS.findall(raw_key)
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value

    def listify(node):
        if isinstance(node, dict):
            node = {k: listify(v) for k, v in node.items()}
            if node and all(k.isdigit() for k in node):
                return [node[k] for k in sorted(node, key=int)]
        return node

    return listify(result)


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe sends with ``payload``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(
        secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={signature}"


def _error(status: int, type_: str, message: str, code: str | None = None) -> tuple[int, dict]:
    error = {"type": type_, "message": message}
    if code:
        error["code"] = code
    return status, {"error": error}


class StripeStandIn:
    def __init__(self, api_key: str = "sk_test_standin") -> None:
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.intents: dict[str, dict] = {}
        self._idempotent: dict[str, tuple[dict, tuple[int, dict]]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # Lifecycle -----------------------------------------------------------------------------

    def start(self) -> StripeStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                standin._serve(self, "GET")

            def do_POST(self):  # noqa: N802
                standin._serve(self, "POST")

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> StripeStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # What a browser confirmation and Stripe's webhook would do ---------------------------------

    def succeed(self, intent_id: str) -> dict:
        with self._lock:
            intent = self.intents[intent_id]
            intent.update(status="succeeded", amount_received=intent["amount"])
            intent["last_payment_error"] = None
            return json.loads(json.dumps(intent))

    def fail(self, intent_id: str, message: str = "Your card was declined.") -> dict:
        with self._lock:
            intent = self.intents[intent_id]
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": message,
            }
            return json.loads(json.dumps(intent))

    @staticmethod
    def event(type_: str, intent: dict) -> dict:
        return {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": intent},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }

    # HTTP ----------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        path = handler.path.split("?", 1)[0]
        params = decode_form(body) if method == "POST" else {}
        with self._lock:
            self.requests.append(RecordedRequest(method, path, dict(handler.headers), params))
            status, payload = self._respond(method, path, handler.headers, params)
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-Id", "req_" + secrets.token_hex(8))
        handler.end_headers()
        handler.wfile.write(data)

    def _respond(self, method: str, path: str, headers, params: dict) -> tuple[int, dict]:
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "invalid_request_error", "Invalid API Key provided.")
        if method == "POST" and path == "/v1/payment_intents":
            key = headers.get("Idempotency-Key")
            if key and key in self._idempotent:
                first_params, response = self._idempotent[key]
                if first_params != params:
                    return _error(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                    )
                return response
            response = self._create_intent(params)
            if key:
                self._idempotent[key] = (params, response)
            return response
        match = re.fullmatch(r"/v1/payment_intents/([^/]+)", path)
        if method == "GET" and match:
            intent = self.intents.get(match.group(1))
            if intent is None:
                return _error(
                    404,
                    "invalid_request_error",
                    f"No such payment_intent: '{match.group(1)}'",
                    code="resource_missing",
                )
            return 200, intent
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({method} {path}).")

    def _create_intent(self, params: dict) -> tuple[int, dict]:
        try:
            amount = int(params["amount"])
            currency = params["currency"]
        except (KeyError, ValueError):
            return _error(400, "invalid_request_error", "Missing required param: amount/currency.")
        intent_id = "pi_" + secrets.token_hex(12)
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "capture_method": "automatic",
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
            "confirmation_method": "automatic",
            "created": int(time.time()),
            "currency": currency,
            "description": params.get("description"),
            "last_payment_error": None,
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "payment_method": None,
            "payment_method_types": params.get("payment_method_types", ["card"]),
            "status": "requires_payment_method",
        }
        self.intents[intent_id] = intent
        return 200, intent
