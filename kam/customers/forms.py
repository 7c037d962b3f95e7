from django.utils import timezone

from kam.core.views import ServiceModelForm, suggest_code
from kam.customers.models import Customer


class CustomerForm(ServiceModelForm):
    """Profile fields only: tier and resource class are kept by scoring and tier history."""

    class Meta:
        model = Customer
        fields = [
            "code",
            "name",
            "industry",
            "region",
            "owner",
            "parent",
            "expected_annual_spend",
            "annual_category_spend",
            "strategic_importance",
            "created_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            if "parent" in self.fields:
                self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(
                    pk=self.instance.pk
                )
        else:
            self.fields["code"].initial = suggest_code("CUS")
            self.fields["owner"].initial = self.user.pk
            self.fields["created_on"].initial = timezone.localdate()
        if "strategic_importance" in self.fields:
            self.fields["strategic_importance"].widget.attrs.update({"min": 0, "max": 100})
