"""Visiting care teams (探访关爱服务队伍). This issue needs teams, members and pairings so that a
volunteer sees only the households their team is paired with; visit records come later."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import VIEW, scoped_queryset

from .choices import MemberType


class TeamQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        from households.models import Division

        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_volunteer:
            return self.filter(members__user=user).distinct() if action == VIEW else self.none()
        if action != VIEW and not user.can_write:
            return self.none()
        return self.filter(division__in=Division.objects.restrict(user))


class Team(models.Model):
    name = models.CharField(_("队伍名称"), max_length=100)
    division = models.ForeignKey(
        "households.Division", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="teams"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("探访服务队")
        verbose_name_plural = _("探访服务队")
        ordering = ["division__code", "name"]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, verbose_name=_("队伍"), on_delete=models.PROTECT, related_name="members")
    name = models.CharField(_("姓名"), max_length=50)
    member_type = models.CharField(_("成员类型"), max_length=24, choices=MemberType.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统账号"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="team_memberships",
    )
    is_active = models.BooleanField(_("在队"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"], condition=Q(user__isnull=False), name="member_once_per_team"
            )
        ]

    def __str__(self):
        return self.name


class Pairing(models.Model):
    """A team paired (结对) with a household from a date; ended pairings are kept, never deleted."""

    team = models.ForeignKey(Team, verbose_name=_("队伍"), on_delete=models.PROTECT, related_name="pairings")
    household = models.ForeignKey(
        "households.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="pairings"
    )
    started_on = models.DateField(_("结对日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    objects = scoped_queryset("household__").as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("结对关系")
        verbose_name_plural = _("结对关系")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "household"], condition=Q(ended_on__isnull=True), name="one_open_pairing"
            )
        ]

    def __str__(self):
        return f"{self.team} ↔ {self.household_id}"

    def clean(self):
        if self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("结束日期不能早于结对日期。")})
