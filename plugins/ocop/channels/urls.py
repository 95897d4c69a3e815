"""URLs of the channel-tracking pages; included into the ``ocop`` namespace by
``plugins.ocop.urls`` (under ``/dashboard/ocop/``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("my-channels/", views.MyPresencesView.as_view(), name="my-presences"),
    path("my-channels/<int:pk>/", views.MyPresenceDetailView.as_view(), name="my-presence-detail"),
    path(
        "my-channels/<int:pk>/evidence/",
        views.MyPresenceEvidenceView.as_view(),
        name="my-presence-evidence",
    ),
    path("presences/", views.PresenceListView.as_view(), name="presence-list"),
    path("presences/add/", views.StaffPresenceCreateView.as_view(), name="presence-add"),
    path("presences/<int:pk>/", views.PresenceDetailView.as_view(), name="presence-detail"),
    path(
        "presences/<int:pk>/evidence/",
        views.PresenceEvidenceView.as_view(),
        name="presence-evidence",
    ),
    path("activities/add/", views.StaffActivityCreateView.as_view(), name="activity-add"),
    path("channels/", views.ChannelListView.as_view(), name="channel-list"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("report/producers/", views.ReportProducersView.as_view(), name="report-producers"),
    path(
        "report/export.csv",
        views.ReportExportView.as_view(format="csv"),
        name="report-export-csv",
    ),
    path(
        "report/export.xlsx",
        views.ReportExportView.as_view(format="xlsx"),
        name="report-export-xlsx",
    ),
]
