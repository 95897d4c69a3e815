"""Roles (Django groups) of the OCOP plugin and the permissions each one holds."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

#: Department of Industry and Trade staff (Sở Công Thương): import lists, read reports.
DEPARTMENT_STAFF = "Sở Công Thương"
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    DEPARTMENT_STAFF: ("ocop.run_certificate_import", "ocop.view_importrun"),
}


def ensure_roles(**_kwargs) -> None:
    """Create the role groups with their permissions (run after every migrate)."""
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission:
                group.permissions.add(permission)
