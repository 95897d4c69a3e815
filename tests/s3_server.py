"""moto's S3 server with the presigned-URL checks AWS makes and moto skips.

moto stores objects and refuses anonymous reads of private ones, as S3 does, but it accepts any
presigned URL for an existing object: it checks neither the signature nor the expiry. This
script serves moto's own WSGI application behind a check of SigV4 query signatures (computed
with botocore's signer, the code that made them) and of ``X-Amz-Date`` + ``X-Amz-Expires``, so a
test can see an expired or tampered presigned URL refused. Everything else is moto's.

Run as ``python tests/s3_server.py --port N --access-key K --secret-key S``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from urllib.parse import parse_qsl, quote, urlencode

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

AUTH_PARAMS = {
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
}


def _error(start_response, code: str, message: str) -> list[bytes]:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()
    start_response("403 Forbidden", [("Content-Type", "application/xml")])
    return [body]


class PresignedUrlCheck:
    """WSGI middleware: requests carrying a presigned URL's query must be signed with a known
    key and still be within their lifetime, else 403 as S3 answers."""

    def __init__(self, app, secrets: dict[str, str]):
        self.app = app
        self.secrets = secrets

    def __call__(self, environ, start_response):
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        names = {name for name, _value in query}
        if "Signature" in names and "X-Amz-Signature" not in names:
            return _error(start_response, "AccessDenied", "Only SigV4 presigned URLs are served")
        if "X-Amz-Signature" in names:
            problem = self.problem(environ, dict(query), query)
            if problem:
                return _error(start_response, *problem)
        return self.app(environ, start_response)

    def problem(self, environ, params: dict[str, str], query) -> tuple[str, str] | None:
        access_key, _day, region, service, _terminal = params["X-Amz-Credential"].split("/")
        secret = self.secrets.get(access_key)
        if secret is None:
            return "InvalidAccessKeyId", "The access key is not known"
        signed_at = dt.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=dt.UTC
        )
        expires = int(params["X-Amz-Expires"])
        if dt.datetime.now(dt.UTC) > signed_at + dt.timedelta(seconds=expires):
            return "AccessDenied", "Request has expired"
        rest = [(k, v) for k, v in query if k not in AUTH_PARAMS]
        path = quote(environ.get("PATH_INFO", "").encode("latin-1"), safe="/~")
        url = f"http://{environ['HTTP_HOST']}{path}"
        if rest:
            url += "?" + urlencode(rest, quote_via=quote)
        request = AWSRequest(method=environ["REQUEST_METHOD"], url=url)
        request.context["timestamp"] = params["X-Amz-Date"]
        signer = S3SigV4QueryAuth(Credentials(access_key, secret), service, region, expires)
        signer._modify_request_before_signing(request)
        expected = signer.signature(
            signer.string_to_sign(request, signer.canonical_request(request)), request
        )
        if expected != params["X-Amz-Signature"]:
            return "SignatureDoesNotMatch", "The request signature does not match"
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    args = parser.parse_args()
    app = PresignedUrlCheck(
        DomainDispatcherApplication(create_backend_app), {args.access_key: args.secret_key}
    )
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
