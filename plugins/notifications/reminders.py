"""Reminders before an OCOP certificate expires (nhắc hạn chứng nhận OCOP).

A certificate is valid for 36 months; to stay OCOP-certified the producer has to apply for a
re-evaluation (đánh giá lại) before it ends. Each day (in Asia/Ho_Chi_Minh) the producer of
every *current* certificate that ends within 90 days is reminded, at most once per threshold:

* 31–90 days left: the 90-day reminder, unless it was sent already;
* 0–30 days left: the 30-day reminder, unless it was sent already.

Only the tightest threshold that applies is considered: a certificate first seen with 25 days
left (imported late, or the task did not run for a while) gets the 30-day reminder only, never
a stale "90 days" one. A certificate counts when it is its product's current certificate and
certifies the product today: 3 stars or more, decided, not expired, not revoked and not
superseded by a re-evaluation or upgrade (the new decision is what the producer holds).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from plugins.ocop.models import Certificate, local_today

from .delivery import record
from .models import ExpiryReminder
from .recipients import producer_recipients, users_prefetch
from .rendering import bilingual_body, bilingual_subject

TEMPLATE = "notifications/email/certificate_expiry.txt"
#: Threshold days, tightest first.
THRESHOLDS = sorted(ExpiryReminder.Threshold.values)


def threshold_for(days_left: int) -> int | None:
    """The tightest threshold ``days_left`` is within, or None when it is within none."""
    return next((days for days in THRESHOLDS if 0 <= days_left <= days), None)


@dataclass(frozen=True)
class DueReminder:
    """A reminder a run decided to send: which certificate, at which threshold, to whom."""

    certificate: Certificate
    threshold_days: int
    days_left: int
    recipients: list[str]

    def as_dict(self) -> dict[str, object]:
        ocop = self.certificate.product
        return {
            "certificate": self.certificate.pk,
            "product": ocop.name,
            "producer": ocop.producer.name,
            "stars": self.certificate.stars,
            "decision_number": self.certificate.decision_number,
            "valid_until": self.certificate.valid_until.isoformat(),
            "threshold_days": self.threshold_days,
            "days_left": self.days_left,
            "recipients": self.recipients,
        }


def due_reminders(as_of: dt.date) -> list[DueReminder]:
    """The reminders due on ``as_of`` and not recorded yet, soonest expiry first; two queries
    whatever the number of certificates."""
    tightest, widest = THRESHOLDS[0], THRESHOLDS[-1]
    recorded = ExpiryReminder.objects.filter(certificate=OuterRef("pk"))
    certificates = (
        Certificate.objects.certified_on(as_of)
        .filter(
            valid_until__lte=as_of + dt.timedelta(days=widest),
            product__current_certificate=F("pk"),
        )
        .annotate(
            has_tightest=Exists(recorded.filter(threshold_days=tightest)),
            has_widest=Exists(recorded.filter(threshold_days=widest)),
        )
        .filter(
            Q(valid_until__lte=as_of + dt.timedelta(days=tightest), has_tightest=False)
            | Q(valid_until__gt=as_of + dt.timedelta(days=tightest), has_widest=False)
        )
        .select_related("product__producer__partner")
        .prefetch_related(users_prefetch("product__producer__partner__users"))
        .order_by("valid_until", "pk")
    )
    due = []
    for certificate in certificates:
        days_left = (certificate.valid_until - as_of).days
        due.append(
            DueReminder(
                certificate=certificate,
                threshold_days=threshold_for(days_left),
                days_left=days_left,
                recipients=producer_recipients(certificate.product.producer),
            )
        )
    return due


@dataclass
class ReminderRun:
    """What one run decided (``due``) and recorded (``recorded``: fewer than ``due`` only when
    another run recorded some of them at the same time)."""

    as_of: dt.date
    dry_run: bool
    due: list[DueReminder] = field(default_factory=list)
    recorded: list[ExpiryReminder] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "due": [reminder.as_dict() for reminder in self.due],
            "recorded": [row.pk for row in self.recorded],
            "skipped": [row.pk for row in self.recorded if row.skip_reason],
        }


def _subject(reminder: DueReminder) -> str:
    return _("OCOP certificate of “%(product)s” expires on %(date)s") % {
        "product": reminder.certificate.product.name,
        "date": reminder.certificate.valid_until.strftime("%d/%m/%Y"),
    }


def _row(reminder: DueReminder, as_of: dt.date) -> ExpiryReminder:
    certificate = reminder.certificate
    context = {
        "producer": certificate.product.producer,
        "product": certificate.product,
        "certificate": certificate,
        "days_left": reminder.days_left,
    }
    return ExpiryReminder(
        certificate=certificate,
        producer=certificate.product.producer,
        threshold_days=reminder.threshold_days,
        as_of=as_of,
        days_left=reminder.days_left,
        recipients=reminder.recipients,
        subject=bilingual_subject(lambda: _subject(reminder)),
        body=bilingual_body(TEMPLATE, context),
    )


def send_certificate_expiry_reminders(
    as_of: dt.date | None = None, *, dry_run: bool = False
) -> ReminderRun:
    """Decide the reminders due on ``as_of`` (default: today in Asia/Ho_Chi_Minh), record them
    in the same transaction and queue their delivery after it commits. With ``dry_run`` only
    report what would be sent. A fixed number of queries whatever the number of certificates
    (SQLite splits very large inserts by its parameter limit)."""
    as_of = as_of or local_today()
    with transaction.atomic():
        run = ReminderRun(as_of=as_of, dry_run=dry_run, due=due_reminders(as_of))
        if not dry_run:
            run.recorded = record(ExpiryReminder, [_row(due, as_of) for due in run.due])
    return run
