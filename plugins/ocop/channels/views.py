"""Pages of modern-channel tracking (theo dõi kênh bán hàng hiện đại).

* Producers (users of the producer's Oscar partner) see their own presences and whether they
  count as active in modern channels, and declare new presences with evidence.
* Department staff review presences, enter presences and activity, and keep the channel
  registry.
* Department staff and the read-only viewer role read the participation report, the producers
  behind each of its figures, and export it.

Views stay thin: the rule lives in ``participation``, changes go through ``services`` (which
keep the audit trail) and the report is built by ``report``. Every page costs a fixed number
of queries whatever the data size.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from uuid import uuid4

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView, View

from ..groups import GROUPS
from ..models import (
    ActivitySource,
    Certificate,
    Channel,
    OcopProduct,
    Presence,
    PresenceEvent,
    PresenceSource,
    Producer,
    ProducerType,
    Verification,
    local_today,
)
from . import exports, participation
from .forms import (
    AddEvidenceForm,
    ChannelForm,
    PresenceDeclarationForm,
    PresenceFilterForm,
    ReportFilterForm,
    ReviewForm,
    StaffActivityForm,
    StaffPresenceForm,
)
from .report import Filters, build_channel_report
from .services import record_activity, record_presence, review_presence

REVIEW_PERMISSION = "ocop.review_presence"
REPORT_PERMISSION = "ocop.view_channel_report"


class PermissionPage(LoginRequiredMixin, PermissionRequiredMixin):
    """Anonymous users are sent to the login page; signed-in users without the permission get
    403 (never a login loop)."""

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            raise PermissionDenied
        return super().handle_no_permission()


def _events() -> Prefetch:
    return Prefetch("events", queryset=PresenceEvent.objects.select_related("user"))


#: Evidence shown in the browser; anything else (a file not uploaded through the checked
#: forms, e.g. by the admin) is only offered as a download.
INLINE_EVIDENCE_TYPES = frozenset(
    {"application/pdf", "image/jpeg", "image/png", "image/webp", "image/gif"}
)


def _evidence_response(presence: Presence) -> FileResponse:
    """The evidence file through an authorised view: media URLs are not access-controlled."""
    if not presence.evidence_file:
        raise Http404
    name = presence.evidence_file.name.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(
        presence.evidence_file.open("rb"),
        content_type=content_type,
        filename=name,
        as_attachment=content_type not in INLINE_EVIDENCE_TYPES,
    )


# Producer side ---------------------------------------------------------------------------------


class ProducerPage(LoginRequiredMixin, View):
    """Pages for producer users: users of a producer's Oscar partner (``partner.users``).

    ``self.producers`` holds the user's producers, annotated with ``active_modern`` for today
    over the default window; anyone else gets 403.
    """

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.today = local_today()
        self.producers = list(
            participation.with_participation(
                Producer.objects.filter(partner__users=request.user),
                self.today,
                participation.DEFAULT_WINDOW_DAYS,
            )
        )
        if not self.producers:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def own_presences(self) -> QuerySet[Presence]:
        return Presence.objects.filter(producer__in=[p.pk for p in self.producers])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            producers=self.producers,
            today=self.today,
            window_days=participation.DEFAULT_WINDOW_DAYS,
            active_tab="ocop-channels",
        )
        return context


class MyPresencesView(ProducerPage, TemplateView):
    """The producer's presences with their audit trail, its status, and the declaration form."""

    template_name = "ocop/channels/my_presences.html"

    def declaration_form(self, data=None, files=None) -> PresenceDeclarationForm:
        return PresenceDeclarationForm(
            data,
            files,
            producers=Producer.objects.filter(pk__in=[p.pk for p in self.producers]),
            only_one=len(self.producers) == 1,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = _("My sales channels")
        context.setdefault("form", self.declaration_form())
        context["presences"] = (
            self.own_presences()
            .select_related("channel", "producer")
            .prefetch_related(_events())
            .order_by("producer__name", "channel__name")
        )
        return context

    def post(self, request, *args, **kwargs):
        form = self.declaration_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        presence = record_presence(
            form.cleaned_data["producer"],
            form.cleaned_data["channel"],
            source=PresenceSource.DECLARED,
            user=request.user,
            **form.evidence(),
        )
        messages.success(
            request,
            _("%(channel)s is declared; it counts once the department verifies it.")
            % {"channel": presence.channel.name},
        )
        return redirect("ocop:my-presence-detail", pk=presence.pk)


class MyPresenceDetailView(ProducerPage, TemplateView):
    """One of the producer's presences with its history; more evidence can be added."""

    template_name = "ocop/channels/my_presence_detail.html"

    def get_presence(self) -> Presence:
        return get_object_or_404(
            self.own_presences()
            .select_related("channel", "producer", "verified_by")
            .prefetch_related(_events()),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("presence", self.get_presence())
        context.setdefault("form", AddEvidenceForm())
        context["page_title"] = context["presence"].channel.name
        return context

    def post(self, request, *args, **kwargs):
        presence = self.get_presence()
        form = AddEvidenceForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(presence=presence, form=form))
        record_presence(
            presence.producer,
            presence.channel,
            source=PresenceSource.DECLARED,
            user=request.user,
            **form.evidence(),
        )
        messages.success(request, _("The evidence is added."))
        return redirect("ocop:my-presence-detail", pk=presence.pk)


class MyPresenceEvidenceView(ProducerPage):
    """The evidence file of one of the producer's presences, for its own users only."""

    def get(self, request, pk):
        return _evidence_response(get_object_or_404(self.own_presences(), pk=pk))


# Department staff side -------------------------------------------------------------------------


class PresenceListView(PermissionPage, ListView):
    """All presences, filterable by verification, channel and 2024 district, with evidence and
    audit trail."""

    permission_required = REVIEW_PERMISSION
    template_name = "ocop/channels/presence_list.html"
    context_object_name = "presences"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = PresenceFilterForm(self.request.GET or None)
        presences = Presence.objects.select_related("producer", "channel").prefetch_related(
            _events()
        )
        if self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            if data["verification"]:
                presences = presences.filter(verification=data["verification"])
            if data["channel"]:
                presences = presences.filter(channel=data["channel"])
            if data["district"]:
                presences = presences.filter(producer__legacy_district_code=data["district"])
        return presences.order_by("-recorded_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter_form=self.filter_form, filter_query=query.urlencode())
        return context


class PresenceDetailView(PermissionPage, TemplateView):
    """One presence for review: evidence, history, and the verify / reject forms."""

    permission_required = REVIEW_PERMISSION
    template_name = "ocop/channels/presence_detail.html"

    def get_presence(self) -> Presence:
        return get_object_or_404(
            Presence.objects.select_related(
                "producer", "channel", "verified_by", "recorded_by"
            ).prefetch_related(_events()),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("presence", self.get_presence())
        context.setdefault("form", ReviewForm())
        return context

    def post(self, request, *args, **kwargs):
        presence = self.get_presence()
        form = ReviewForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(presence=presence, form=form))
        presence = review_presence(
            presence, verified=form.verified, user=request.user, note=form.cleaned_data["note"]
        )
        messages.success(
            request,
            _("%(presence)s: %(state)s.")
            % {"presence": presence, "state": presence.get_verification_display()},
        )
        return redirect("ocop:presence-detail", pk=presence.pk)


class PresenceEvidenceView(PermissionPage, View):
    permission_required = REVIEW_PERMISSION

    def get(self, request, pk):
        return _evidence_response(get_object_or_404(Presence, pk=pk))


class StaffPresenceCreateView(PermissionPage, TemplateView):
    """Staff enter a producer's presence; it waits for review unless they verify it at once."""

    permission_required = "ocop.add_presence"
    template_name = "ocop/channels/staff_presence_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", StaffPresenceForm(initial=self.request.GET.dict()))
        return context

    def post(self, request, *args, **kwargs):
        form = StaffPresenceForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        if form.cleaned_data["verify_now"] and not request.user.has_perm(REVIEW_PERMISSION):
            raise PermissionDenied
        presence = record_presence(
            form.cleaned_data["producer"],
            form.cleaned_data["channel"],
            source=PresenceSource.STAFF,
            user=request.user,
            **form.evidence(),
        )
        if form.cleaned_data["verify_now"]:
            presence = review_presence(presence, verified=True, user=request.user)
        messages.success(request, _("The presence is recorded."))
        if request.user.has_perm(REVIEW_PERMISSION):
            return redirect("ocop:presence-detail", pk=presence.pk)
        return redirect("ocop:presence-add")


class StaffActivityCreateView(PermissionPage, TemplateView):
    """Staff enter a dated sales event on a channel (e.g. from a phone call or a visit)."""

    permission_required = "ocop.add_channelactivity"
    template_name = "ocop/channels/staff_activity_form.html"

    def get_form(self, data=None) -> StaffActivityForm:
        return StaffActivityForm(data, initial=self.request.GET.dict(), today=local_today())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        record_activity(
            data["producer"],
            data["channel"],
            date=data["date"],
            source=ActivitySource.STAFF,
            reference=f"staff:{uuid4()}",
            orders=data["orders"],
            revenue=data["revenue"],
            product=data["product"],
            evidence_url=data["evidence_url"],
            user=request.user,
        )
        messages.success(
            request,
            _("Activity of %(producer)s on %(channel)s on %(date)s is recorded.")
            % {
                "producer": data["producer"],
                "channel": data["channel"],
                "date": data["date"].strftime("%d/%m/%Y"),
            },
        )
        return redirect("ocop:activity-add")


class ChannelListView(PermissionPage, TemplateView):
    """The channel registry with how many producers are on each channel; staff add channels."""

    template_name = "ocop/channels/channel_list.html"

    def get_permission_required(self):
        return ["ocop.add_channel" if self.request.method == "POST" else "ocop.view_channel"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ChannelForm())
        context["channels"] = Channel.objects.annotate(
            presences_total=Count("presences"),
            presences_verified=Count(
                "presences", filter=Q(presences__verification=Verification.VERIFIED)
            ),
        ).order_by("-is_modern", "kind", "name")
        context["can_add"] = self.request.user.has_perm("ocop.add_channel")
        return context

    def post(self, request, *args, **kwargs):
        form = ChannelForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    channel = form.save()
            except IntegrityError:
                # Added meanwhile by someone else: the same name or slug is now taken.
                form.add_error("name", _("This channel was just added; reload the page."))
        if form.errors:
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("“%(name)s” is added to the registry.") % {"name": channel})
        return redirect("ocop:channel-list")


