"""Who sees the certificate entries of the dashboard menu (``OSCAR_DASHBOARD_NAVIGATION``).

Imported by settings, so nothing here touches models at import time.
"""

from __future__ import annotations

REVIEW_PERMISSION = "ocop.review_certificationchangerequest"


def producer_access(user, url_name, url_args=None, url_kwargs=None) -> bool:
    """Producer users: users of the Oscar partner of an OCOP producer (``partner.users``)."""
    return bool(
        user.is_authenticated and user.partners.filter(ocop_producer__isnull=False).exists()
    )


def review_access(user, url_name, url_args=None, url_kwargs=None) -> bool:
    return user.has_perm(REVIEW_PERMISSION)
