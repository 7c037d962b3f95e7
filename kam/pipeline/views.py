from django.db.models import Count, OuterRef, Q, Subquery, Sum
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
from kam.customers.models import Customer
from kam.finance.models import Contract
from kam.pipeline.filters import LeadFilter, OpportunityFilter
from kam.pipeline.forms import LeadForm, OpportunityForm
from kam.pipeline.models import Bid, Lead, Opportunity, OpportunityCompetitor, Stage, Task
from kam.presales.models import PresalesAssignment, TimeEntry
from kam.relationships.models import Activity, DecisionChainMember, RelationshipAssessment


class CustomerPrefillMixin:
    """``?customer=<id>`` on a create form preselects a customer the user may see."""

    def get_initial(self):
        initial = super().get_initial()
        if self.object is None and self.request.GET.get("customer", "").isdigit():
            initial["customer"] = int(self.request.GET["customer"])
        return initial


# --- leads -----------------------------------------------------------------------------------


class LeadListView(VisibleListView):
    model = Lead
    filterset_class = LeadFilter
    select_related = ("customer", "owner")
    template_name = "pipeline/lead_list.html"
    partial_template_name = "pipeline/partials/lead_table.html"
    create_url_name = "web:lead_create"
    filter_fields = ("status", "owner", "created_after", "created_before")
    columns = (
        (_("Code"), "code", "hide-sm"),
        (_("Lead"), "title", ""),
        (_("Customer"), None, "hide-sm"),
        (_("Source"), None, "hide-md"),
        (_("Owner"), None, "hide-md"),
        (_("Created on"), "created_on", "hide-sm"),
        (_("Qualification"), None, "hide-md"),
        (_("Status"), "status", ""),
    )
    export_columns = (
        (_("Code"), "code"),
        (_("Lead"), "title"),
        (_("Customer"), "customer"),
        (_("Source"), "source"),
        (_("Owner"), "owner"),
        (_("Created on"), "created_on"),
        (_("Worth winning?"), "worth_winning"),
        (_("Is it a real opportunity?"), "real_opportunity"),
        (_("Can we compete?"), "can_compete"),
        (_("Status"), "get_status_display"),
    )


class LeadDetailView(VisibleDetailView):
    model = Lead
    select_related = ("customer", "owner")
    template_name = "pipeline/lead_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead, user = self.object, self.request.user
        context.update(
            customer_visible=bool(lead.customer_id)
            and visible(Customer, user).filter(pk=lead.customer_id).exists(),
            opportunity=(
                visible(Opportunity, user)
                .select_related("stage", "owner")
                .filter(pk=lead.opportunity_id)
                .first()
                if lead.opportunity_id
                else None
            ),
            questions=[
                (_("Worth winning?"), lead.worth_winning, lead.worth_winning_evidence),
                (
                    _("Is it a real opportunity?"),
                    lead.real_opportunity,
                    lead.real_opportunity_evidence,
                ),
                (_("Can we compete?"), lead.can_compete, lead.can_compete_evidence),
            ],
        )
        return context


class LeadCreateView(CustomerPrefillMixin, ServiceFormView):
    model = Lead
    form_class = LeadForm
    detail_url_name = "web:lead_detail"
    cancel_url_name = "web:lead_list"


class LeadUpdateView(LeadCreateView):
    pass


class LeadDeleteView(ServiceDeleteView):
    model = Lead
    detail_url_name = "web:lead_detail"
    success_url_name = "web:lead_list"


# --- opportunities ---------------------------------------------------------------------------


