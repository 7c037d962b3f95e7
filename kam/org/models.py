from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.models import KamModel, code_field, money, not_negative, one_of
from kam.core.visibility import Everyone, InTeams, Owner, VisibleQuerySet, Where


class Region(KamModel):
    """区域 — a sales region; regions may nest."""

    code = code_field()
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    visibility = (Everyone(),)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Team(KamModel):
    """团队 — a team inside a region; teams nest (a region head's team holds the others)."""

    code = code_field()
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="teams"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    visibility = (Everyone(),)

    class Meta:
        ordering = ["code"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    SALES = "sales", _("Sales")
    KAM = "kam", _("Key account manager")
    PRESALES = "presales", _("Presales")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")
    MANAGER = "manager", _("Manager")
    EXECUTIVE = "executive", _("Executive")
    ADMIN = "admin", _("Administrator")


class KamUserManager(UserManager.from_queryset(VisibleQuerySet)):
    pass


class User(AbstractUser):
    """用户 — a person in the sales organisation, with one role and one team."""

    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SALES)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    hourly_cost = money(_("hourly cost"), null=True, blank=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = KamUserManager()
    # The directory is readable by every signed-in user (pickers, account teams); what a
    # user owns is scoped on the owning records, not here.
    visibility = (Everyone(),)
    audit_exclude = ("password", "last_login", "updated_at", "version")

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            one_of("role", Role.choices, name="user_role_valid"),
            not_negative("hourly_cost", name="user_hourly_cost_not_negative"),
            models.CheckConstraint(
                condition=models.Q(joined_on__isnull=True)
                | models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="user_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.joined_on and self.left_on and self.left_on < self.joined_on:
            raise ValidationError({"left_on": _("A user cannot leave before joining.")})
        self._check_time_entries_within_employment()

    def _check_time_entries_within_employment(self):
        """Hours are logged only while employed (DATASET.md); a change of the employment dates
        may not strand hours already logged outside it."""
        from django.core.exceptions import ValidationError

        if self.pk is None:
            return
        entries = self.time_entries.order_by("worked_on")
        for field, outside in (
            ("joined_on", entries.filter(worked_on__lt=self.joined_on) if self.joined_on else None),
            ("left_on", entries.filter(worked_on__gt=self.left_on) if self.left_on else None),
        ):
            if outside is None:
                continue
            days = list(outside.values_list("worked_on", flat=True)[:1])
            if days:
                raise ValidationError(
                    {
                        field: _(
                            "%(count)s time entries fall outside this employment (the first on "
                            "%(day)s); move or delete them first."
                        )
                        % {"count": outside.count(), "day": days[0].isoformat()}
                    }
                )

    def employed_on(self, day) -> bool:
        return (self.joined_on is None or self.joined_on <= day) and (
            self.left_on is None or day <= self.left_on
        )


class Measure(models.TextChoices):
    CONTRACT_AMOUNT = "contract_amount", _("Contract amount")
    PAYMENT_AMOUNT = "payment_amount", _("Payment amount")
    WON_AMOUNT = "won_amount", _("Won amount")
    NEW_OPPORTUNITIES = "new_opportunities", _("New opportunities")
    VISITS = "visits", _("Visits")


class TargetScope(models.TextChoices):
    ORG = "org", _("Company")
    REGION = "region", _("Region")
    TEAM = "team", _("Team")
    USER = "user", _("User")


class Target(KamModel):
    """目标 — a goal for the company, a region, a team or a user, for a year, quarter or month."""

    Scope = TargetScope
    scope = models.CharField(_("scope"), max_length=10, choices=TargetScope.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.CASCADE
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE
    )
    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    period = models.CharField(_("period"), max_length=10, help_text=_("2025, 2025Q3 or 2025-07"))
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)

    visibility = (Owner("user"), InTeams("team"), Where(models.Q(scope__in=["org", "region"])))

    class Meta:
        ordering = ["period", "scope", "measure"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            one_of("scope", TargetScope.choices, name="target_scope_valid"),
            one_of("measure", Measure.choices, name="target_measure_valid"),
            not_negative("value", name="target_value_not_negative"),
            models.CheckConstraint(
                condition=(
                    models.Q(scope="org", region__isnull=True, team__isnull=True, user__isnull=True)
                    | models.Q(
                        scope="region", region__isnull=False, team__isnull=True, user__isnull=True
                    )
                    | models.Q(
                        scope="team", region__isnull=True, team__isnull=False, user__isnull=True
                    )
                    | models.Q(
                        scope="user", region__isnull=True, team__isnull=True, user__isnull=False
                    )
                ),
                name="target_scope_matches_reference",
            ),
            models.UniqueConstraint(
                fields=["period", "measure"],
                condition=models.Q(scope="org"),
                name="target_unique_org",
            ),
            models.UniqueConstraint(
                fields=["region", "period", "measure"],
                condition=models.Q(scope="region"),
                name="target_unique_region",
            ),
            models.UniqueConstraint(
                fields=["team", "period", "measure"],
                condition=models.Q(scope="team"),
                name="target_unique_team",
            ),
            models.UniqueConstraint(
                fields=["user", "period", "measure"],
                condition=models.Q(scope="user"),
                name="target_unique_user",
            ),
        ]

    def __str__(self) -> str:
        holder = self.user or self.team or self.region or _("Company")
        return f"{holder} {self.period} {self.get_measure_display()}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from kam.core.periods import parse_period

        super().clean()
        try:
            kind = parse_period(self.period).kind
        except ValueError as exc:
            raise ValidationError({"period": str(exc)}) from exc
        if kind == "custom":  # targets are set per year, quarter or month (DATASET.md)
            raise ValidationError({"period": _("Use a year (2025), quarter (2025Q3) or month.")})
        needed = {"region": self.region_id, "team": self.team_id, "user": self.user_id}
        for scope, ref in needed.items():
            if self.scope == scope and not ref:
                raise ValidationError({scope: _("Required for a target of this scope.")})
            if self.scope != scope and ref:
                raise ValidationError({scope: _("Only a target of scope %s names this.") % scope})


class WorkingCalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKDAY = "workday", _("Working day")


class WorkingCalendarDay(KamModel):
    """工作日历 — a public holiday, or a weekend day worked instead (调休)."""

    Kind = WorkingCalendarDayKind
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=WorkingCalendarDayKind.choices)

    visibility = (Everyone(),)

    class Meta:
        ordering = ["date"]
        verbose_name = _("working-calendar day")
        verbose_name_plural = _("working calendar")
        constraints = [one_of("kind", WorkingCalendarDayKind.choices, name="calendar_kind_valid")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
