import django_filters
from django.utils.translation import gettext_lazy as _

from kam.core.filters import KamFilterSet, visible_choices
from kam.customers.models import Customer
from kam.relationships.models import Attitude, Contact, DecisionRole


class ContactFilter(KamFilterSet):
    search_fields = ("code", "name", "title", "department", "customer__name")
    customer = django_filters.ModelChoiceFilter(
        queryset=visible_choices(Customer), label=_("customer")
    )
    decision_role = django_filters.ChoiceFilter(
        choices=DecisionRole.choices, label=_("decision role")
    )
    attitude = django_filters.ChoiceFilter(choices=Attitude.choices, label=_("attitude"))
    influence = django_filters.NumberFilter(label=_("influence"))
    reports_to = django_filters.ModelChoiceFilter(
        queryset=visible_choices(Contact), label=_("reports to")
    )
    ordering = django_filters.OrderingFilter(
        fields=[
            ("code", "code"),
            ("name", "name"),
            ("customer__name", "customer"),
            ("influence", "influence"),
        ],
        label=_("order by"),
    )

    class Meta:
        model = Contact
        fields = ["code", "customer", "decision_role", "attitude", "influence", "reports_to"]