class OpportunityListView(VisibleListView):
    model = Opportunity
    filterset_class = OpportunityFilter
    select_related = ("customer", "owner", "stage")
    template_name = "pipeline/opportunity_list.html"
    partial_template_name = "pipeline/partials/opportunity_table.html"
    create_url_name = "web:opportunity_create"
    filter_fields = ("status", "review_status", "stage", "owner")
    columns = (
        (_("Code"), "code", "hide-md"),
        (_("Opportunity"), "name", ""),
        (_("Customer"), None, "hide-sm"),
        (_("Stage"), "stage", ""),
        (_("Status"), "status", "hide-sm"),
        (_("Amount"), "amount", "num"),
        (_("Expected close"), None, "hide-md"),
        (_("Owner"), None, "hide-md"),
    )
    export_columns = (
        (_("Code"), "code"),
        (_("Opportunity"), "name"),
        (_("Customer"), "customer"),
        (_("Stage"), lambda deal: deal.stage or deal.get_review_status_display()),
        (_("Status"), "get_status_display"),
        (_("Amount"), "amount"),
        (_("Expected close"), "expected_close_on"),
        (_("Owner"), "owner"),
    )


def _latest(contact_ref: str, field: str) -> Subquery:
    return Subquery(
        RelationshipAssessment.objects.filter(contact=OuterRef(contact_ref))
        .order_by("-assessed_on")
        .values(field)[:1]
    )


class OpportunityDetailView(VisibleDetailView):
    model = Opportunity
    select_related = ("customer", "owner", "stage", "winning_competitor")
    template_name = "pipeline/opportunity_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deal, user = self.object, self.request.user
        time = visible(TimeEntry, user).filter(opportunity=deal)
        tasks = visible(Task, user).filter(opportunity=deal)
        query = f"?opportunity={deal.pk}"
        context.update(
            customer_visible=visible(Customer, user).filter(pk=deal.customer_id).exists(),
            stages=list(Stage.objects.all()),
            lead=visible(Lead, user).filter(opportunity=deal).first(),
            decision_chain=visible(DecisionChainMember, user)
            .filter(opportunity=deal)
            .select_related("contact")
            .annotate(
                closeness=_latest("contact", "closeness"),
                solution_acceptance=_latest("contact", "solution_acceptance"),
                price_acceptance=_latest("contact", "price_acceptance"),
            )
            .order_by("-influence", "contact__name"),
            competitors=visible(OpportunityCompetitor, user)
            .filter(opportunity=deal)
            .select_related("competitor"),
            presales=visible(PresalesAssignment, user)
            .filter(opportunity=deal)
            .select_related("user", "user__team"),
            time_totals=time.aggregate(
                total_hours=Sum("hours"),
                confirmed_hours=Sum("hours", filter=Q(confirmed=True)),
                people=Count("user", distinct=True),
                entries=Count("pk"),
            ),
            task_counts=tasks.aggregate(
                total=Count("pk"),
                done=Count("pk", filter=Q(status=Task.Status.DONE)),
                open=Count("pk", filter=Q(status=Task.Status.OPEN)),
            ),
            tasks=section(
                tasks.select_related("stage", "assignee").order_by("stage__order", "due_on", "pk"),
                limit=40,
            ),
            bids=visible(Bid, user)
            .filter(opportunity=deal)
            .annotate(
                documents_total=Count("documents"),
                documents_done=Count("documents", filter=Q(documents__done=True)),
            ),
            contracts=visible(Contract, user).filter(opportunity=deal).select_related("owner"),
            contracts_url=reverse("web:contract_list") + query,
            activities=section(
                visible(Activity, user)
                .filter(opportunity=deal)
                .select_related("owner", "customer", "opportunity"),
                limit=10,
            ),
        )
        return context


class OpportunityCreateView(CustomerPrefillMixin, ServiceFormView):
    model = Opportunity
    form_class = OpportunityForm
    detail_url_name = "web:opportunity_detail"
    cancel_url_name = "web:opportunity_list"


class OpportunityUpdateView(OpportunityCreateView):
    pass


class OpportunityDeleteView(ServiceDeleteView):
    model = Opportunity
    detail_url_name = "web:opportunity_detail"
    success_url_name = "web:opportunity_list"
