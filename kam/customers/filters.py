import django_filters
from django.utils.translation import gettext_lazy as _

from kam.core.filters import KamFilterSet, visible_choices
from kam.customers.models import Customer, ResourceClass, Tier
from kam.org.models import Region, User


class CustomerFilter(KamFilterSet):
    search_fields = ("code", "name", "industry")
    region = django_filters.ModelChoiceFilter(queryset=visible_choices(Region), label=_("region"))
    owner = django_filters.ModelChoiceFilter(queryset=visible_choices(User), label=_("owner"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("tier"))
    resource_class = django_filters.ChoiceFilter(
        choices=ResourceClass.choices, label=_("resource class")
    )
    industry = django_filters.CharFilter(label=_("industry"))
    parent = django_filters.ModelChoiceFilter(
        queryset=visible_choices(Customer), label=_("parent company")
    )
    ordering = django_filters.OrderingFilter(
        fields=[
            ("code", "code"),
            ("name", "name"),
            ("tier", "tier"),
            ("industry", "industry"),
            ("expected_annual_spend", "expected_annual_spend"),
            ("created_on", "created_on"),
        ],
        label=_("order by"),
    )

    class Meta:
        model = Customer
        fields = ["code", "region", "owner", "tier", "resource_class", "industry", "parent"]
