"""The dashboard index (the producer home for producer users) and the department page that
invites producer users."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView
from oscar.apps.dashboard import views as oscar_views

from plugins.ocop.models import local_today

from .forms import InviteProducerUserForm
from .invitations import InvitationError, invite_producer_user
from .models import ProducerInvitation
from .workspace import producer_for, producer_home


class IndexView(oscar_views.IndexView):
    """Staff get Oscar's dashboard index. Every other user who reaches the dashboard (a
    producer user) gets the producer home, never Oscar's shop-wide figures."""

    def get_template_names(self):
        if self.request.user.is_staff:
            return super().get_template_names()
        return ["ocop_dashboard/producer_home.html"]

    def get_context_data(self, **kwargs):
        if self.request.user.is_staff:
            return super().get_context_data(**kwargs)
        context = super(oscar_views.IndexView, self).get_context_data(**kwargs)
        producer = producer_for(self.request.user)
        context["home"] = producer_home(producer, local_today()) if producer else None
        return context


class ProducerUsersView(ListView):
    """Invite a producer user, and the invitations sent so far (for the department staff role;
    the route's permission is ``dashboard.invite_producer_user``)."""

    template_name = "ocop_dashboard/producer_users.html"
    context_object_name = "invitations"
    paginate_by = 25

    def get_queryset(self):
        return ProducerInvitation.objects.select_related("producer", "user", "invited_by")

    def get_form(self) -> InviteProducerUserForm:
        if self.request.method == "POST":
            return InviteProducerUserForm(self.request.POST)
        return InviteProducerUserForm(initial={"producer": self.request.GET.get("producer", "")})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            producer = form.cleaned_data["producer"]
            try:
                user = invite_producer_user(
                    producer, form.cleaned_data["email"], request.user, request=request
                )
            except InvitationError as error:
                form.add_error("email", error.message)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s for %(producer)s.")
                    % {"email": user.email, "producer": producer.name},
                )
                return redirect("dashboard:producer-users")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))
