from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.core.views import (
    ServiceDeleteView,
    ServiceFormView,
    VisibleDetailView,
    VisibleListView,
    section,
    visible,
)
from kam.customers.filters import CustomerFilter
from kam.customers.forms import CustomerForm
from kam.customers.models import AccountTeamMember, Customer, TierHistory
from kam.finance.models import Contract
from kam.pipeline.models import Lead, Opportunity
from kam.relationships.models import Activity, Contact
from kam.service.models import ServiceRequest


class CustomerListView(VisibleListView):
    model = Customer
    filterset_class = CustomerFilter
    select_related = ("owner", "region")
    template_name = "customers/customer_list.html"
    partial_template_name = "customers/partials/customer_table.html"
    create_url_name = "web:customer_create"
    filter_fields = ("tier", "resource_class", "region", "owner")
    columns = (
        (_("Code"), "code", "hide-sm"),
        (_("Customer"), "name", ""),
        (_("Tier"), "tier", ""),
        (_("Resource class"), None, "hide-sm"),
        (_("Industry"), "industry", "hide-sm"),
        (_("Region"), None, "hide-md"),
        (_("Owner"), None, "hide-sm"),
        (_("Expected annual spend"), "expected_annual_spend", "num hide-md"),
    )
    export_columns = (
        (_("Code"), "code"),
        (_("Customer"), "name"),
        (_("Tier"), "tier"),
        (_("Resource class"), "resource_class"),
        (_("Industry"), "industry"),
        (_("Region"), "region"),
        (_("Owner"), "owner"),
        (_("Expected annual spend"), "expected_annual_spend"),
    )


class CustomerDetailView(VisibleDetailView):
    model = Customer
    select_related = ("owner", "owner__team", "region")
    template_name = "customers/customer_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer, user = self.object, self.request.user
        customers = visible(Customer, user)
        opportunities = visible(Opportunity, user).filter(customer=customer)
        contracts = visible(Contract, user).filter(customer=customer)
        figures = opportunities.aggregate(
            open_count=Count("pk", filter=Q(status=Opportunity.Status.OPEN)),
            open_amount=Sum("amount", filter=Q(status=Opportunity.Status.OPEN)),
            won_count=Count("pk", filter=Q(status=Opportunity.Status.WON)),
        )
        figures.update(
            contracts.exclude(status=Contract.Status.CANCELLED).aggregate(
                contract_count=Count("pk"), contract_amount=Sum("amount")
            )
        )
        figures.update(
            visible(Activity, user)
            .filter(customer=customer)
            .aggregate(last_activity=Max("occurred_on"))
        )
        query = f"?customer={customer.pk}"
        context.update(
            contacts_url=reverse("web:contact_list") + query,
            opportunities_url=reverse("web:opportunity_list") + query,
            contracts_url=reverse("web:contract_list") + query,
            leads_url=reverse("web:lead_list") + query,
            figures=figures,
            parent=customers.filter(pk=customer.parent_id).first() if customer.parent_id else None,
            subsidiaries=section(customers.filter(parent=customer).select_related("owner")),
            account_team=visible(AccountTeamMember, user)
            .filter(customer=customer)
            .select_related("user", "user__team"),
            contacts=section(
                visible(Contact, user).filter(customer=customer).select_related("reports_to")
            ),
            opportunities=section(opportunities.select_related("stage", "owner")),
            contracts=section(contracts.select_related("owner", "opportunity")),
            leads=section(visible(Lead, user).filter(customer=customer).select_related("owner")),
            service_requests=section(
                visible(ServiceRequest, user).filter(customer=customer).select_related("assignee"),
                limit=10,
            ),
            activities=section(
                visible(Activity, user)
                .filter(customer=customer)
                .select_related("owner", "opportunity"),
                limit=10,
            ),
            tier_history=visible(TierHistory, user).filter(customer=customer),
        )
        return context


class CustomerCreateView(ServiceFormView):
    model = Customer
    form_class = CustomerForm
    detail_url_name = "web:customer_detail"
    cancel_url_name = "web:customer_list"


class CustomerUpdateView(CustomerCreateView):
    pass


class CustomerDeleteView(ServiceDeleteView):
    model = Customer
    detail_url_name = "web:customer_detail"
    success_url_name = "web:customer_list"
