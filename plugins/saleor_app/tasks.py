"""Celery tasks of the Saleor connector: thin wrappers around ``publishing.publish_catalogue``."""

from __future__ import annotations

from celery import shared_task

from .models import PublishRun, SaleorConnection
from .publishing import publish_catalogue


@shared_task(bind=True, name="saleor_app.publish")
def publish_task(self, run_id: int) -> dict:
    """Run the publish stored as ``PublishRun`` ``run_id``; progress and result go on the run."""
    run = PublishRun.objects.select_related("connection").get(pk=run_id)
    run.task_id = self.request.id or ""
    run.save(update_fields=["task_id"])
    publish_catalogue(
        run.connection,
        channel_slug=run.channel_slug,
        dry_run=run.dry_run,
        stars_only=run.stars_only,
        run=run,
    )
    return run.result


@shared_task(name="saleor_app.refresh_star_attributes")
def refresh_star_attributes_task() -> list[dict]:
    """Send every connected store the star changes since the last publish (certificates that
    expired or were upgraded); ``CELERY_BEAT_SCHEDULE`` runs this daily."""
    results = []
    for connection in SaleorConnection.objects.active().order_by("pk"):
        run = PublishRun.objects.create(connection=connection, stars_only=True)
        results.append(publish_catalogue(connection, stars_only=True, run=run).as_dict())
    return results
