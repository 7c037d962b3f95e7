from django.urls import path

from kam.metrics import views

urlpatterns = [
    path("", views.ScorecardView.as_view(), name="evaluation"),
    path("trends.json", views.TrendsView.as_view(), name="evaluation_trends"),
    path("<str:key>/", views.BreakdownView.as_view(), name="evaluation_breakdown"),
    path("<str:key>/records/", views.RecordsView.as_view(), name="evaluation_records"),
]
