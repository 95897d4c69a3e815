"""Stable codes for import problems, so callers can act on them without parsing messages."""

from enum import StrEnum


class ImportErrorCode(StrEnum):
    NOT_A_CERTIFICATE_LIST = "not_a_certificate_list"
    UNREADABLE_FILE = "unreadable_file"
    REQUIRED = "required"
    INVALID_STARS = "invalid_stars"
    INVALID_SCORE = "invalid_score"
    SCORE_STARS_MISMATCH = "score_stars_mismatch"
    INVALID_DATE = "invalid_date"
    DATE_IN_FUTURE = "date_in_future"
    INVALID_GROUP = "invalid_group"
    INVALID_PRODUCER_TYPE = "invalid_producer_type"
    INVALID_ISSUING_LEVEL = "invalid_issuing_level"
    INVALID_PRICE = "invalid_price"
    INVALID_TAX_CODE = "invalid_tax_code"
    CONFLICTING_ROW = "conflicting_row"
    ADDRESS_NOT_RESOLVED = "address_not_resolved"
    # Channel sales-report import (plugins/ocop/importer/channel_reports.py).
    NOT_A_SALES_REPORT = "not_a_sales_report"
    UNKNOWN_PRODUCER = "unknown_producer"
    UNKNOWN_CHANNEL = "unknown_channel"
    UNKNOWN_PRODUCT = "unknown_product"
    INVALID_ORDERS = "invalid_orders"
    INVALID_REVENUE = "invalid_revenue"
    INVALID_URL = "invalid_url"
