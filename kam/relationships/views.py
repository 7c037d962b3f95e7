from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.views import (
    ServiceDeleteView,
    ServiceFormView,
    VisibleDetailView,
    VisibleListView,
    section,
    visible,
)
from kam.customers.models import Customer
from kam.relationships.filters import ContactFilter
from kam.relationships.forms import ContactForm
from kam.relationships.models import (
    Activity,
    Contact,
    DecisionChainMember,
    RelationshipAssessment,
)


def latest_assessment(field: str) -> Subquery:
    """The contact's most recent assessment of ``field`` (for annotating contacts)."""
    return Subquery(
        RelationshipAssessment.objects.filter(contact=OuterRef("pk"))
        .order_by("-assessed_on")
        .values(field)[:1]
    )


class ContactListView(VisibleListView):
    model = Contact
    filterset_class = ContactFilter
    select_related = ("customer",)
    template_name = "relationships/contact_list.html"
    partial_template_name = "relationships/partials/contact_table.html"
    create_url_name = "web:contact_create"
    filter_fields = ("customer", "decision_role", "attitude")
    columns = (
        (gettext_lazy("Name"), "name", ""),
        (gettext_lazy("Customer"), "customer", ""),
        (gettext_lazy("Title"), None, "hide-sm"),
        (gettext_lazy("Decision role"), None, "hide-sm"),
        (gettext_lazy("Influence"), "influence", "hide-sm"),
        (gettext_lazy("Attitude"), None, ""),
        (gettext_lazy("Closeness"), None, "num hide-md"),
    )
    export_columns = (
        (gettext_lazy("Name"), "name"),
        (gettext_lazy("Customer"), "customer"),
        (gettext_lazy("Title"), "title"),
        (gettext_lazy("Decision role"), "get_decision_role_display"),
        (gettext_lazy("Influence"), "influence"),
        (gettext_lazy("Attitude"), "get_attitude_display"),
        (gettext_lazy("Closeness"), "closeness"),
    )

    def get_base_queryset(self):
        return super().get_base_queryset().annotate(closeness=latest_assessment("closeness"))


class ContactDetailView(VisibleDetailView):
    model = Contact
    select_related = ("customer", "customer__owner")
    template_name = "relationships/contact_detail.html"
    max_chain = 12

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact, user = self.object, self.request.user
        # The customer's org chart in one query; walk it in memory for the chain above.
        colleagues = {
            row.pk: row
            for row in visible(Contact, user)
            .filter(customer_id=contact.customer_id)
            .only("pk", "name", "title", "department", "reports_to_id", "customer_id")
        }
        chain, seen, boss_id = [], {contact.pk}, contact.reports_to_id
        while (
            boss_id
            and boss_id in colleagues
            and boss_id not in seen
            and len(chain) < self.max_chain
        ):
            seen.add(boss_id)
            chain.append(colleagues[boss_id])
            boss_id = colleagues[boss_id].reports_to_id
        chain.reverse()
        reports = [c for c in colleagues.values() if c.reports_to_id == contact.pk]
        assessments = list(
            visible(RelationshipAssessment, user)
            .filter(contact=contact)
            .select_related("assessed_by")
            .order_by("-assessed_on")
        )
        trend = list(reversed(assessments))
        context.update(
            customer_visible=visible(Customer, user).filter(pk=contact.customer_id).exists(),
            chain=chain,
            reports_to_hidden=bool(contact.reports_to_id)
            and contact.reports_to_id not in colleagues,
            direct_reports=sorted(reports, key=lambda c: c.name),
            assessments=assessments,
            latest=assessments[0] if assessments else None,
            trend_chart={
                "dates": [a.assessed_on.isoformat() for a in trend],
                "series": [
                    {"name": _("Closeness"), "data": [a.closeness for a in trend]},
                    {
                        "name": _("Solution acceptance"),
                        "data": [a.solution_acceptance for a in trend],
                    },
                    {"name": _("Price acceptance"), "data": [a.price_acceptance for a in trend]},
                ],
            },
            decision_chains=visible(DecisionChainMember, user)
            .filter(contact=contact)
            .select_related("opportunity", "opportunity__stage", "opportunity__customer"),
            activities=section(
                visible(Activity, user)
                .filter(contacts=contact)
                .select_related("owner", "customer", "opportunity"),
                limit=10,
            ),
        )
        return context


class ContactCreateView(ServiceFormView):
    model = Contact
    form_class = ContactForm
    detail_url_name = "web:contact_detail"
    cancel_url_name = "web:contact_list"

    def get_initial(self):
        initial = super().get_initial()
        if self.object is None and self.request.GET.get("customer", "").isdigit():
            initial["customer"] = int(self.request.GET["customer"])
        return initial


class ContactUpdateView(ContactCreateView):
    pass


class ContactDeleteView(ServiceDeleteView):
    model = Contact
    detail_url_name = "web:contact_detail"
    success_url_name = "web:contact_list"
