"""Oscar's dashboard app with the producer workspace: the producer home as the dashboard index,
the department page that invites producer users, and the page where an invited user sets a
password."""

from django.db.models.signals import post_migrate
from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.apps.dashboard import apps as oscar_apps

#: Who may invite producer users (department staff, see plugins/ocop/roles.py).
INVITE_PERMISSION = "dashboard.invite_producer_user"


def _ensure_roles(**_kwargs) -> None:
    # The producer role holds Oscar's partner.dashboard_access, which exists only once the
    # partner app has migrated (after the OCOP app, whose own post_migrate builds the roles
    # first); this app comes after both, so running the same idempotent step again completes
    # every role on a fresh database.
    from plugins.ocop.roles import ensure_roles

    ensure_roles()


class DashboardConfig(oscar_apps.DashboardConfig):
    name = "plugins.ocop_dashboard"
    label = "dashboard"
    verbose_name = _("Dashboard")

    def configure_permissions(self):
        super().configure_permissions()
        self.permissions_map["producer-users"] = [INVITE_PERMISSION]

    def ready(self):
        super().ready()
        from . import invitations, views

        self.producer_users_view = views.ProducerUsersView
        self.invitation_accept_view = invitations.InvitationAcceptView
        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="ocop-dashboard-roles")

    def get_urls(self):
        urls = [
            path("producer-users/", self.producer_users_view.as_view(), name="producer-users"),
            # Reached from the invitation email, before the user has a password: no login.
            path(
                "welcome/<uidb64>/<token>/",
                self.invitation_accept_view.as_view(),
                name="producer-welcome",
            ),
        ]
        return super().get_urls() + self.post_process_urls(urls)
