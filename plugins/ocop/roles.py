"""Roles (Django groups) of the OCOP plugin and the permissions each one holds."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

#: Department of Industry and Trade staff (Sở Công Thương): import lists, verify channel
#: presences, manage channels and activity, read reports, follow up counterfeit reports, see
#: the emails sent to producers (and the ones skipped for want of a recipient).
DEPARTMENT_STAFF = "Sở Công Thương"
#: Department users who only read the reports (read-only role).
DEPARTMENT_VIEWER = "Sở Công Thương – xem báo cáo"
#: Producer users (chủ thể OCOP): users of a producer's Oscar partner, who manage its listings
#: in Oscar's dashboard as restricted by plugins/ocop_dashboard (docs/producers.md).
PRODUCER_USERS = "Chủ thể OCOP"
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    DEPARTMENT_STAFF: (
        "ocop.run_certificate_import",
        "ocop.view_importrun",
        "ocop.view_channel_report",
        "ocop.review_presence",
        "ocop.view_presence",
        "ocop.add_presence",
        "ocop.add_channel",
        "ocop.change_channel",
        "ocop.view_channel",
        "ocop.add_channelactivity",
        "ocop.view_channelactivity",
        "ocop.view_counterfeitreport",
        "ocop.change_counterfeitreport",
        "ocop.review_certificationchangerequest",
        "notifications.view_ordernotification",
        "notifications.view_expiryreminder",
        "dashboard.invite_producer_user",
    ),
    DEPARTMENT_VIEWER: ("ocop.view_channel_report",),
    PRODUCER_USERS: ("partner.dashboard_access",),
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
