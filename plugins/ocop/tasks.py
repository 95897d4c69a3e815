"""Celery tasks of the OCOP plugin. Each one is a thin wrapper around a service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .channels.report import snapshot_month
from .importer.certificates import import_certificates
from .models import ImportRun, add_months, local_today

#: How often (in rows) a running import reports progress.
PROGRESS_EVERY = 500


@shared_task(bind=True, name="ocop.import_certificates")
def import_certificates_task(self, run_id: int) -> dict:
    """Import the list stored on ``ImportRun`` ``run_id``; progress is reported as the task's
    ``PROGRESS`` state with ``{"rows_read": n}``, the result saved on the run."""
    run = ImportRun.objects.get(pk=run_id)
    run.state = ImportRun.State.RUNNING
    run.task_id = self.request.id or ""
    run.save(update_fields=["state", "task_id"])

    def progress(rows_read: int) -> None:
        if not self.request.called_directly and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"rows_read": rows_read})

    with run.file.open("rb") as stream:
        result = import_certificates(
            stream,
            filename=run.filename,
            dry_run=run.dry_run,
            skip_invalid=run.skip_invalid,
            run=run,
            progress=progress,
        )
    run.result = result.as_dict()
    run.state = ImportRun.State.DONE if result.written or run.dry_run else ImportRun.State.FAILED
    run.finished_at = timezone.now()
    run.save(update_fields=["result", "state", "finished_at"])
    return run.result


@shared_task(name="ocop.snapshot_channel_report")
def snapshot_channel_report_task(window_days: int = 90, force: bool = False) -> dict:
    """Freeze the previous month's channel report (``CELERY_BEAT_SCHEDULE`` runs this on the
    1st of each month); a month already stored is left as it is unless ``force``."""
    previous_month = add_months(local_today().replace(day=1), -1)
    snapshot = snapshot_month(previous_month, window_days, force=force)
    return {
        "id": snapshot.pk,
        "month": snapshot.month.isoformat(),
        "as_of": snapshot.as_of.isoformat(),
        "window_days": snapshot.window_days,
    }
