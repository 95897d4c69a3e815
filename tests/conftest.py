"""Shared fixtures. The suite runs on whatever DATABASE_URL names (SQLite by default,
PostgreSQL in CI); tests marked ``postgres`` only run when it is PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.db import connection

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: A fixed "today" for rules that depend on the date.
TODAY = dt.date(2026, 11, 29)


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs DATABASE_URL pointing at PostgreSQL")
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def tasks_run_in_process(request):
    """Celery tasks run eagerly in tests even when CELERY_BROKER_URL names a broker (CI): no
    worker consumes them there, and a message left on a shared broker would reach some real
    worker with ids from a test database (an order email to a real producer). Tests of a real
    worker (marked ``redis``) configure their own broker and queue."""
    if "redis" in request.keywords:
        yield
        return
    from ocop_market.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def media_root(settings, tmp_path):
    """Files stored during the test go to a throw-away media directory, not the checkout's
    data/ (modules use it with ``pytest.mark.usefixtures("media_root")``)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def sample_xlsx() -> Path:
    return FIXTURES / "danh-sach-ocop-mau.xlsx"


@pytest.fixture
def sample_cp1258() -> Path:
    return FIXTURES / "danh-sach-ocop-cp1258.csv"


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))
