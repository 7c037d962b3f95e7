"""The home page (the signed-in user's own overview) and their notifications."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from kam.core.models import Notification
from kam.core.notify import render
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


class NotificationListView(KamLoginRequiredMixin, TemplateView):
    """The signed-in user's notifications, unread first; ``?unread=1`` shows only those."""

    template_name = "web/notifications.html"
    paginate_by = 30

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = visible(Notification, self.request.user)
        unread_only = self.request.GET.get("unread") == "1"
        if unread_only:
            rows = rows.filter(read_at__isnull=True)
        rows = rows.order_by(F("read_at").asc(nulls_first=True), "-created_at", "-pk")
        page = Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            items=[{"notification": n, **render(n)} for n in page.object_list],
            unread_only=unread_only,
        )
        return context

    def post(self, request):
        """Mark every notification read."""
        visible(Notification, request.user).filter(read_at__isnull=True).update(
            read_at=timezone.now()
        )
        return HttpResponseRedirect(reverse("web:notifications"))


class NotificationOpenView(KamLoginRequiredMixin, View):
    """Mark one notification read and go to what it is about."""

    model = Notification

    def dispatch(self, request, *args, **kwargs):
        # Someone else's notification is a 404 whatever the method (its existence is private).
        if request.user.is_authenticated:
            self.notification = get_object_or_404(
                visible(Notification, request.user), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, pk):
        notification = self.notification
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        target = notification.url
        if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
            target = reverse("web:notifications")
        return HttpResponseRedirect(target)
