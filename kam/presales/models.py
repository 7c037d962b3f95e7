from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.models import KamModel, within
from kam.core.visibility import Owner, Via


class PresalesAssignment(KamModel):
    """售前分配 — a presales engineer assigned to a deal."""

    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="presales_assignments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("presales engineer"),
        on_delete=models.PROTECT,
        related_name="presales_assignments",
    )
    role = models.CharField(_("role"), max_length=100, blank=True)
    assigned_on = models.DateField(_("assigned on"), null=True, blank=True)

    visibility = (Owner("user"), Via("opportunity", "pipeline.Opportunity"))

    class Meta:
        ordering = ["opportunity", "user"]
        verbose_name = _("presales assignment")
        verbose_name_plural = _("presales assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "user"], name="presales_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} · {self.user}"


class TimeEntry(KamModel):
    """售前工时 — hours a person worked on a deal on one day; confirmed by the deal's owner."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    worked_on = models.DateField(_("worked on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    visibility = (Owner("user"), Via("opportunity", "pipeline.Opportunity"))

    class Meta:
        ordering = ["-worked_on", "user"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "opportunity", "worked_on"], name="time_entry_one_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gt=0, hours__lte=24), name="time_entry_hours_range"
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed=True) | models.Q(confirmed_by__isnull=True),
                name="time_entry_confirmed_by_only_if_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.worked_on} {self.hours}h"

    def clean(self):
        super().clean()
        if self.confirmed_by_id and not self.confirmed:
            raise ValidationError(
                {"confirmed_by": _("Only a confirmed entry names who confirmed it.")}
            )
        if self.hours is not None and not (0 < self.hours <= 24):
            raise ValidationError({"hours": _("Hours must be above 0 and at most 24.")})
        if self.user_id and self.worked_on and not self.user.employed_on(self.worked_on):
            raise ValidationError(
                {"worked_on": _("%(user)s was not employed on this day.") % {"user": self.user}}
            )


class Rating(KamModel):
    """售前评分 — a score (0–100) given to a presales engineer's work on a deal."""

    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    rated_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated person"),
        on_delete=models.PROTECT,
        related_name="ratings_received",
    )
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        on_delete=models.PROTECT,
        related_name="ratings_given",
    )
    rated_on = models.DateField(_("rated on"))
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)

    visibility = (
        Owner("rated_user"),
        Owner("rater"),
        Via("opportunity", "pipeline.Opportunity"),
    )

    class Meta:
        ordering = ["-rated_on"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "rated_user", "rater", "rated_on"], name="rating_unique"
            ),
            within("score", 0, 100, name="rating_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.rated_user} {self.score}"
