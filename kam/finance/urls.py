"""Contract pages, included by ``kam.web.urls`` (namespace ``web``)."""

from django.urls import path

from kam.finance import views

urlpatterns = [
    path("", views.ContractListView.as_view(), name="contract_list"),
    path("new/", views.ContractCreateView.as_view(), name="contract_create"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="contract_detail"),
    path("<int:pk>/edit/", views.ContractUpdateView.as_view(), name="contract_edit"),
    path("<int:pk>/delete/", views.ContractDeleteView.as_view(), name="contract_delete"),
]
