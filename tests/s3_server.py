"""moto's S3 server with the presigned-URL checks AWS makes and moto skips.

moto stores objects and refuses anonymous reads of private ones, as S3 does, but it accepts any
presigned URL for an existing object: it checks neither the signature nor the expiry. This
script serves moto's own WSGI application behind a check of SigV4 query signatures (computed
with botocore's signer, the code that made them) and of ``X-Amz-Date`` + ``X-Amz-Expires``, so a
test can see an expired or tampered presigned URL refused. Everything else is moto's.

Run as ``python tests/s3_server.py --port N --access-key K --secret-key S``. Tests start it (or
moto's plain server) in its own process with :func:`running_server`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

import pytest
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


# Starting a server from tests ---------------------------------------------------------------

SERVER_START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # It answered, if only to say no.
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"moto server did not answer within {SERVER_START_TIMEOUT}s:\n{log.read_text()}")


@contextmanager
def running_server(command: Sequence[str], port: int, log: Path) -> Iterator[str]:
    """Run ``command`` (a moto server listening on 127.0.0.1:``port``) in its own process with
    its output in ``log``; yield its endpoint once it answers, and stop it on the way out."""
    endpoint = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        process = subprocess.Popen(list(command), stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_answering(f"{endpoint}/moto-api/", process, log)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# The server -------------------------------------------------------------------------------


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
