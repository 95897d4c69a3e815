"""A local stand-in for the part of Stripe's API that checkout and payouts use, so tests need
no network.

The application talks to it through the real ``stripe`` library (``STRIPE_API_BASE`` points the
client here). It serves, on 127.0.0.1 and a free port, from a thread:

- ``POST /v1/payment_intents``: creates a PaymentIntent from the form-encoded parameters the
  library sends, honouring ``Idempotency-Key`` the way Stripe does (same key and parameters:
  the first response again; same key, other parameters: a 400 ``idempotency_error``);
- ``GET /v1/payment_intents/<id>``: returns it, or Stripe's 404 ``resource_missing``;
- Connect: ``POST /v1/accounts`` (Express accounts, created not yet onboarded),
  ``GET /v1/accounts/<id>``, ``POST /v1/account_links`` (onboarding links),
  ``POST /v1/transfers`` (checks the destination can receive transfers and, with
  ``source_transaction``, that the charge exists and covers the amount), ``GET /v1/transfers``
  (filtered by ``transfer_group``/``destination``) and ``GET /v1/transfers/<id>``.

Every POST honours ``Idempotency-Key`` like Stripe's v1 API: the first outcome of an executed
request (success or error) is stored under the key and replayed; the same key with other
parameters is a 400 ``idempotency_error``.

Requests need ``Authorization: Bearer <api_key>`` like Stripe's. Every request is recorded in
``requests`` for assertions. ``succeed``/``fail`` move an intent as a confirmation in the
browser would (a success creates the charge, ``latest_charge``), ``complete_onboarding`` does
what a producer finishing Stripe's hosted onboarding would, and ``event`` builds the webhook
event Stripe would then send; signing it is the test's job (``sign``), exactly as Stripe signs
(``t=<ts>,v1=<HMAC-SHA256>``). ``fail_transfers`` makes the next transfer requests fail: a 500
before anything is done (``"server_error"``), a refusal stored under the idempotency key like
Stripe's (``"insufficient_funds"``), or the transfer made and the answer lost, the connection
closed without a response (``"lost_response"``).

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
from collections import deque
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
        self.charges: dict[str, dict] = {}
        self.accounts: dict[str, dict] = {}
        self.account_links: list[dict] = []
        self.transfers: dict[str, dict] = {}
        self._transfer_failures: deque[str] = deque()
        self._always_fail_transfers: str | None = None
        self._failing_with: str | None = None
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
            if not intent.get("latest_charge"):
                charge_id = "ch_" + secrets.token_hex(12)
                self.charges[charge_id] = {
                    "id": charge_id,
                    "object": "charge",
                    "amount": intent["amount"],
                    "currency": intent["currency"],
                    "payment_intent": intent_id,
                    "paid": True,
                    "status": "succeeded",
                }
                intent["latest_charge"] = charge_id
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
    def event(
        type_: str, intent: dict, *, account: str | None = None, created: int | None = None
    ) -> dict:
        """The event Stripe sends; ``account`` for an event of a connected account (Connect)."""
        event = {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()) if created is None else created,
            "data": {"object": intent},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }
        if account:
            event["account"] = account
        return event

    def complete_onboarding(self, account_id: str) -> dict:
        """The producer finished Stripe's hosted onboarding: details submitted, payouts on, the
        ``transfers`` capability active (a recipient account takes no card payments)."""
        with self._lock:
            account = self.accounts[account_id]
            account.update(details_submitted=True, payouts_enabled=True)
            account["capabilities"] = {"transfers": "active"}
            account["requirements"] = {
                "currently_due": [],
                "eventually_due": [],
                "past_due": [],
                "disabled_reason": None,
            }
            return json.loads(json.dumps(account))

    def fail_transfers(self, mode: str = "server_error", times: int | None = 1) -> None:
        """Make the next ``times`` transfer requests fail (``None``: all until ``heal``)."""
        assert mode in ("server_error", "insufficient_funds", "lost_response"), mode
        with self._lock:
            if times is None:
                self._always_fail_transfers = mode
            else:
                self._transfer_failures.extend([mode] * times)

    def heal(self) -> None:
        with self._lock:
            self._transfer_failures.clear()
            self._always_fail_transfers = None

    def transfer_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if (r.method, r.path) == ("POST", "/v1/transfers")]

    # HTTP ----------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        path, _sep, query = handler.path.partition("?")
        params = decode_form(body) if method == "POST" else decode_form(query)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, dict(handler.headers), params))
            failure = None
            if (method, path) == ("POST", "/v1/transfers"):
                failure = self._next_transfer_failure()
            if failure == "server_error":
                status, payload = _error(500, "api_error", "An unknown error occurred.")
            else:
                self._failing_with = failure
                try:
                    status, payload = self._respond(method, path, handler.headers, params)
                finally:
                    self._failing_with = None
        if failure == "lost_response":
            # Done at "Stripe", but the answer never arrives: the client sees the connection
            # close, like a network failure after the request was executed.
            handler.close_connection = True
            return
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-Id", "req_" + secrets.token_hex(8))
        handler.end_headers()
        handler.wfile.write(data)

    def _next_transfer_failure(self) -> str | None:
        if self._transfer_failures:
            return self._transfer_failures.popleft()
        return self._always_fail_transfers

    def _respond(self, method: str, path: str, headers, params: dict) -> tuple[int, dict]:
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "invalid_request_error", "Invalid API Key provided.")
        creators = {
            "/v1/payment_intents": self._create_intent,
            "/v1/accounts": self._create_account,
            "/v1/account_links": self._create_account_link,
            "/v1/transfers": self._create_transfer,
        }
        if method == "POST" and path in creators:
            key = headers.get("Idempotency-Key")
            if key and key in self._idempotent:
                first_params, response = self._idempotent[key]
                if first_params != {"path": path, **params}:
                    return _error(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                    )
                return response
            response = creators[path](params)
            if key:
                self._idempotent[key] = ({"path": path, **params}, response)
            return response
        if method == "GET":
            found = self._retrieve(path, params)
            if found is not None:
                return found
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

    # Connect ---------------------------------------------------------------------------------

    def _retrieve(self, path: str, params: dict) -> tuple[int, dict] | None:
        for prefix, store, kind in (
            ("/v1/accounts/", self.accounts, "account"),
            ("/v1/transfers/", self.transfers, "transfer"),
        ):
            if path.startswith(prefix) and "/" not in path[len(prefix) :]:
                object_id = path[len(prefix) :]
                if object_id not in store:
                    return _error(
                        404,
                        "invalid_request_error",
                        f"No such {kind}: '{object_id}'",
                        code="resource_missing",
                    )
                return 200, store[object_id]
        if path == "/v1/transfers":
            data = [
                transfer
                for transfer in reversed(self.transfers.values())  # newest first, like Stripe
                if all(
                    transfer.get(name) == params[name]
                    for name in ("transfer_group", "destination")
                    if name in params
                )
            ]
            limit = int(params.get("limit", 10))
            return 200, {
                "object": "list",
                "url": "/v1/transfers",
                "has_more": len(data) > limit,
                "data": data[:limit],
            }
        return None

    def _create_account(self, params: dict) -> tuple[int, dict]:
        if params.get("type") not in ("express", "standard", "custom"):
            return _error(400, "invalid_request_error", "Missing required param: type.")
        account_id = "acct_" + secrets.token_hex(8)
        requested = [
            name
            for name, value in (params.get("capabilities") or {}).items()
            if (value or {}).get("requested") == "true"
        ]
        account = {
            "id": account_id,
            "object": "account",
            "type": params["type"],
            "country": params.get("country", "US"),
            "email": params.get("email"),
            "business_profile": params.get("business_profile", {}),
            "capabilities": {name: "inactive" for name in requested},
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "default_currency": "vnd" if params.get("country") == "VN" else "usd",
            "metadata": params.get("metadata", {}),
            "requirements": {
                "currently_due": [
                    "external_account",
                    "individual.first_name",
                    "tos_acceptance.date",
                ],
                "eventually_due": [],
                "past_due": [],
                "disabled_reason": "requirements.past_due",
            },
            "tos_acceptance": params.get("tos_acceptance", {}),
            "created": int(time.time()),
        }
        self.accounts[account_id] = account
        return 200, account

    def _create_account_link(self, params: dict) -> tuple[int, dict]:
        account_id = params.get("account", "")
        if account_id not in self.accounts:
            return _error(
                400, "invalid_request_error", f"No such account: '{account_id}'", "resource_missing"
            )
        for name in ("type", "return_url", "refresh_url"):
            if not params.get(name):
                return _error(400, "invalid_request_error", f"Missing required param: {name}.")
        now = int(time.time())
        link = {
            "object": "account_link",
            "created": now,
            "expires_at": now + 300,
            "url": f"{self.url}/setup/e/{account_id}/{secrets.token_hex(8)}",
            **{name: params[name] for name in ("account", "type", "return_url", "refresh_url")},
        }
        self.account_links.append(link)
        return 200, link

    def _create_transfer(self, params: dict) -> tuple[int, dict]:
        try:
            amount = int(params["amount"])
            currency = params["currency"]
            destination = params["destination"]
        except (KeyError, ValueError):
            return _error(
                400, "invalid_request_error", "Missing required param: amount/currency/destination."
            )
        if amount <= 0:
            return _error(400, "invalid_request_error", "Amount must be a positive integer.")
        account = self.accounts.get(destination)
        if account is None:
            return _error(
                400,
                "invalid_request_error",
                f"No such destination: '{destination}'",
                "resource_missing",
            )
        if (account.get("capabilities") or {}).get("transfers") != "active":
            return _error(
                400,
                "invalid_request_error",
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                "insufficient_capabilities_for_transfer",
            )
        charge_id = params.get("source_transaction")
        if charge_id:
            charge = self.charges.get(charge_id)
            if charge is None:
                return _error(
                    400,
                    "invalid_request_error",
                    f"No such charge: '{charge_id}'",
                    "resource_missing",
                )
            already = sum(
                t["amount"] for t in self.transfers.values() if t["source_transaction"] == charge_id
            )
            if charge["currency"] != currency or already + amount > charge["amount"]:
                return _error(
                    400,
                    "invalid_request_error",
                    "The currency and amount of a transfer from a charge must fit that charge.",
                )
        if self._failing_with == "insufficient_funds":
            return _error(
                400,
                "invalid_request_error",
                "You have insufficient available funds in your Stripe account.",
                "balance_insufficient",
            )
        transfer_id = "tr_" + secrets.token_hex(12)
        transfer = {
            "id": transfer_id,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "currency": currency,
            "created": int(time.time()),
            "description": params.get("description"),
            "destination": destination,
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "reversed": False,
            "source_transaction": charge_id,
            "transfer_group": params.get("transfer_group"),
        }
        self.transfers[transfer_id] = transfer
        return 200, transfer
