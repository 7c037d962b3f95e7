from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.models import (
    KamModel,
    code_field,
    ensure_same_customer,
    money,
    not_negative,
    one_of,
)
from kam.core.visibility import Everyone, Owner, Served, Via


class Product(KamModel):
    """产品 — something we sell; its category is the product line."""

    code = code_field()
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("product line"), max_length=100, blank=True)
    list_price = money(_("list price"), null=True, blank=True)
    unit_cost = money(_("unit cost"), null=True, blank=True)

    visibility = (Everyone(),)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            not_negative("list_price", name="product_list_price_not_negative"),
            not_negative("unit_cost", name="product_unit_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class ContractStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Contract(KamModel):
    """合同 — a signed contract; its cost gives the gross margin."""

    Status = ContractStatus
    code = code_field()
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    signed_on = models.DateField(_("signed on"))
    amount = money(_("amount"))
    cost = money(_("cost"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ContractStatus.choices, default=Status.ACTIVE
    )

    visibility = (
        Owner("owner"),
        Served("customer"),
        Via("opportunity", "pipeline.Opportunity"),
    )

    class Meta:
        ordering = ["-signed_on", "code"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            one_of("status", ContractStatus.choices, name="contract_status_valid"),
            not_negative("amount", name="contract_amount_not_negative"),
            not_negative("cost", name="contract_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        super().clean()
        ensure_same_customer(
            self.opportunity,
            self,
            field="opportunity",
            message=_("The opportunity belongs to another customer."),
        )


class ContractLine(KamModel):
    """合同明细 — a product on a contract, with quantity, price and cost."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="lines"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = money(_("unit price"))
    unit_cost = money(_("unit cost"), null=True, blank=True)

    visibility = (Via("contract", "finance.Contract"),)

    class Meta:
        ordering = ["contract", "product"]
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")
        constraints = [
            models.UniqueConstraint(fields=["contract", "product"], name="contract_line_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="contract_line_quantity_positive"
            ),
            not_negative("unit_price", name="contract_line_price_not_negative"),
            not_negative("unit_cost", name="contract_line_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} · {self.product}"


class Payment(KamModel):
    """回款 — a payment due on a contract and, once received, the day it was paid."""

    code = code_field()
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = money(_("amount"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    visibility = (Via("contract", "finance.Contract"),)

    class Meta:
        ordering = ["contract", "due_on", "code"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [not_negative("amount", name="payment_amount_not_negative")]

    def __str__(self) -> str:
        return self.code


class DeliveryResult(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUCCESS = "success", _("Success")
    FAILED = "failed", _("Failed")


class Delivery(KamModel):
    """交付 — delivering a contract, and whether it succeeded."""

    Result = DeliveryResult
    code = code_field()
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    started_on = models.DateField(_("started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    result = models.CharField(
        _("result"), max_length=12, choices=DeliveryResult.choices, default=Result.IN_PROGRESS
    )

    visibility = (Via("contract", "finance.Contract"),)

    class Meta:
        ordering = ["contract", "code"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            one_of("result", DeliveryResult.choices, name="delivery_result_valid"),
            models.CheckConstraint(
                condition=models.Q(result="in_progress", completed_on__isnull=True)
                | models.Q(result__in=["success", "failed"], completed_on__isnull=False),
                name="delivery_completed_on_iff_finished",
            ),
            models.CheckConstraint(
                condition=models.Q(started_on__isnull=True)
                | models.Q(completed_on__isnull=True)
                | models.Q(completed_on__gte=models.F("started_on")),
                name="delivery_completed_after_started",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        super().clean()
        finished = self.result in (self.Result.SUCCESS, self.Result.FAILED)
        if finished and not self.completed_on:
            raise ValidationError({"completed_on": _("Required once the delivery has a result.")})
        if not finished and self.completed_on:
            raise ValidationError({"completed_on": _("Only a finished delivery has this date.")})
        if self.started_on and self.completed_on and self.completed_on < self.started_on:
            raise ValidationError({"completed_on": _("Cannot be before the start.")})


class ExpenseCategory(models.TextChoices):
    SALES = "sales", _("Sales")
    PRESALES = "presales", _("Presales")
    MARKETING = "marketing", _("Marketing")
    OTHER = "other", _("Other")


class Expense(KamModel):
    """费用 — money spent on selling, attached to a customer and/or a deal."""

    Category = ExpenseCategory
    code = code_field()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="expenses",
    )
    category = models.CharField(_("category"), max_length=10, choices=ExpenseCategory.choices)
    incurred_on = models.DateField(_("incurred on"))
    amount = money(_("amount"))
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expenses",
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expenses",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    visibility = (
        Owner("owner"),
        Served("customer"),
        Via("opportunity", "pipeline.Opportunity"),
    )

    class Meta:
        ordering = ["-incurred_on", "code"]
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        constraints = [
            one_of("category", ExpenseCategory.choices, name="expense_category_valid"),
            not_negative("amount", name="expense_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        super().clean()
        ensure_same_customer(
            self.opportunity,
            self,
            field="customer",
            message=_("An expense naming a deal must name that deal's customer."),
        )
