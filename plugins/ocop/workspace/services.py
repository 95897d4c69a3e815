"""Business actions on certificate scans and certification change requests.

Views call these; each one checks the rule it owns (content of the scan, state of the request)
and leaves who did what on the rows. Who may act (the producer's own users, department staff)
is checked by the caller before calling.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..importer.certificates import record_decision
from ..models import (
    Certificate,
    CertificateScan,
    CertificationChangeRequest,
    OcopProduct,
    Producer,
)
from ..uploads import check_scan


class ChangeRequestError(Exception):
    """A change request that cannot be reviewed (already decided)."""


def store_scan(
    upload,
    *,
    producer: Producer,
    user: AbstractBaseUser | None,
    certificate: Certificate | None = None,
) -> CertificateScan:
    """Validate ``upload`` as a scan (PDF or image, by content) and keep it in private storage
    for ``producer``. The stored name is random with the extension the content really has."""
    detected = check_scan(upload)
    original_name = (upload.name or "").rsplit("/", 1)[-1][:255]
    size = upload.size
    upload.name = f"scan.{detected.extension}"
    return CertificateScan.objects.create(
        producer=producer,
        certificate=certificate,
        file=upload,
        original_name=original_name,
        content_type=detected.content_type,
        size=size,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )


@transaction.atomic
def request_certification_change(
    *,
    product: OcopProduct,
    user: AbstractBaseUser,
    stars: int,
    score: int | None,
    decision_number: str,
    decision_date: dt.date,
    valid_until: dt.date,
    scan_file,
    note: str = "",
) -> CertificationChangeRequest:
    """A producer asks for a change of ``product``'s certification data, with the scan of the
    decision. Nothing about the certificate changes until staff approve."""
    scan = store_scan(scan_file, producer=product.producer, user=user)
    return CertificationChangeRequest.objects.create(
        producer=product.producer,
        product=product,
        certificate=product.current_certificate,
        stars=stars,
        score=score,
        decision_number=decision_number,
        decision_date=decision_date,
        valid_until=valid_until,
        scan=scan,
        note=note,
        requested_by=user,
    )


def _lock_pending(change: CertificationChangeRequest) -> CertificationChangeRequest:
    locked = CertificationChangeRequest.objects.select_for_update().get(pk=change.pk)
    if locked.status != CertificationChangeRequest.Status.PENDING:
        raise ChangeRequestError(
            f"Đề nghị này đã được xử lý ({locked.get_status_display()}) "
            f"(this request was already decided)."
        )
    return locked


@transaction.atomic
def approve_change_request(
    change: CertificationChangeRequest,
    *,
    user: AbstractBaseUser,
    comment: str = "",
    today: dt.date | None = None,
) -> Certificate:
    """Approve a pending request: its decision is recorded by the certificate rules (a new
    decision supersedes the older ones, the same decision is corrected), the scan is attached
    to the certificate, and the request records who approved and when — all or nothing."""
    change = _lock_pending(change)
    product = OcopProduct.objects.select_for_update().get(pk=change.product_id)
    certificate, _created = record_decision(
        product,
        stars=change.stars,
        score=change.score,
        decision_number=change.decision_number,
        decision_date=change.decision_date,
        valid_until=change.valid_until,
        today=today,
    )
    CertificateScan.objects.filter(pk=change.scan_id).update(certificate=certificate)
    change.status = CertificationChangeRequest.Status.APPROVED
    change.reviewed_by = user
    change.reviewed_at = timezone.now()
    change.staff_comment = comment
    change.resulting_certificate = certificate
    change.save(
        update_fields=[
            "status",
            "reviewed_by",
            "reviewed_at",
            "staff_comment",
            "resulting_certificate",
        ]
    )
    return certificate


@transaction.atomic
def reject_change_request(
    change: CertificationChangeRequest, *, user: AbstractBaseUser, comment: str
) -> CertificationChangeRequest:
    """Reject a pending request with the reason; no certification data changes."""
    change = _lock_pending(change)
    change.status = CertificationChangeRequest.Status.REJECTED
    change.reviewed_by = user
    change.reviewed_at = timezone.now()
    change.staff_comment = comment
    change.save(update_fields=["status", "reviewed_by", "reviewed_at", "staff_comment"])
    return change
