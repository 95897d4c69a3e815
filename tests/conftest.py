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


@pytest.fixture
def sample_xlsx() -> Path:
    return FIXTURES / "danh-sach-ocop-mau.xlsx"


@pytest.fixture
def sample_cp1258() -> Path:
    return FIXTURES / "danh-sach-ocop-cp1258.csv"


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))
