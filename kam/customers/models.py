from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.models import KamModel, code_field, money, not_negative, one_of, within
from kam.core.visibility import Everyone, Linked, Owner, Via


class Tier(models.TextChoices):
    S = "S", "S"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class ResourceClass(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class Customer(KamModel):
    """客户 — an account; key accounts (大客户) are chosen among them by score."""

    code = code_field()
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsidiaries",
    )
    expected_annual_spend = money(_("expected annual spend"), null=True, blank=True)
    annual_category_spend = money(_("annual category spend"), null=True, blank=True)
    strategic_importance = models.PositiveSmallIntegerField(
        _("strategic importance"), null=True, blank=True, help_text="0–100"
    )
    created_on = models.DateField(_("created on"), null=True, blank=True)
    # Current tier and class, kept by the tier-history service (latest effective record).
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    resource_class = models.CharField(
        _("resource class"), max_length=1, choices=ResourceClass.choices, blank=True
    )

    visibility = (
        Owner("owner"),
        Linked("customers.AccountTeamMember", "customer"),
        Linked("presales.PresalesAssignment", "opportunity__customer"),
        Linked("service.ServiceRequest", "customer", user_field="assignee"),
        Linked("pipeline.Opportunity", "customer", user_field="owner"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            within("strategic_importance", 0, 100, name="customer_importance_range"),
            not_negative("expected_annual_spend", name="customer_expected_spend_not_negative"),
            not_negative("annual_category_spend", name="customer_category_spend_not_negative"),
            one_of("tier", Tier.choices, name="customer_tier_valid", allow_blank=True),
            one_of(
                "resource_class",
                ResourceClass.choices,
                name="customer_class_valid",
                allow_blank=True,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        ancestor, seen = self.parent, {self.pk}
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"parent": _("A company cannot be its own parent.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class TeamRole(models.TextChoices):
    KAM = "kam", _("Key account manager")
    SALES = "sales", _("Sales")
    PRESALES = "presales", _("Presales")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")
    EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")
    FINANCE = "finance", _("Finance")
    SUPPLY_CHAIN = "supply_chain", _("Supply chain")


class AccountTeamMember(KamModel):
    """客户团队成员 — a person on a customer's account team (作战阵型), with their role."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="account_team",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="account_teams",
    )
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)

    visibility = (Via("customer", "customers.Customer"),)
    # Members do not enrol themselves or others: those who own the customer staff its team.
    write_visibility = (Owner("customer__owner"),)

    class Meta:
        ordering = ["customer", "role", "user"]
        verbose_name = _("account-team member")
        verbose_name_plural = _("account team")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "user", "role"], name="account_team_unique"
            ),
            one_of("role", TeamRole.choices, name="account_team_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.user} ({self.get_role_display()})"


class TierHistorySource(models.TextChoices):
    IMPORT = "import", _("Imported")
    RUN = "run", _("Scoring run")
    OVERRIDE = "override", _("Manual override")
    MANUAL = "manual", _("Manual")


class TierHistory(KamModel):
    """客户分级历史 — the tier and resource class a customer holds from a date on."""

    Source = TierHistorySource
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="tier_history",
    )
    effective_on = models.DateField(_("effective on"))
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    resource_class = models.CharField(
        _("resource class"), max_length=1, choices=ResourceClass.choices, blank=True
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=TierHistorySource.choices, default=Source.MANUAL
    )

    visibility = (Via("customer", "customers.Customer"),)
    write_visibility = (Owner("customer__owner"),)

    class Meta:
        ordering = ["customer", "-effective_on"]
        verbose_name = _("tier history")
        verbose_name_plural = _("tier history")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "effective_on"], name="tier_history_unique"
            ),
            one_of("tier", Tier.choices, name="tier_history_tier_valid", allow_blank=True),
            one_of(
                "resource_class",
                ResourceClass.choices,
                name="tier_history_class_valid",
                allow_blank=True,
            ),
            one_of("source", TierHistorySource.choices, name="tier_history_source_valid"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.customer} {self.effective_on}: {self.tier or '-'}/{self.resource_class or '-'}"
        )


class TierStrategy(KamModel):
    """分级经营策略 — how a tier is run: team roles, visit standard, SLA, task templates."""

    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, unique=True)
    required_roles = models.JSONField(_("required account-team roles"), default=list, blank=True)
    kam_visit_days = models.PositiveSmallIntegerField(
        _("KAM visit every (days)"), null=True, blank=True
    )
    executive_visit_days = models.PositiveSmallIntegerField(
        _("executive visit every (days)"), null=True, blank=True
    )
    response_sla_hours = models.PositiveSmallIntegerField(
        _("request response SLA (hours)"), null=True, blank=True
    )
    task_template_set = models.ForeignKey(
        "pipeline.TaskTemplateSet",
        verbose_name=_("task template set"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    requires_account_plan = models.BooleanField(_("requires an account plan"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    visibility = (Everyone(),)

    class Meta:
        ordering = ["tier"]
        verbose_name = _("tier strategy")
        verbose_name_plural = _("tier strategies")
        constraints = [one_of("tier", Tier.choices, name="tier_strategy_tier_valid")]

    def __str__(self) -> str:
        return _("Tier %s strategy") % self.tier

    def clean(self):
        super().clean()
        valid = set(TeamRole.values)
        roles = self.required_roles if isinstance(self.required_roles, list) else None
        if roles is None or any(role not in valid for role in roles):
            raise ValidationError(
                {"required_roles": _("Use a list of: %s.") % ", ".join(sorted(valid))}
            )


class AccountPlan(KamModel):
    """年度客户计划 — a key account's annual business goals."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="account_plans",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    revenue_goal = money(_("revenue goal"), null=True, blank=True)
    goals = models.TextField(_("business goals"), blank=True)
    whitespace = models.TextField(_("whitespace (products not yet sold)"), blank=True)

    visibility = (Via("customer", "customers.Customer"),)

    class Meta:
        ordering = ["customer", "-year"]
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        constraints = [
            models.UniqueConstraint(fields=["customer", "year"], name="account_plan_unique"),
            within("year", 2000, 2100, name="account_plan_year_range"),
            not_negative("revenue_goal", name="account_plan_goal_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.year}"


class AccountPlanLine(KamModel):
    """客户计划产品线目标 — a product line's target revenue and share in an account plan."""

    plan = models.ForeignKey(
        AccountPlan,
        verbose_name=_("account plan"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    product_line = models.CharField(_("product line"), max_length=100)
    target_revenue = money(_("target revenue"))
    target_share = models.DecimalField(
        _("target share of wallet"), max_digits=5, decimal_places=4, null=True, blank=True
    )

    visibility = (Via("plan", "customers.AccountPlan"),)

    class Meta:
        ordering = ["plan", "product_line"]
        verbose_name = _("account plan line")
        verbose_name_plural = _("account plan lines")
        constraints = [
            models.UniqueConstraint(fields=["plan", "product_line"], name="plan_line_unique"),
            not_negative("target_revenue", name="plan_line_target_not_negative"),
            within("target_share", 0, 1, name="plan_line_share_range"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.product_line}"


class TierOverrideStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    LIFTED = "lifted", _("Lifted")


class TierOverride(KamModel):
    """分级调整申请 — a manual tier proposed with a reason, approved by a manager."""

    Status = TierOverrideStatus
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="tier_overrides",
    )
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    resource_class = models.CharField(
        _("resource class"), max_length=1, choices=ResourceClass.choices, blank=True
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=TierOverrideStatus.choices, default=Status.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    visibility = (Via("customer", "customers.Customer"),)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tier override")
        verbose_name_plural = _("tier overrides")
        constraints = [
            one_of("status", TierOverrideStatus.choices, name="tier_override_status_valid"),
            one_of("tier", Tier.choices, name="tier_override_tier_valid", allow_blank=True),
            one_of(
                "resource_class",
                ResourceClass.choices,
                name="tier_override_class_valid",
                allow_blank=True,
            ),
            models.CheckConstraint(
                condition=~models.Q(tier="", resource_class=""),
                name="tier_override_names_tier_or_class",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} → {self.tier or '-'}/{self.resource_class or '-'}"
