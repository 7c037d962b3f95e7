import django_filters
from django.utils.translation import gettext_lazy as _

from kam.core.filters import KamFilterSet, visible_choices
from kam.customers.models import Customer
from kam.org.models import User
from kam.pipeline.models import Lead, LeadStatus, Opportunity, Stage


class LeadFilter(KamFilterSet):
    search_fields = ("code", "title", "source", "customer__name")
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices, label=_("status"))
    owner = django_filters.ModelChoiceFilter(queryset=visible_choices(User), label=_("owner"))
    customer = django_filters.ModelChoiceFilter(
        queryset=visible_choices(Customer), label=_("customer")
    )
    source = django_filters.CharFilter(label=_("source"))
    opportunity = django_filters.ModelChoiceFilter(
        queryset=visible_choices(Opportunity), label=_("opportunity")
    )
    created_after = django_filters.DateFilter(
        field_name="created_on", lookup_expr="gte", label=_("created from")
    )
    created_before = django_filters.DateFilter(
        field_name="created_on", lookup_expr="lte", label=_("created until")
    )
    ordering = django_filters.OrderingFilter(
        fields=[
            ("code", "code"),
            ("title", "title"),
            ("created_on", "created_on"),
            ("status", "status"),
            ("estimated_presales_cost", "estimated_presales_cost"),
        ],
        label=_("order by"),
    )

    class Meta:
        model = Lead
        fields = ["code", "status", "owner", "customer", "source", "opportunity"]


class OpportunityFilter(KamFilterSet):
    search_fields = ("code", "name", "customer__name")
    status = django_filters.ChoiceFilter(choices=Opportunity.Status.choices, label=_("status"))
    review_status = django_filters.ChoiceFilter(
        choices=Opportunity.ReviewStatus.choices, label=_("review status")
    )
    origin = django_filters.ChoiceFilter(choices=Opportunity.Origin.choices, label=_("origin"))
    stage = django_filters.ModelChoiceFilter(queryset=visible_choices(Stage), label=_("stage"))
    owner = django_filters.ModelChoiceFilter(queryset=visible_choices(User), label=_("owner"))
    customer = django_filters.ModelChoiceFilter(
        queryset=visible_choices(Customer), label=_("customer")
    )
    amount_min = django_filters.NumberFilter(
        field_name="amount", lookup_expr="gte", label=_("amount from")
    )
    amount_max = django_filters.NumberFilter(
        field_name="amount", lookup_expr="lte", label=_("amount up to")
    )
    created_after = django_filters.DateFilter(
        field_name="created_on", lookup_expr="gte", label=_("created from")
    )
    created_before = django_filters.DateFilter(
        field_name="created_on", lookup_expr="lte", label=_("created until")
    )
    ordering = django_filters.OrderingFilter(
        fields=[
            ("code", "code"),
            ("name", "name"),
            ("amount", "amount"),
            ("created_on", "created_on"),
            ("closed_on", "closed_on"),
            ("stage__order", "stage"),
            ("status", "status"),
        ],
        label=_("order by"),
    )

    class Meta:
        model = Opportunity
        fields = ["code", "status", "review_status", "origin", "stage", "owner", "customer"]
