from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.models import KamModel, code_field, ensure_same_customer, one_of, within
from kam.core.visibility import Linked, Owner, Served, Via


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    EVALUATOR = "evaluator", _("Evaluator")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    COACH = "coach", _("Coach")


class Attitude(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    OPPONENT = "opponent", _("Opponent")


class Contact(KamModel):
    """联系人 — a person at the customer, placed in its org chart (reports_to)."""

    code = code_field()
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("title"), max_length=150, blank=True)
    department = models.CharField(_("department"), max_length=150, blank=True)
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    decision_role = models.CharField(
        _("decision role"), max_length=20, choices=DecisionRole.choices, blank=True
    )
    influence = models.PositiveSmallIntegerField(_("influence"), default=1, help_text="1–5")
    attitude = models.CharField(_("attitude"), max_length=10, choices=Attitude.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)

    visibility = (
        Served("customer"),
        Linked(
            "relationships.DecisionChainMember",
            "contact",
            user_field="opportunity__presales_assignments__user",
        ),
        Linked("relationships.DecisionChainMember", "contact", user_field="opportunity__owner"),
    )

    class Meta:
        ordering = ["customer", "code"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            within("influence", 1, 5, name="contact_influence_range"),
            one_of(
                "decision_role",
                DecisionRole.choices,
                name="contact_decision_role_valid",
                allow_blank=True,
            ),
            one_of("attitude", Attitude.choices, name="contact_attitude_valid", allow_blank=True),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.reports_to_id is None:
            return
        ensure_same_customer(
            self.reports_to,
            self,
            field="reports_to",
            message=_("A contact reports to someone at the same customer."),
        )
        ancestor, seen = self.reports_to, {self.pk}
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"reports_to": _("Reporting lines cannot form a cycle.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.reports_to


class RelationshipAssessment(KamModel):
    """关系评估 — closeness, solution acceptance and price acceptance of a contact on a date."""

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    assessed_on = models.DateField(_("assessed on"))
    closeness = models.PositiveSmallIntegerField(_("closeness"))
    solution_acceptance = models.PositiveSmallIntegerField(_("solution acceptance"))
    price_acceptance = models.PositiveSmallIntegerField(_("price acceptance"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    visibility = (Via("contact", "relationships.Contact"),)

    class Meta:
        ordering = ["contact", "-assessed_on"]
        verbose_name = _("relationship assessment")
        verbose_name_plural = _("relationship assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "assessed_on"], name="assessment_unique_per_day"
            ),
            within("closeness", 0, 100, name="assessment_closeness_range"),
            within("solution_acceptance", 0, 100, name="assessment_solution_range"),
            within("price_acceptance", 0, 100, name="assessment_price_range"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} {self.assessed_on}"


class DecisionChainMember(KamModel):
    """决策链成员 — a contact's role and influence in one deal's buying decision."""

    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="decision_chain",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        related_name="decision_chains",
    )
    role = models.CharField(_("role"), max_length=20, choices=DecisionRole.choices, blank=True)
    influence = models.PositiveSmallIntegerField(_("influence"), default=1, help_text="1–5")

    visibility = (Via("opportunity", "pipeline.Opportunity"),)

    class Meta:
        ordering = ["opportunity", "-influence"]
        verbose_name = _("decision-chain member")
        verbose_name_plural = _("decision chain")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "contact"], name="decision_chain_unique"
            ),
            within("influence", 1, 5, name="decision_chain_influence_range"),
            one_of(
                "role", DecisionRole.choices, name="decision_chain_role_valid", allow_blank=True
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} · {self.contact}"

    def clean(self):
        super().clean()
        ensure_same_customer(
            self.contact,
            self.opportunity,
            field="contact",
            message=_("The contact must belong to the opportunity's customer."),
        )


class ActivityType(models.TextChoices):
    VISIT = "visit", _("Visit")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("Email")
    DEMO = "demo", _("Demo")
    DINNER = "dinner", _("Dinner")
    OTHER = "other", _("Other")


class ActivityAttitude(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Activity(KamModel):
    """活动 — a visit, call, meeting … with the contacts met and their attitude."""

    Type = ActivityType
    Attitude = ActivityAttitude
    code = code_field()
    type = models.CharField(_("type"), max_length=10, choices=ActivityType.choices)
    occurred_on = models.DateField(_("occurred on"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our participants"),
        blank=True,
        related_name="joined_activities",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("contacts met"), blank=True, related_name="activities"
    )
    summary = models.TextField(_("summary"), blank=True)
    attitude = models.CharField(
        _("customer attitude"), max_length=10, choices=ActivityAttitude.choices, blank=True
    )
    next_step = models.CharField(_("next step"), max_length=500, blank=True)

    visibility = (
        Owner("owner"),
        Served("customer"),
        Via("opportunity", "pipeline.Opportunity"),
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            one_of("type", ActivityType.choices, name="activity_type_valid"),
            one_of(
                "attitude",
                ActivityAttitude.choices,
                name="activity_attitude_valid",
                allow_blank=True,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_type_display()} {self.customer or ''}".strip()

    def clean(self):
        super().clean()
        ensure_same_customer(
            self.opportunity,
            self,
            field="opportunity",
            message=_("The opportunity belongs to another customer."),
        )