# Report ----------------------------------------------------------------------------------------

#: The report's breakdowns, in page order, and their titles.
BREAKDOWNS = {
    "by_district": gettext_lazy("By district (2024)"),
    "by_commune": gettext_lazy("By commune / ward (current)"),
    "by_group": gettext_lazy("By product group"),
    "by_producer_type": gettext_lazy("By producer type"),
    "by_stars": gettext_lazy("By highest star rank"),
}
#: Value of the producer list's ``key`` parameter for a breakdown row whose unit is unknown.
UNKNOWN_KEY = "none"


class ReportPage(PermissionPage):
    """Pages of the department report: for department staff and the read-only viewer role,
    who need not be Oscar staff."""

    permission_required = REPORT_PERMISSION

    def get_filters(self) -> dict:
        self.form = ReportFilterForm(self.request.GET or None, today=local_today())
        return self.form.filters()


def _query(filters: dict, **extra) -> str:
    """Query string of the report's filters plus ``extra`` (empty values left out)."""
    query = {
        "as_of": filters["as_of"].strftime("%d/%m/%Y"),
        "window_days": filters["window_days"],
        "district": filters["district_code"],
        "group": filters["group_code"],
        "type": filters["producer_type"],
        **extra,
    }
    return urlencode({k: v for k, v in query.items() if v not in ("", None)})


