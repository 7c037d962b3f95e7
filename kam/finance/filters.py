import django_filters
from django.utils.translation import gettext_lazy as _

from kam.core.filters import KamFilterSet, visible_choices
from kam.customers.models import Customer
from kam.finance.models import Contract
from kam.org.models import User
from kam.pipeline.models import Opportunity


class ContractFilter(KamFilterSet):
    search_fields = ("code", "customer__name", "opportunity__name")
    status = django_filters.ChoiceFilter(choices=Contract.Status.choices, label=_("status"))
    owner = django_filters.ModelChoiceFilter(queryset=visible_choices(User), label=_("owner"))
    customer = django_filters.ModelChoiceFilter(
        queryset=visible_choices(Customer), label=_("customer")
    )
    opportunity = django_filters.ModelChoiceFilter(
        queryset=visible_choices(Opportunity), label=_("opportunity")
    )
    signed_after = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="gte", label=_("signed from")
    )
    signed_before = django_filters.DateFilter(
        field_name="signed_on", lookup_expr="lte", label=_("signed until")
    )
    ordering = django_filters.OrderingFilter(
        fields=[
            ("code", "code"),
            ("signed_on", "signed_on"),
            ("amount", "amount"),
            ("customer__name", "customer"),
            ("status", "status"),
        ],
        label=_("order by"),
    )

    class Meta:
        model = Contract
        fields = ["code", "status", "owner", "customer", "opportunity"]
