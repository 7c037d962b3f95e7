"""The home page: the signed-in user's own overview, inside their visibility."""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from kam.core.views import KamLoginRequiredMixin, visible
from kam.customers.models import Customer
from kam.finance.models import Contract, Payment
from kam.pipeline.models import Opportunity, Task
from kam.relationships.models import Activity


class HomeView(KamLoginRequiredMixin, TemplateView):
    template_name = "web/home.html"
    task_limit = 8
    activity_limit = 10

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        open_deals = (
            visible(Opportunity, user)
            .filter(status=Opportunity.Status.OPEN)
            .exclude(review_status=Opportunity.ReviewStatus.REJECTED)
        )
        pipeline = open_deals.aggregate(count=Count("pk"), amount=Sum("amount"))
        signed = (
            visible(Contract, user)
            .filter(signed_on__year=today.year)
            .exclude(status=Contract.Status.CANCELLED)
            .aggregate(count=Count("pk"), amount=Sum("amount"))
        )
        overdue = (
            visible(Payment, user)
            .filter(due_on__lt=today, paid_on__isnull=True)
            .exclude(contract__status=Contract.Status.CANCELLED)
            .aggregate(count=Count("pk"), amount=Sum("amount"))
        )
        my_tasks = visible(Task, user).filter(assignee=user, status=Task.Status.OPEN)
        task_counts = my_tasks.aggregate(
            count=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))
        )
        tasks = my_tasks.select_related("opportunity", "opportunity__customer", "stage").order_by(
            F("due_on").asc(nulls_last=True), "pk"
        )[: self.task_limit]
        activities = (
            visible(Activity, user)
            .select_related("customer", "owner", "opportunity")
            .order_by("-occurred_on", "-pk")[: self.activity_limit]
        )
        by_stage = (
            open_deals.values("stage__order", "stage__name_zh", "stage__name_en")
            .annotate(count=Count("pk"), amount=Sum("amount"))
            .order_by(F("stage__order").asc(nulls_first=True))
        )
        chinese = (get_language() or "").startswith("zh")
        context.update(
            today=today,
            customer_count=visible(Customer, user).count(),
            pipeline=pipeline,
            signed=signed,
            overdue=overdue,
            task_counts=task_counts,
            tasks=tasks,
            activities=activities,
            stage_chart={
                "stages": [
                    (row["stage__name_zh"] if chinese else row["stage__name_en"])
                    or _("Pending review")
                    for row in by_stage
                ],
                "amounts": [float(row["amount"] or 0) for row in by_stage],
                "counts": [row["count"] for row in by_stage],
                "unit": "万元" if chinese else "CNY",
                "divisor": 10000 if chinese else 1,
                "amountLabel": _("Amount"),
                "countLabel": _("Deals"),
            },
        )
        return context
