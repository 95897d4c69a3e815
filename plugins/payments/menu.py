"""Who sees the payout entries of the dashboard menu (``OSCAR_DASHBOARD_NAVIGATION``).

Imported by settings, so nothing here touches models at import time.
"""

from __future__ import annotations

PAYOUT_PERMISSION = "payments.view_payout"
RETRY_PERMISSION = "payments.retry_payout"


def is_payout_staff(user) -> bool:
    """Staff who see every payout: Oscar's staff (who see every order anyway) and users with
    the payout permission (the "Sở Công Thương" group)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_staff or user.has_perm(PAYOUT_PERMISSION))
    )


def can_retry_payouts(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_staff or user.has_perm(RETRY_PERMISSION))
    )


def producer_payouts_access(user, url_name, url_args=None, url_kwargs=None) -> bool:
    """Producer users: users of an Oscar partner (``partner.users``)."""
    return bool(user.is_authenticated and user.partners.exists())


def staff_payouts_access(user, url_name, url_args=None, url_kwargs=None) -> bool:
    return is_payout_staff(user)
