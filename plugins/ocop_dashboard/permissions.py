"""Helpers for Oscar's dashboard permission maps (lists of permissions that must all hold, or
a tuple of such lists of which one must hold)."""

from __future__ import annotations

Permissions = list[str] | tuple[list[str], ...]


def without_partner_access(permissions: Permissions) -> Permissions:
    """``permissions`` without the alternative Oscar grants to partner users
    (``partner.dashboard_access``), so only staff permissions open the route."""
    # Imported here: Oscar's module reads the user model, which app configs may not do while
    # they are being imported.
    from oscar.apps.dashboard.permissions import DashboardPermission

    if isinstance(permissions, list):
        return permissions
    kept = [p for p in permissions if p != DashboardPermission.partner_dashboard_access]
    if not kept:
        raise ValueError(f"{permissions!r} would open the route to nobody")
    return kept[0] if len(kept) == 1 else tuple(kept)
