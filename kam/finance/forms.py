from django.utils import timezone

from kam.core.views import ServiceModelForm, suggest_code
from kam.finance.models import Contract


class ContractForm(ServiceModelForm):
    class Meta:
        model = Contract
        fields = [
            "code",
            "customer",
            "opportunity",
            "owner",
            "signed_on",
            "amount",
            "cost",
            "status",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "opportunity" in self.fields:
            self.fields["opportunity"].queryset = self.fields[
                "opportunity"
            ].queryset.select_related("customer")
            self.fields["opportunity"].label_from_instance = lambda o: f"{o.name} · {o.customer}"
        if not self.instance.pk:
            self.fields["code"].initial = suggest_code("CT")
            self.fields["owner"].initial = self.user.pk
            self.fields["signed_on"].initial = timezone.localdate()