def _date(value: str) -> dt.date:
    """A report date: ISO "2026-11-29", or a month "2026-11" (its first day)."""
    return dt.date.fromisoformat(value if len(value) > 7 else f"{value}-01")


def _percent(share: float) -> str:
    """A share 0–1 as a CSS width (always with a dot, whatever the language)."""
    return f"{max(0.0, min(float(share), 1.0)) * 100:.1f}"


class ReportView(ReportPage, TemplateView):
    """The modern-channel participation report (báo cáo tham gia kênh bán hàng hiện đại) with
    its breakdowns, trend, call list, other targets, expiring certificates and sales."""

    template_name = "ocop/channels/report.html"

    #: Geometry of the trend chart, in SVG user units.
    BAR_STEP, BAR_WIDTH, PLOT_TOP, PLOT_HEIGHT = 56, 36, 24, 160

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = self.get_filters()
        report = build_channel_report(**filters)
        producers_url = reverse("ocop:report-producers")

        def link(**extra) -> str:
            return f"{producers_url}?{_query(filters, **extra)}"

        breakdowns = []
        for name, title in BREAKDOWNS.items():
            rows = []
            for row in report[name]:
                key = UNKNOWN_KEY if row["key"] is None else row["key"]
                rows.append(
                    {
                        **row,
                        "not_active": row["total"] - row["active"],
                        "percent": row["share"] * 100,
                        "width": _percent(row["share"]),
                        "total_url": link(by=name, key=key),
                        "active_url": link(by=name, key=key, active=1),
                        "not_active_url": link(by=name, key=key, active=0),
                    }
                )
            breakdowns.append({"name": name, "title": title, "rows": rows})
        for row in report["expiring_certificates"]:
            row["valid_until_date"] = _date(row["valid_until"])
            row["decision_date_date"] = _date(row["decision_date"])
        for producer in report["not_active"]:
            for product in producer["products"]:
                product["valid_until_date"] = _date(product["valid_until"])
        query = _query(filters)
        context.update(
            form=self.form,
            filters=filters,
            report=report,
            as_of=_date(report["as_of"]),
            window_start=_date(report["window_start"]),
            breakdowns=breakdowns,
            share_percent=report["share_active_modern"] * 100,
            target_percent=report["target_share"] * 100,
            not_active_count=report["producers_total"] - report["producers_active_modern"],
            share_width=_percent(report["share_active_modern"]),
            target_width=_percent(report["target_share"]),
            **self.sales_tables(report["sales"]),
            trend=self.trend_chart(report["trend"], link),
            links={
                "total": link(),
                "active": link(active=1),
                "not_active": link(active=0),
                "csv": f"{reverse('ocop:report-export-csv')}?{query}",
                "xlsx": f"{reverse('ocop:report-export-xlsx')}?{query}",
            },
        )
        return context

    def sales_tables(self, sales: dict) -> dict:
        """Monthly sales with bar widths relative to the best month, and the other tables."""
        best = max((row["revenue"] for row in sales["by_month"]), default=0) or 1
        by_month = [
            {**row, "month_date": _date(row["month"]), "width": _percent(row["revenue"] / best)}
            for row in sales["by_month"]
        ]
        sections = [
            ("by_channel", _("By channel"), False),
            ("by_district", _("By district (2024)"), False),
            ("by_group", _("By product group"), False),
            ("top_products", _("Top products"), True),
            ("top_producers", _("Top producers"), True),
        ]
        return {
            "sales_start": _date(sales["start"]),
            "sales_by_month": by_month,
            "sales_sections": [
                {"name": name, "title": title, "rows": sales[name], "ranked": ranked}
                for name, title, ranked in sections
            ],
        }

    def trend_chart(self, trend: list[dict], link) -> dict:
        """Bars of the monthly trend, placed here so the template only draws them."""
        bars = []
        baseline = self.PLOT_TOP + self.PLOT_HEIGHT
        for index, point in enumerate(trend):
            height = round(min(max(point["share"], 0.0), 1.0) * self.PLOT_HEIGHT, 1)
            as_of = _date(point["as_of"])
            centre = index * self.BAR_STEP + self.BAR_STEP / 2
            bars.append(
                {
                    **point,
                    "percent": point["share"] * 100,
                    "month_date": _date(point["month"]),
                    "as_of_date": as_of,
                    "x": centre - self.BAR_WIDTH / 2,
                    "centre": centre,
                    "y": round(baseline - height, 1),
                    "value_y": round(baseline - height - 4, 1),
                    "height": height,
                    "url": link(as_of=as_of.strftime("%d/%m/%Y"), active=1),
                }
            )
        return {
            "bars": bars,
            "width": max(len(trend), 1) * self.BAR_STEP,
            "height": baseline + 36,
            "baseline": baseline,
            "month_y": baseline + 14,
            "year_y": baseline + 28,
            "bar_width": self.BAR_WIDTH,
            "target_y": baseline - float(participation.TARGET_SHARE) * self.PLOT_HEIGHT,
        }


