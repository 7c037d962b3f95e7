"""The web UI. Every page lives in the ``web`` namespace (``web:customer_list``,
``web:customer_detail`` …); each domain app keeps its own patterns in its ``urls.py``."""

from django.urls import include, path

from kam.web import views

app_name = "web"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/<int:pk>/open/",
        views.NotificationOpenView.as_view(),
        name="notification_open",
    ),
    path("customers/", include("kam.customers.urls")),
    path("contacts/", include("kam.relationships.urls")),
    path("", include("kam.pipeline.urls")),
    path("contracts/", include("kam.finance.urls")),
    path("evaluation/", include("kam.metrics.urls")),
    path("data/", include("kam.exchange.urls")),
]
