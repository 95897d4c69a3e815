"""Celery tasks of the payments plugin: thin wrappers around ``payouts``."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from . import payouts


class PayoutTask(Task):
    """Marks the payout failed when the task gives up: retries exhausted, or an error that
    retrying will not fix (Celery calls ``on_failure`` only then, not on each retry)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        payout_id = args[0] if args else kwargs["payout_id"]
        payouts.mark_failed(payout_id, exc)

    def apply(self, *args, throw=None, **kwargs):
        """Without a broker (the embedded default, ``task_always_eager``) the task runs in the
        caller's process: its retries then follow at once, and a final failure is the
        payout's (marked failed above), not an exception breaking the request that paid the
        order, whatever ``task_eager_propagates`` says for other tasks."""
        return super().apply(*args, throw=False if throw is None else throw, **kwargs)


@shared_task(
    bind=True,
    base=PayoutTask,
    name="payments.transfer_payout",
    autoretry_for=payouts.RETRYABLE_ERRORS,
    retry_backoff=settings.OCOP_PAYOUT_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=60 * 60,
    retry_jitter=True,
    max_retries=settings.OCOP_PAYOUT_MAX_RETRIES,
    acks_late=True,
)
def transfer_payout_task(self, payout_id: int) -> dict:
    """Send payout ``payout_id`` to the producer's connected account. Connection problems,
    Stripe server errors and rate limits are retried with exponential backoff and full jitter
    (retry n waits a random time up to ``OCOP_PAYOUT_RETRY_BACKOFF_SECONDS * 2**n``, at most an
    hour); the idempotency key makes every retry safe."""
    payout = payouts.execute_payout(payout_id)
    return {
        "payout": payout.pk,
        "status": payout.status,
        "transfer": payout.transfer_id,
        "attempts": payout.attempts,
    }
