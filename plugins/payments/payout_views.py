"""Payout pages under the dashboard (trang chi trả).

* Producer users (users of an Oscar partner, ``partner.users``) see their own payouts and the
  onboarding state of their Stripe account, and start or continue Express onboarding.
* Staff (``is_staff`` or the ``payments.view_payout`` permission, held by the "Sở Công
  Thương" group) see every payout, failures first in sight, and retry failed ones.

Anonymous users are sent to the login page. A payout that is not the user's own answers 404,
whether it exists or not. Views stay thin: everything they change goes through ``payouts``.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView, View
from oscar.apps.partner.models import Partner

from . import payouts
from .menu import can_retry_payouts, is_payout_staff
from .models import ConnectedAccount, Payout
from .stripe_gateway import StripeUnavailable


def _payouts() -> QuerySet[Payout]:
    return Payout.objects.select_related("order", "partner")


class PayoutPage(LoginRequiredMixin, View):
    """Signed-in users only; ``self.partners`` are the user's own partners and
    ``self.staff`` says whether the user sees every payout."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.partners = list(Partner.objects.filter(users=request.user).order_by("name"))
        self.staff = is_payout_staff(request.user)
        return super().dispatch(request, *args, **kwargs)

    def own_partner(self, partner_id) -> Partner:
        """One of the user's partners, or 404 (another producer's id says nothing)."""
        partner = next((p for p in self.partners if str(p.pk) == str(partner_id)), None)
        if partner is None:
            raise Http404(_("No such producer among yours."))
        return partner


# Producer side ------------------------------------------------------------------------------------


class MyPayoutsView(PayoutPage, TemplateView):
    """``/dashboard/payouts/``: the producer's payouts and Stripe onboarding state."""

    template_name = "payments/payouts/my_payouts.html"

    def get(self, request, *args, **kwargs):
        if not self.partners:
            raise PermissionDenied(_("Only producers receive payouts."))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        accounts = {
            account.partner_id: account
            for account in ConnectedAccount.objects.filter(partner__in=self.partners)
        }
        for partner in self.partners:
            partner.connected_account = accounts.get(partner.pk)
        own = _payouts().filter(partner__in=self.partners)
        context.update(
            partners=self.partners,
            payouts=own[:200],
            totals=own.aggregate(
                paid=Sum("net", filter=Q(status=Payout.Status.PAID)),
                waiting=Sum("net", filter=~Q(status=Payout.Status.PAID)),
            ),
            stripe_enabled=bool(settings.STRIPE_SECRET_KEY),
            currency=settings.OSCAR_DEFAULT_CURRENCY,
        )
        return context


class OnboardingStartView(PayoutPage):
    """POST: create the producer's Express account if needed and go to Stripe's onboarding."""

    def post(self, request, *args, **kwargs):
        partner_id = request.POST.get("partner", "")
        if not partner_id:
            messages.error(request, _("Choose the producer to set up payouts for."))
            return redirect("payments:my-payouts")
        partner = self.own_partner(partner_id)
        return _to_onboarding(request, partner)


class OnboardingRefreshView(PayoutPage):
    """Stripe's ``refresh_url``: the onboarding link expired or was used; make a new one."""

    def get(self, request, partner_id: int):
        partner = self.own_partner(partner_id)
        if not ConnectedAccount.objects.filter(partner=partner).exists():
            return redirect("payments:my-payouts")
        return _to_onboarding(request, partner)


class OnboardingReturnView(PayoutPage):
    """Stripe's ``return_url``: the producer left onboarding (finished or not); read the
    account's state from Stripe and say what is still missing."""

    def get(self, request, partner_id: int):
        partner = self.own_partner(partner_id)
        account = ConnectedAccount.objects.filter(partner=partner).first()
        if account is None:
            return redirect("payments:my-payouts")
        try:
            payouts.refresh_account(account)
        except StripeUnavailable:
            messages.warning(
                request,
                _(
                    "Stripe could not be reached to check your account; its state will update "
                    "on its own shortly."
                ),
            )
            return redirect("payments:my-payouts")
        if account.ready_for_transfers:
            messages.success(
                request,
                _("Your Stripe account is ready: payouts for %(name)s are enabled.")
                % {"name": partner.name},
            )
        else:
            messages.info(
                request,
                _("Stripe still needs some details before payouts can start."),
            )
        return redirect("payments:my-payouts")


def _to_onboarding(request, partner: Partner):
    if not settings.STRIPE_SECRET_KEY:
        messages.error(
            request, _("Payouts through Stripe are not configured on this marketplace yet.")
        )
        return redirect("payments:my-payouts")
    try:
        url = payouts.start_onboarding(
            partner,
            return_url=request.build_absolute_uri(
                reverse("payments:payout-onboarding-return", args=[partner.pk])
            ),
            refresh_url=request.build_absolute_uri(
                reverse("payments:payout-onboarding-refresh", args=[partner.pk])
            ),
        )
    except StripeUnavailable:
        messages.error(
            request,
            _("Stripe could not be reached; nothing was changed. Please try again in a moment."),
        )
        return redirect("payments:my-payouts")
    return redirect(url)


# Both sides ---------------------------------------------------------------------------------------


class PayoutDetailView(PayoutPage, TemplateView):
    """One payout: the producer's own, or any for staff; 404 otherwise."""

    template_name = "payments/payouts/payout_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visible = _payouts() if self.staff else _payouts().filter(partner__in=self.partners)
        payout = get_object_or_404(visible, pk=self.kwargs["pk"])
        context.update(
            payout=payout,
            staff=self.staff,
            can_retry=can_retry_payouts(self.request.user) and payout.retryable,
            currency=payout.currency,
        )
        return context


# Staff side ---------------------------------------------------------------------------------------


class PayoutFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All"))] + list(Payout.Status.choices),
    )


class StaffPayoutPage(PayoutPage):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_payout_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PayoutListView(StaffPayoutPage, ListView):
    """``/dashboard/payouts/all/``: every payout, newest first; failed ones are counted above
    the table and highlighted in it."""

    template_name = "payments/payouts/payout_list.html"
    context_object_name = "payouts"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = PayoutFilterForm(self.request.GET or None)
        queryset = _payouts()
        if self.filter_form.is_valid() and self.filter_form.cleaned_data["status"]:
            queryset = queryset.filter(status=self.filter_form.cleaned_data["status"])
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = Payout.objects.aggregate(
            failed=Count("pk", filter=Q(status=Payout.Status.FAILED)),
            awaiting=Count("pk", filter=Q(status=Payout.Status.AWAITING_ONBOARDING)),
            pending=Count("pk", filter=Q(status=Payout.Status.PENDING)),
        )
        context.update(
            filter_form=self.filter_form,
            counts=counts,
            can_retry=can_retry_payouts(self.request.user),
            currency=settings.OSCAR_DEFAULT_CURRENCY,
            failed_status=Payout.Status.FAILED,
        )
        return context


class PayoutRetryView(StaffPayoutPage):
    """POST: send a failed (or stuck pending) payout again."""

    def post(self, request, pk: int):
        if not can_retry_payouts(request.user):
            raise PermissionDenied
        get_object_or_404(Payout, pk=pk)
        try:
            payouts.retry_payout(pk)
        except payouts.PayoutError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Payout %(id)s is queued to be sent again.") % {"id": pk})
        return redirect("payments:payout-detail", pk=pk)
