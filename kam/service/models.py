from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.models import KamModel, code_field, ensure_same_customer, one_of, within
from kam.core.visibility import Owner, Served, Via


class ServiceRequestPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ServiceRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class ServiceRequest(KamModel):
    """客户请求 — a customer's request, answered within its tier's SLA (快速响应)."""

    Priority = ServiceRequestPriority
    Status = ServiceRequestStatus
    code = code_field()
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    opened_on = models.DateField(_("opened on"))
    title = models.CharField(_("title"), max_length=200)
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=ServiceRequestPriority.choices,
        default=Priority.NORMAL,
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    first_response_on = models.DateField(_("first response on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ServiceRequestStatus.choices, default=Status.OPEN
    )

    visibility = (Served("customer"), Owner("assignee"))

    class Meta:
        ordering = ["-opened_on", "code"]
        verbose_name = _("customer request")
        verbose_name_plural = _("customer requests")
        constraints = [
            one_of("priority", ServiceRequestPriority.choices, name="request_priority_valid"),
            one_of("status", ServiceRequestStatus.choices, name="request_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self):
        super().clean()
        for field in ("first_response_on", "resolved_on"):
            day = getattr(self, field)
            if day and self.opened_on and day < self.opened_on:
                raise ValidationError({field: _("Cannot be before the request was opened.")})


class Survey(KamModel):
    """满意度调查 — a customer's satisfaction (CSAT 1–5) and NPS (0–10) on a date."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="surveys",
    )
    surveyed_on = models.DateField(_("surveyed on"))
    contact = models.ForeignKey(
        "relationships.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
    )
    csat = models.PositiveSmallIntegerField(_("CSAT"), null=True, blank=True, help_text="1–5")
    nps = models.PositiveSmallIntegerField(_("NPS"), null=True, blank=True, help_text="0–10")

    visibility = (Via("customer", "customers.Customer"),)

    class Meta:
        ordering = ["-surveyed_on"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            within("csat", 1, 5, name="survey_csat_range"),
            within("nps", 0, 10, name="survey_nps_range"),
            models.UniqueConstraint(
                fields=["customer", "surveyed_on", "contact"], name="survey_unique_contact"
            ),
            models.UniqueConstraint(
                fields=["customer", "surveyed_on"],
                condition=models.Q(contact__isnull=True),
                name="survey_unique_anonymous",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.surveyed_on}"

    def clean(self):
        super().clean()
        ensure_same_customer(
            self.contact,
            self,
            field="contact",
            message=_("The contact belongs to another customer."),
        )
