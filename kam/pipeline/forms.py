from django.utils import timezone

from kam.core.views import ServiceModelForm, suggest_code
from kam.pipeline.models import Lead, Opportunity


class LeadForm(ServiceModelForm):
    """A lead and its TAS+ qualification; conversion to a deal is a workflow of its own."""

    class Meta:
        model = Lead
        fields = [
            "code",
            "title",
            "customer",
            "owner",
            "source",
            "created_on",
            "status",
            "disqualified_on",
            "disqualify_reason",
            "estimated_presales_cost",
            "worth_winning",
            "worth_winning_evidence",
            "real_opportunity",
            "real_opportunity_evidence",
            "can_compete",
            "can_compete_evidence",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["code"].initial = suggest_code("LEAD")
            self.fields["owner"].initial = self.user.pk
            self.fields["created_on"].initial = timezone.localdate()
            self.fields["status"].initial = Lead.Status.NEW


class OpportunityForm(ServiceModelForm):
    """The deal's own data. Establishment review and closing are decisions with their own flow,
    so their fields are not edited here."""

    class Meta:
        model = Opportunity
        fields = [
            "code",
            "name",
            "customer",
            "owner",
            "origin",
            "stage",
            "amount",
            "created_on",
            "expected_close_on",
            "estimated_presales_cost",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["code"].initial = suggest_code("OPP")
            self.fields["owner"].initial = self.user.pk
            self.fields["created_on"].initial = timezone.localdate()
