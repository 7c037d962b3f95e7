"""Pre-aggregated facts of the evaluation system, derived from the records (see facts.py).

Their references carry no database constraint (millions of rows are rebuilt at once; a foreign
key check per row would double that) — deleting a customer, user or deal deletes its facts
through the ORM, and the facts are only ever written from the rows they refer to. They hold
nothing a user enters: ``kam.metrics.facts`` recomputes them from the records in the
transaction of every write (``kam.core.derived``), and ``kam metrics facts --check`` proves them
equal to a fresh computation. Flows are summed per customer or per user and quarter or year;
spans give a customer's tier and relationship scores, and a deal's decision-chain scores, from one
date to the next change.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.visibility import Owner, Via, VisibleQuerySet

AMOUNT = {"max_digits": 22, "decimal_places": 2, "default": 0}
COST = {"max_digits": 24, "decimal_places": 4, "default": 0}


class Grain(models.TextChoices):
    QUARTER = "Q", _("Quarter")
    YEAR = "Y", _("Year")


class CustomerPeriodFact(models.Model):
    """客户期间事实 — a customer's output, input and deal results in one quarter or year."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    period_start = models.DateField()
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    output_contract = models.DecimalField(**AMOUNT)  # contracts signed (not cancelled)
    output_payment = models.DecimalField(**AMOUNT)  # payments received on them
    input = models.DecimalField(**COST)  # expenses + presales time cost
    captured_amount = models.DecimalField(**AMOUNT)  # captured deals established
    incubated_amount = models.DecimalField(**AMOUNT)  # incubated deals established
    closed_count = models.IntegerField(default=0)
    won_count = models.IntegerField(default=0)
    closed_amount = models.DecimalField(**AMOUNT)
    won_amount = models.DecimalField(**AMOUNT)

    objects = VisibleQuerySet.as_manager()
    visibility = (Via("customer", "customers.Customer"),)

    class Meta:
        verbose_name = _("customer period fact")
        verbose_name_plural = _("customer period facts")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "period_start", "customer"], name="customer_fact_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["customer", "grain", "period_start"], name="customer_fact_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.grain} {self.period_start}"


class UserPeriodFact(models.Model):
    """人员期间事实 — what a user owns, in one quarter or year: output and input as a sales rep,
    deal results, presales cost and hours on their deals, ratings, deliveries.

    ``user`` is empty for presales expenses on no deal (they count company-wide only).
    """

    grain = models.CharField(max_length=1, choices=Grain.choices)
    period_start = models.DateField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    output_contract = models.DecimalField(**AMOUNT)
    output_payment = models.DecimalField(**AMOUNT)
    input = models.DecimalField(**COST)
    closed_count = models.IntegerField(default=0)
    won_count = models.IntegerField(default=0)
    closed_amount = models.DecimalField(**AMOUNT)
    won_amount = models.DecimalField(**AMOUNT)
    won_cycle_days = models.BigIntegerField(default=0)
    lost_cycle_days = models.BigIntegerField(default=0)
    supported_closed_count = models.IntegerField(default=0)
    supported_won_count = models.IntegerField(default=0)
    supported_closed_amount = models.DecimalField(**AMOUNT)
    supported_won_amount = models.DecimalField(**AMOUNT)
    rejected_count = models.IntegerField(default=0)
    rejected_cost = models.DecimalField(**AMOUNT)
    disqualified_count = models.IntegerField(default=0)
    disqualified_cost = models.DecimalField(**AMOUNT)
    presales_cost_count = models.IntegerField(default=0)  # expenses and time entries
    presales_cost = models.DecimalField(**COST)
    presales_hours_count = models.IntegerField(default=0)
    presales_hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    rating_sum = models.BigIntegerField(default=0)
    rating_count = models.IntegerField(default=0)
    delivery_count = models.IntegerField(default=0)
    delivery_success_count = models.IntegerField(default=0)
    delivery_amount = models.DecimalField(**AMOUNT)
    delivery_success_amount = models.DecimalField(**AMOUNT)

    objects = VisibleQuerySet.as_manager()
    visibility = (Owner("user"),)

    class Meta:
        verbose_name = _("user period fact")
        verbose_name_plural = _("user period facts")
        indexes = [
            models.Index(fields=["grain", "period_start", "user"], name="user_fact_period"),
            models.Index(fields=["user", "grain", "period_start"], name="user_fact_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.grain} {self.period_start}"


class TierSpan(models.Model):
    """分级区间 — a customer's tier and class from one tier-history date to the next."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True)  # exclusive; empty: still holds
    tier = models.CharField(max_length=1, blank=True)
    resource_class = models.CharField(max_length=1, blank=True)

    objects = VisibleQuerySet.as_manager()
    visibility = (Via("customer", "customers.Customer"),)

    class Meta:
        verbose_name = _("tier span")
        verbose_name_plural = _("tier spans")
        indexes = [models.Index(fields=["customer"], name="tier_span_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.starts_on}: {self.tier}/{self.resource_class}"


class RelationshipSpanBase(models.Model):
    """Influence-weighted closeness, solution and price acceptance (METRICS.md §2) from one
    assessment date to the next."""

    starts_on = models.DateField()
    ends_on = models.DateField(null=True)
    closeness = models.FloatField()
    solution_acceptance = models.FloatField()
    price_acceptance = models.FloatField()

    objects = VisibleQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.starts_on}: {self.closeness:.1f}/{self.solution_acceptance:.1f}"


class CustomerRelationshipSpan(RelationshipSpanBase):
    """客户关系得分区间 — over the customer's assessed contacts, weighted by their influence."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    visibility = (Via("customer", "customers.Customer"),)

    class Meta:
        verbose_name = _("customer relationship span")
        verbose_name_plural = _("customer relationship spans")
        indexes = [models.Index(fields=["customer"], name="customer_rel_span_customer")]


class OpportunityRelationshipSpan(RelationshipSpanBase):
    """决策链得分区间 — over the deal's assessed decision-chain members, weighted by their
    influence in the chain."""

    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    visibility = (Via("opportunity", "pipeline.Opportunity"),)

    class Meta:
        verbose_name = _("decision-chain span")
        verbose_name_plural = _("decision-chain spans")
        indexes = [models.Index(fields=["opportunity"], name="opportunity_rel_span_opp")]
