from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.models import KamModel, one_of
from kam.core.visibility import Everyone, Via


class ScoringModelKind(models.TextChoices):
    TIER = "tier", _("Tier")
    CLASS = "class", _("Resource class")
    HEALTH = "health", _("Health")


class ScoringModel(KamModel):
    """评分模型 — a versioned composite-score model (tier, resource class or health)."""

    Kind = ScoringModelKind
    key = models.SlugField(_("key"), max_length=64)
    model_version = models.PositiveIntegerField(_("model version"))
    kind = models.CharField(_("kind"), max_length=10, choices=ScoringModelKind.choices)
    definition = models.JSONField(_("definition"))
    source = models.TextField(_("YAML source"))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    visibility = (Everyone(),)

    class Meta:
        ordering = ["key", "-model_version"]
        verbose_name = _("scoring model")
        verbose_name_plural = _("scoring models")
        constraints = [
            models.UniqueConstraint(fields=["key", "model_version"], name="scoring_model_version"),
            one_of("kind", ScoringModelKind.choices, name="scoring_model_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.model_version}"


class ScoringRun(KamModel):
    """评分运行 — scoring every customer with one model version as of a date."""

    model = models.ForeignKey(
        ScoringModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="runs"
    )
    as_of = models.DateField(_("as of"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triggered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    customer_count = models.PositiveIntegerField(_("customers scored"), default=0)

    visibility = (Everyone(),)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")

    def __str__(self) -> str:
        return f"{self.model} @ {self.as_of}"


class ScoringResult(KamModel):
    """评分结果 — one customer's score in a run: each indicator's value and points, the level."""

    run = models.ForeignKey(
        ScoringRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="results"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="scoring_results",
    )
    score = models.FloatField(_("score"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=20, blank=True)
    indicators = models.JSONField(_("indicators"), default=dict)

    visibility = (Via("customer", "customers.Customer"),)

    class Meta:
        ordering = ["run", "customer"]
        verbose_name = _("scoring result")
        verbose_name_plural = _("scoring results")
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="scoring_result_unique")
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.score} {self.level}"
