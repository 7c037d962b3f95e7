from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core.views import (
    ServiceDeleteView,
    ServiceFormView,
    VisibleDetailView,
    VisibleListView,
    visible,
)
from kam.customers.models import Customer
from kam.finance.filters import ContractFilter
from kam.finance.forms import ContractForm
from kam.finance.models import Contract, ContractLine, Delivery, Payment
from kam.pipeline.models import Opportunity

_MONEY = DecimalField(max_digits=24, decimal_places=2)


def _margin(amount, cost):
    """Gross margin ``(amount − cost) / amount`` as a ratio, for exports."""
    if not amount or cost is None:
        return None
    return round((amount - cost) / amount, 4)


class ContractListView(VisibleListView):
    model = Contract
    filterset_class = ContractFilter
    select_related = ("customer", "owner", "opportunity")
    template_name = "finance/contract_list.html"
    partial_template_name = "finance/partials/contract_table.html"
    create_url_name = "web:contract_create"
    filter_fields = ("status", "owner", "signed_after", "signed_before")
    columns = (
        (_("Code"), "code", ""),
        (_("Customer"), "customer", ""),
        (_("Opportunity"), None, "hide-md"),
        (_("Owner"), None, "hide-md"),
        (_("Signed on"), "signed_on", "hide-sm"),
        (_("Amount"), "amount", "num"),
        (_("Gross margin"), None, "num hide-sm"),
        (_("Status"), "status", "hide-sm"),
    )
    export_columns = (
        (_("Code"), "code"),
        (_("Customer"), "customer"),
        (_("Opportunity"), "opportunity"),
        (_("Owner"), "owner"),
        (_("Signed on"), "signed_on"),
        (_("Amount"), "amount"),
        (_("Gross margin"), lambda c: _margin(c.amount, c.cost)),
        (_("Status"), "get_status_display"),
    )


class ContractDetailView(VisibleDetailView):
    model = Contract
    select_related = ("customer", "owner", "opportunity")
    template_name = "finance/contract_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract, user = self.object, self.request.user
        today = timezone.localdate()
        lines = (
            visible(ContractLine, user)
            .filter(contract=contract)
            .select_related("product")
            .annotate(
                line_amount=ExpressionWrapper(F("quantity") * F("unit_price"), output_field=_MONEY),
                line_cost=ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=_MONEY),
            )
        )
        line_totals = lines.aggregate(
            amount=Sum("line_amount"),
            cost=Sum("line_cost"),
            count=Count("pk"),
            costed=Count("pk", filter=Q(unit_cost__isnull=False)),
        )
        # The contract's cost, else (when every line has a unit cost) the sum of the lines'.
        cost = contract.cost
        if cost is None and line_totals["count"] and line_totals["count"] == line_totals["costed"]:
            cost = line_totals["cost"]
        payments = (
            visible(Payment, user)
            .filter(contract=contract)
            .annotate(
                overdue=Case(
                    When(paid_on__isnull=True, due_on__lt=today, then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        )
        payment_totals = payments.aggregate(
            paid=Sum("amount", filter=Q(paid_on__isnull=False)),
            outstanding=Sum("amount", filter=Q(paid_on__isnull=True)),
            overdue=Sum("amount", filter=Q(paid_on__isnull=True, due_on__lt=today)),
            overdue_count=Count("pk", filter=Q(paid_on__isnull=True, due_on__lt=today)),
        )
        context.update(
            today=today,
            customer_visible=visible(Customer, user).filter(pk=contract.customer_id).exists(),
            opportunity_visible=bool(contract.opportunity_id)
            and visible(Opportunity, user).filter(pk=contract.opportunity_id).exists(),
            lines=lines,
            line_totals=line_totals,
            effective_cost=cost,
            payments=payments,
            payment_totals=payment_totals,
            deliveries=visible(Delivery, user).filter(contract=contract),
        )
        return context


class ContractCreateView(ServiceFormView):
    model = Contract
    form_class = ContractForm
    detail_url_name = "web:contract_detail"
    cancel_url_name = "web:contract_list"

    def get_initial(self):
        initial = super().get_initial()
        if self.object is None:
            for name in ("customer", "opportunity"):
                if self.request.GET.get(name, "").isdigit():
                    initial[name] = int(self.request.GET[name])
        return initial


class ContractUpdateView(ContractCreateView):
    pass


class ContractDeleteView(ServiceDeleteView):
    model = Contract
    detail_url_name = "web:contract_detail"
    success_url_name = "web:contract_list"
