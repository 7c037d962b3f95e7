"""REST API v1: resources named after the bundle files (DATASET.md)."""

from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from kam.customers.api import routes as customer_routes
from kam.exchange import api as exchange_api
from kam.finance.api import routes as finance_routes
from kam.metrics import api as metrics_api
from kam.org.api import routes as org_routes
from kam.pipeline.api import routes as pipeline_routes
from kam.presales.api import routes as presales_routes
from kam.relationships.api import routes as relationship_routes
from kam.scoring.api import routes as scoring_routes
from kam.service.api import routes as service_routes

ROUTES = [
    *org_routes,
    *customer_routes,
    *relationship_routes,
    *pipeline_routes,
    *presales_routes,
    *finance_routes,
    *service_routes,
    *scoring_routes,
]

router = DefaultRouter()
for prefix, viewset in ROUTES:
    router.register(prefix, viewset, basename=prefix)

urlpatterns = [
    path("auth/token", ObtainAuthToken.as_view(), name="api-token"),
    path("exchange/import", exchange_api.import_view, name="exchange-import"),
    path("exchange/export", exchange_api.export_view, name="exchange-export"),
    path("metrics/scorecard", metrics_api.scorecard, name="metrics-scorecard"),
    path("metrics/<str:key>/breakdown", metrics_api.breakdown, name="metrics-breakdown"),
    path("metrics/<str:key>/trend", metrics_api.trend, name="metrics-trend"),
    path("metrics/<str:key>/records", metrics_api.records, name="metrics-records"),
    *router.urls,
]
