"""Celery tasks of the notifications app. Each one is a thin wrapper around a service."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.db import DatabaseError

from .delivery import deliver
from .orders import record_order_notifications
from .reminders import send_certificate_expiry_reminders

#: Attempts after the first one before a notification is marked failed.
MAX_RETRIES = 5
#: Retry delays: 1, 2, 4, 8, 16 minutes, never more than an hour.
RETRY_BACKOFF_SECONDS = 60
RETRY_BACKOFF_MAX_SECONDS = 3600


def retry_countdown(retries: int) -> int:
    return get_exponential_backoff_interval(
        RETRY_BACKOFF_SECONDS, retries, RETRY_BACKOFF_MAX_SECONDS, full_jitter=False
    )


@shared_task(bind=True, name="notifications.deliver", max_retries=MAX_RETRIES)
def deliver_task(self, kind: str, ids: list[int]) -> dict:
    """Send recorded notifications; the ones the mail server refused are retried with a
    growing delay. Run eagerly (no broker) there is no queue to retry from, so a refused
    notification is marked failed at once, for staff to send again from the admin."""
    can_retry = not self.request.is_eager and self.request.retries < self.max_retries
    result = deliver(kind, ids, last_attempt=not can_retry)
    if result.failed and can_retry:
        raise self.retry(
            args=(kind, sorted(result.failed)), countdown=retry_countdown(self.request.retries)
        )
    return result.as_dict()


@shared_task(
    name="notifications.notify_order_placed",
    autoretry_for=(DatabaseError,),
    retry_backoff=RETRY_BACKOFF_SECONDS,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    max_retries=MAX_RETRIES,
)
def notify_order_placed_task(order_id: int) -> dict:
    """Record the new-order emails of order ``order_id`` (one per producer in it) and queue
    their delivery."""
    from oscar.apps.order.models import Order

    order = Order.objects.select_related("shipping_address").get(pk=order_id)
    rows = record_order_notifications(order)
    return {"order": order.number, "recorded": [row.pk for row in rows]}


@shared_task(name="notifications.send_certificate_expiry_reminders")
def send_certificate_expiry_reminders_task(as_of: str | None = None) -> dict:
    """Daily (``CELERY_BEAT_SCHEDULE``): record and queue the certificate-expiry reminders due
    today in Asia/Ho_Chi_Minh (or on ``as_of``, an ISO date)."""
    day = dt.date.fromisoformat(as_of) if as_of else None
    return send_certificate_expiry_reminders(day).as_dict()
