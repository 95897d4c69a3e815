"""Who may use the connector: the Department of Industry and Trade's staff group."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from plugins.ocop.roles import DEPARTMENT_STAFF

#: Allow Saleor stores, see connections, publish the catalogue, follow publish runs.
MANAGE_PERMISSION = "saleor_app.manage_saleor"


def grant_department_permissions(**_kwargs) -> None:
    """Give the department staff group the connector's permission (run after every migrate)."""
    app_label, codename = MANAGE_PERMISSION.split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    if permission is not None:
        group, _created = Group.objects.get_or_create(name=DEPARTMENT_STAFF)
        group.permissions.add(permission)
