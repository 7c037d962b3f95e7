from kam.core.views import ServiceModelForm, suggest_code
from kam.relationships.models import Contact


class ContactForm(ServiceModelForm):
    class Meta:
        model = Contact
        fields = [
            "code",
            "customer",
            "name",
            "title",
            "department",
            "reports_to",
            "decision_role",
            "influence",
            "attitude",
            "phone",
            "email",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reports_to" in self.fields:
            reports_to = self.fields["reports_to"].queryset.select_related("customer")
            customer_id = self.instance.customer_id or self.initial.get("customer")
            if customer_id:
                reports_to = reports_to.filter(customer_id=customer_id)
            if self.instance.pk:
                reports_to = reports_to.exclude(pk=self.instance.pk)
            self.fields["reports_to"].queryset = reports_to
            self.fields["reports_to"].label_from_instance = lambda c: (
                f"{c.name} · {c.title}" if c.title else c.name
            )
        if "influence" in self.fields:
            self.fields["influence"].widget.attrs.update({"min": 1, "max": 5})
        if not self.instance.pk:
            self.fields["code"].initial = suggest_code("CON")
