from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.models import KamModel, code_field, money, not_negative, one_of, within
from kam.core.visibility import Everyone, Linked, Owner, Served, Via


class Stage(KamModel):
    """销售阶段 — a step of the deal process, in order (立项 → 需求分析 → … → 签约)."""

    code = code_field()
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    probability = models.PositiveSmallIntegerField(
        _("win probability %"), default=0, help_text="0–100"
    )

    visibility = (Everyone(),)

    class Meta:
        ordering = ["order"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [within("probability", 0, 100, name="stage_probability_range")]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class TaskTemplateSet(KamModel):
    """任务模板集 — the stage tasks a tier's deals follow."""

    code = code_field()
    name = models.CharField(_("name"), max_length=200)
    is_default = models.BooleanField(_("default set"), default=False)

    visibility = (Everyone(),)

    class Meta:
        ordering = ["code"]
        verbose_name = _("task template set")
        verbose_name_plural = _("task template sets")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_task_template_set",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.TextChoices):
    SALES = "sales", _("Sales")
    PRESALES = "presales", _("Presales")
    FINANCE = "finance", _("Finance")
    SUPPLY_CHAIN = "supply_chain", _("Supply chain")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")
    LEGAL = "legal", _("Legal")
    MANAGEMENT = "management", _("Management")


class TaskTemplate(KamModel):
    """任务模板 — what to do in a stage, to what standard, by whom; gates may block the stage."""

    template_set = models.ForeignKey(
        TaskTemplateSet,
        verbose_name=_("template set"),
        on_delete=models.CASCADE,
        related_name="templates",
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="task_templates"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title_zh = models.CharField(_("Chinese title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200)
    behaviour_standard = models.TextField(_("behaviour standard"), blank=True)
    expected_result = models.TextField(_("expected result"), blank=True)
    responsible = models.CharField(
        _("responsible department"), max_length=20, choices=Department.choices
    )
    due_offset_days = models.PositiveSmallIntegerField(_("due after (days)"), default=7)
    is_gate = models.BooleanField(_("gates the next stage"), default=False)

    visibility = (Everyone(),)

    class Meta:
        ordering = ["template_set", "stage__order", "order"]
        verbose_name = _("task template")
        verbose_name_plural = _("task templates")
        constraints = [
            one_of("responsible", Department.choices, name="task_template_responsible_valid"),
            models.UniqueConstraint(
                fields=["template_set", "stage", "order"], name="task_template_order_unique"
            ),
        ]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        return self.title_zh if (get_language() or "").startswith("zh") else self.title_en


class Competitor(KamModel):
    """竞争对手 — a company we meet in deals."""

    code = code_field()
    name = models.CharField(_("name"), max_length=200)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)

    visibility = (Everyone(),)

    class Meta:
        ordering = ["code"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    NURTURING = "nurturing", _("Nurturing")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")


class Lead(KamModel):
    """线索 — a possible deal, qualified by the three TAS+ questions before it becomes one."""

    Status = LeadStatus
    code = code_field()
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="leads",
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    created_on = models.DateField(_("created on"))
    status = models.CharField(_("status"), max_length=15, choices=LeadStatus.choices)
    disqualified_on = models.DateField(_("disqualified on"), null=True, blank=True)
    disqualify_reason = models.CharField(_("disqualification reason"), max_length=500, blank=True)
    estimated_presales_cost = money(_("estimated presales cost"), null=True, blank=True)
    opportunity = models.OneToOneField(
        "pipeline.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead",
    )
    # The three TAS+ qualification questions, each answered with evidence.
    worth_winning = models.BooleanField(_("worth winning?"), null=True, blank=True)
    worth_winning_evidence = models.TextField(_("evidence: worth winning"), blank=True)
    real_opportunity = models.BooleanField(_("a real opportunity?"), null=True, blank=True)
    real_opportunity_evidence = models.TextField(_("evidence: real opportunity"), blank=True)
    can_compete = models.BooleanField(_("can we compete?"), null=True, blank=True)
    can_compete_evidence = models.TextField(_("evidence: can compete"), blank=True)

    visibility = (Owner("owner"), Served("customer"))

    class Meta:
        ordering = ["-created_on", "code"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            one_of("status", LeadStatus.choices, name="lead_status_valid"),
            not_negative("estimated_presales_cost", name="lead_presales_cost_not_negative"),
            models.CheckConstraint(
                condition=models.Q(status="disqualified", disqualified_on__isnull=False)
                | (~models.Q(status="disqualified") & models.Q(disqualified_on__isnull=True)),
                name="lead_disqualified_on_iff_disqualified",
            ),
            models.CheckConstraint(
                condition=models.Q(disqualified_on__isnull=True)
                | models.Q(disqualified_on__gte=models.F("created_on")),
                name="lead_disqualified_after_created",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        errors = {}
        if self.status == self.Status.DISQUALIFIED and not self.disqualified_on:
            errors["disqualified_on"] = _("Required when the lead is disqualified.")
        if self.status != self.Status.DISQUALIFIED and self.disqualified_on:
            errors["disqualified_on"] = _("Only a disqualified lead has this date.")
        if self.disqualified_on and self.created_on and self.disqualified_on < self.created_on:
            errors["disqualified_on"] = _("Cannot be before the lead was created.")
        if errors:
            raise ValidationError(errors)


class OpportunityOrigin(models.TextChoices):
    CAPTURED = "captured", _("Captured")
    INCUBATED = "incubated", _("Incubated")
    OTHER = "other", _("Other")


class OpportunityReviewStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    ESTABLISHED = "established", _("Established")
    REJECTED = "rejected", _("Rejected")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Opportunity(KamModel):
    """商机 — a deal, from establishment review (立项) through the stages to won or lost."""

    Origin = OpportunityOrigin
    ReviewStatus = OpportunityReviewStatus
    Status = OpportunityStatus
    code = code_field()
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    origin = models.CharField(
        _("origin"), max_length=10, choices=OpportunityOrigin.choices, blank=True
    )
    amount = money(_("amount"))
    created_on = models.DateField(_("created on"))
    expected_close_on = models.DateField(_("expected close"), null=True, blank=True)
    review_status = models.CharField(
        _("review status"),
        max_length=12,
        choices=OpportunityReviewStatus.choices,
        default=ReviewStatus.PENDING,
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    rejected_on = models.DateField(_("rejected on"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    status = models.CharField(
        _("status"), max_length=5, choices=OpportunityStatus.choices, default=Status.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    estimated_presales_cost = money(_("estimated presales cost"), null=True, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=500, blank=True)
    winning_competitor = models.ForeignKey(
        Competitor,
        verbose_name=_("won by competitor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    competitors = models.ManyToManyField(
        Competitor,
        verbose_name=_("competitors"),
        through="OpportunityCompetitor",
        blank=True,
        related_name="opportunities",
    )

    visibility = (
        Owner("owner"),
        Served("customer"),
        Linked("presales.PresalesAssignment", "opportunity"),
    )

    class Meta:
        ordering = ["-created_on", "code"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            one_of(
                "origin",
                OpportunityOrigin.choices,
                name="opportunity_origin_valid",
                allow_blank=True,
            ),
            one_of(
                "review_status", OpportunityReviewStatus.choices, name="opportunity_review_valid"
            ),
            one_of("status", OpportunityStatus.choices, name="opportunity_status_valid"),
            not_negative("amount", name="opportunity_amount_not_negative"),
            not_negative("estimated_presales_cost", name="opportunity_cost_not_negative"),
            models.CheckConstraint(
                condition=models.Q(review_status="established", established_on__isnull=False)
                | (~models.Q(review_status="established") & models.Q(established_on__isnull=True)),
                name="opportunity_established_on_iff_established",
            ),
            models.CheckConstraint(
                condition=models.Q(review_status="rejected", rejected_on__isnull=False)
                | (~models.Q(review_status="rejected") & models.Q(rejected_on__isnull=True)),
                name="opportunity_rejected_on_iff_rejected",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_on__isnull=True)
                | models.Q(status__in=["won", "lost"], closed_on__isnull=False),
                name="opportunity_closed_on_iff_closed",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(review_status="established"),
                name="opportunity_closed_only_if_established",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(established_on__isnull=True)
                | models.Q(closed_on__gte=models.F("established_on")),
                name="opportunity_closed_after_established",
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{day}__isnull": True})
                    | models.Q(**{f"{day}__gte": models.F("created_on")}),
                    name=f"opportunity_{day}_after_created",
                )
                for day in ("established_on", "rejected_on", "closed_on")
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        errors: dict[str, str] = {}
        established = self.review_status == self.ReviewStatus.ESTABLISHED
        if established and not self.established_on:
            errors["established_on"] = _("Required once the establishment review has passed.")
        if not established and self.established_on:
            errors["established_on"] = _("Only an established opportunity has this date.")
        rejected = self.review_status == self.ReviewStatus.REJECTED
        if rejected and not self.rejected_on:
            errors["rejected_on"] = _("Required when the establishment review rejected it.")
        if not rejected and self.rejected_on:
            errors["rejected_on"] = _("Only a rejected opportunity has this date.")
        closed = self.status in (self.Status.WON, self.Status.LOST)
        if closed and not self.closed_on:
            errors["closed_on"] = _("Required for a won or lost opportunity.")
        if not closed and self.closed_on:
            errors["closed_on"] = _("Only a won or lost opportunity has this date.")
        if closed and not established:
            errors["status"] = _("Only an established opportunity can be won or lost.")
        for field in ("established_on", "rejected_on", "closed_on"):
            day = getattr(self, field)
            if day and self.created_on and day < self.created_on and field not in errors:
                errors[field] = _("Cannot be before the opportunity was created.")
        if (
            self.closed_on
            and self.established_on
            and self.closed_on < self.established_on
            and "closed_on" not in errors
        ):
            errors["closed_on"] = _("Cannot be before the opportunity was established.")
        if errors:
            raise ValidationError(errors)


class OpportunityCompetitorThreat(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class OpportunityCompetitor(KamModel):
    """商机竞争对手 — a competitor in one deal: their strategy, whom they talk to, the threat."""

    Threat = OpportunityCompetitorThreat
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="competitor_entries",
    )
    competitor = models.ForeignKey(
        Competitor,
        verbose_name=_("competitor"),
        on_delete=models.PROTECT,
        related_name="deal_entries",
    )
    strategy = models.TextField(_("their strategy"), blank=True)
    talking_to = models.CharField(_("whom they talk to"), max_length=500, blank=True)
    threat = models.CharField(
        _("threat level"), max_length=10, choices=OpportunityCompetitorThreat.choices, blank=True
    )

    visibility = (Via("opportunity", "pipeline.Opportunity"),)

    class Meta:
        ordering = ["opportunity", "competitor"]
        verbose_name = _("competitor in deal")
        verbose_name_plural = _("competitors in deals")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "competitor"], name="opportunity_competitor_unique"
            ),
            one_of(
                "threat",
                OpportunityCompetitorThreat.choices,
                name="opportunity_competitor_threat_valid",
                allow_blank=True,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} · {self.competitor}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    WAIVED = "waived", _("Waived")


class Task(KamModel):
    """阶段任务 — a stage task of one deal, routed to a person or department."""

    Status = TaskStatus
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    template = models.ForeignKey(
        TaskTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="tasks"
    )
    title = models.CharField(_("title"), max_length=200)
    responsible = models.CharField(
        _("responsible department"), max_length=20, choices=Department.choices
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    is_gate = models.BooleanField(_("gates the next stage"), default=False)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=Status.OPEN
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    visibility = (Owner("assignee"), Via("opportunity", "pipeline.Opportunity"))

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            one_of("status", TaskStatus.choices, name="task_status_valid"),
            one_of("responsible", Department.choices, name="task_responsible_valid"),
        ]

    def __str__(self) -> str:
        return self.title


class BidResult(models.TextChoices):
    PREPARING = "preparing", _("Preparing")
    SUBMITTED = "submitted", _("Submitted")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    CANCELLED = "cancelled", _("Cancelled")


class Bid(KamModel):
    """投标 — a tender: deadline, bond, our price, the documents to prepare, the result."""

    Result = BidResult
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="bids",
    )
    title = models.CharField(_("title"), max_length=200)
    deadline = models.DateTimeField(_("deadline"))
    bond = money(_("bid bond"), null=True, blank=True)
    price = money(_("our price"), null=True, blank=True)
    result = models.CharField(
        _("result"), max_length=10, choices=BidResult.choices, default=Result.PREPARING
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)

    visibility = (Via("opportunity", "pipeline.Opportunity"),)

    class Meta:
        ordering = ["deadline"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            one_of("result", BidResult.choices, name="bid_result_valid"),
            not_negative("bond", name="bid_bond_not_negative"),
            not_negative("price", name="bid_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title


class BidDocument(KamModel):
    """投标文件 — an item on a bid's document checklist, with its owner."""

    bid = models.ForeignKey(
        Bid, verbose_name=_("bid"), on_delete=models.CASCADE, related_name="documents"
    )
    name = models.CharField(_("document"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done = models.BooleanField(_("done"), default=False)

    visibility = (Via("bid", "pipeline.Bid"), Owner("owner"))

    class Meta:
        ordering = ["bid", "id"]
        verbose_name = _("bid document")
        verbose_name_plural = _("bid documents")
        constraints = [models.UniqueConstraint(fields=["bid", "name"], name="bid_document_unique")]

    def __str__(self) -> str:
        return self.name
