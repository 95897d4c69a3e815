"""Recording notifications once and sending each one once (ghi nhận và gửi thông báo).

Two steps, each safe when run twice or by two processes at the same time:

* ``record`` inserts the rows of a decision; the unique constraint of each model makes a row
  that exists already a no-op (``INSERT … ON CONFLICT DO NOTHING``), and a per-call claim
  tells the caller which rows it inserted itself. Only those are scheduled for delivery, after
  the transaction that recorded them commits.
* ``deliver`` first moves its rows from *pending* to *sending* with one conditional
  ``UPDATE``, so of two deliveries racing for a row exactly one takes it, then sends what it
  took and writes the outcome. A failure puts the row back to *pending* (the Celery task
  retries it with a growing delay) or, on the last attempt, marks it *failed*.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from .models import DeliveryStatus, ExpiryReminder, Notification, OrderNotification, SkipReason

logger = logging.getLogger(__name__)

#: The kinds of notification a delivery task is given, by name (task arguments are JSON).
KINDS: dict[str, type[Notification]] = {"order": OrderNotification, "expiry": ExpiryReminder}


def kind_of(model: type[Notification]) -> str:
    return next(name for name, cls in KINDS.items() if cls is model)


def record(model: type[Notification], rows: Sequence[Notification]) -> list[Notification]:
    """Insert the ``rows`` whose event has no row yet and return those this call inserted.

    A row without recipients is recorded as skipped (with the reason) instead of pending.
    The pending rows inserted here are delivered by the ``notifications.deliver`` task once
    the surrounding transaction commits; nothing is sent if it rolls back.
    """
    if not rows:
        return []
    claim = uuid.uuid4()
    for row in rows:
        row.claim = claim
        if not row.recipients:
            row.status, row.skip_reason = DeliveryStatus.SKIPPED, SkipReason.NO_RECIPIENT
    with transaction.atomic():
        model.objects.bulk_create(rows, ignore_conflicts=True)
        inserted = list(model.objects.filter(claim=claim).order_by("pk"))
        pending = [row.pk for row in inserted if row.status == DeliveryStatus.PENDING]
        if pending:
            schedule_delivery(model, pending)
    for row in inserted:
        if row.status == DeliveryStatus.SKIPPED:
            logger.info("%s %s skipped: %s", model.__name__, row.pk, row.get_skip_reason_display())
    return inserted


def schedule_delivery(model: type[Notification], ids: list[int]) -> None:
    """Queue the delivery of ``ids`` once the current transaction commits."""
    from .tasks import deliver_task

    kind = kind_of(model)
    transaction.on_commit(lambda: deliver_task.delay(kind, ids))


@dataclass
class DeliveryResult:
    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"sent": self.sent, "failed": sorted(self.failed)}


def deliver(kind: str, ids: Iterable[int], *, last_attempt: bool) -> DeliveryResult:
    """Send the pending notifications of ``kind`` among ``ids``; a fixed number of queries
    whatever their number. Rows already taken, sent, skipped or failed are left alone."""
    model = KINDS[kind]
    claim = uuid.uuid4()
    model.objects.filter(pk__in=list(ids), status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENDING, claim=claim, attempts=F("attempts") + 1
    )
    rows = list(model.objects.filter(claim=claim, status=DeliveryStatus.SENDING).order_by("pk"))
    result = DeliveryResult()
    if not rows:
        return result
    connection = get_connection()
    try:
        connection.open()
    except Exception as exc:  # the mail server is down: every row failed
        logger.warning("mail server unavailable: %r", exc)
        result.failed = {row.pk: repr(exc) for row in rows}
    else:
        try:
            for row in rows:
                message = EmailMessage(
                    row.subject,
                    row.body,
                    settings.DEFAULT_FROM_EMAIL,
                    row.recipients,
                    connection=connection,
                )
                try:
                    message.send()
                except Exception as exc:
                    logger.warning("%s %s not sent: %r", model.__name__, row.pk, exc)
                    result.failed[row.pk] = repr(exc)
                else:
                    result.sent.append(row.pk)
        finally:
            connection.close()
    if result.sent:
        model.objects.filter(pk__in=result.sent).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
        )
    if result.failed:
        errors = Case(*(When(pk=pk, then=Value(error)) for pk, error in result.failed.items()))
        model.objects.filter(pk__in=list(result.failed)).update(
            status=DeliveryStatus.FAILED if last_attempt else DeliveryStatus.PENDING,
            last_error=errors,
        )
    return result


def send_again(model: type[Notification], ids: Iterable[int]) -> int:
    """Put failed (or stuck sending) notifications back to pending and schedule them; for staff
    after the mail server is fixed. Returns how many were rescheduled."""
    ids = list(
        model.objects.filter(
            pk__in=list(ids), status__in=[DeliveryStatus.FAILED, DeliveryStatus.SENDING]
        ).values_list("pk", flat=True)
    )
    if ids:
        with transaction.atomic():
            model.objects.filter(pk__in=ids).update(status=DeliveryStatus.PENDING)
            schedule_delivery(model, ids)
    return len(ids)