class ReportProducersView(ReportPage, ListView):
    """The producers behind a figure of the report: the population on the report's date with
    the report's filters, narrowed to one breakdown row (``by`` and ``key``) and to those
    active (``active=1``) or not (``active=0``) in modern channels. Each breakdown is matched
    exactly as ``report`` counts it."""

    template_name = "ocop/channels/report_producers.html"
    context_object_name = "producers"
    paginate_by = 100

    def get_queryset(self):
        self.filters = filters = self.get_filters()
        as_of = filters["as_of"]
        scope = Filters(filters["district_code"], filters["group_code"], filters["producer_type"])
        producers = participation.with_participation(
            scope.producers(participation.population(as_of), as_of), as_of, filters["window_days"]
        )
        self.breakdown = self.request.GET.get("by", "")
        key = self.request.GET.get("key", "")
        self.breakdown_key = "" if key == UNKNOWN_KEY else key
        producers = self.narrow(producers, scope, as_of)
        if self.request.GET.get("active") in ("0", "1"):
            producers = producers.filter(active_modern=self.request.GET["active"] == "1")
        certified = Certificate.objects.certified_on(as_of).order_by("-stars", "valid_until")
        products = (
            OcopProduct.objects.filter(certificates__in=certified)
            .distinct()
            .order_by("name")
            .prefetch_related(Prefetch("certificates", certified, to_attr="valid_certificates"))
        )
        verified = Presence.objects.filter(verification=Verification.VERIFIED).select_related(
            "channel"
        )
        return producers.prefetch_related(
            Prefetch("products", queryset=products, to_attr="certified_products"),
            Prefetch("presences", queryset=verified, to_attr="verified_presences"),
        ).order_by("legacy_district", "name", "pk")

    def narrow(self, producers, scope: Filters, as_of: dt.date):
        """The producers of one breakdown row; an unknown breakdown narrows nothing."""
        key = self.breakdown_key
        if self.breakdown == "by_district":
            return producers.filter(legacy_district_code=key)
        if self.breakdown == "by_commune":
            return producers.filter(commune_code=key)
        if self.breakdown == "by_producer_type":
            return producers.filter(type=key)
        if self.breakdown == "by_group" and key.isdigit():
            in_group = Certificate.objects.certified_on(as_of).filter(product__group__code=key)
            return producers.filter(Exists(in_group.filter(product__producer=OuterRef("pk"))))
        if self.breakdown == "by_stars" and key.isdigit():
            highest = (
                scope.certificates(Certificate.objects.certified_on(as_of))
                .filter(product__producer=OuterRef("pk"))
                .order_by("-stars")
                .values("stars")[:1]
            )
            return producers.annotate(top_stars=Subquery(highest)).filter(top_stars=int(key))
        self.breakdown = ""
        return producers

    def breakdown_name(self) -> str:
        """The name of the breakdown row the list is narrowed to ("" when unknown)."""
        key = self.breakdown_key
        if not self.breakdown or not key:
            return ""
        if self.breakdown == "by_district":
            return dict(self.form.fields["district"].choices).get(key, key)
        if self.breakdown == "by_commune":
            names = Producer.objects.filter(commune_code=key).values_list("commune", flat=True)
            return names.first() or key
        if self.breakdown == "by_group":
            return {str(g.code): f"{g.code}. {g.name_vi}" for g in GROUPS}.get(key, key)
        if self.breakdown == "by_producer_type":
            return dict(ProducerType.choices).get(key, key)
        return f"{key}★"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=self.form,
            filters=self.filters,
            breakdown_title=BREAKDOWNS.get(self.breakdown, ""),
            breakdown_name=self.breakdown_name(),
            extra_params=[
                (name, self.request.GET[name])
                for name in ("by", "key", "active")
                if self.request.GET.get(name)
            ],
            active=self.request.GET.get("active", ""),
            page_query=query.urlencode(),
            report_url=f"{reverse('ocop:report')}?{_query(self.filters)}",
        )
        return context


class ReportExportView(ReportPage, View):
    """The report as CSV or XLSX, for the same filters as the page."""

    format = "csv"
    CONTENT_TYPES = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }

    def get(self, request):
        filters = self.get_filters()
        report = build_channel_report(**filters)
        render = exports.report_to_csv if self.format == "csv" else exports.report_to_xlsx
        response = HttpResponse(render(report), content_type=self.CONTENT_TYPES[self.format])
        filename = f"bao-cao-kenh-ban-{filters['as_of']:%Y-%m-%d}.{self.format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
