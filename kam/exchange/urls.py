"""Import / export pages (mounted at ``data/`` in the ``web`` namespace)."""

from django.urls import path

from kam.exchange import views

urlpatterns = [
    path("", views.ExchangeView.as_view(), name="exchange"),
    path("import/", views.CommitView.as_view(), name="exchange_commit"),
    path("progress/", views.ProgressView.as_view(), name="exchange_progress"),
    path("export/", views.ExportView.as_view(), name="exchange_export"),
]
