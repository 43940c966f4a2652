"""Visiting care teams (探访关爱服务队伍): teams, members, pairings (结对), visit frequencies as
dated data, visit records and community activities. Nothing here is deleted: members leave,
pairings end, teams are switched off."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessments.choices import Group, Tier
from core.concurrency import version_field
from core.scoping import VIEW, scoped_queryset
from households.models import Household

from . import choices as c
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
    team_type = models.CharField(
        _("队伍类型"), max_length=16, choices=c.TeamType.choices, default=c.TeamType.COMMUNITY
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责工作人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_teams",
        help_text=_("逾期探访提醒发到此人的“我的待办”。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = version_field()

    objects = TeamQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("探访服务队")
        verbose_name_plural = _("探访服务队")
        ordering = ["division__code", "name"]

    def __str__(self):
        return self.name


class MemberQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        return self.filter(team__in=Team.objects.restrict(user, action))


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
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    is_active = models.BooleanField(_("在队"), default=True)
    version = version_field()

    objects = MemberQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["phone_encrypted"])

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

    def set_phone(self, phone: str) -> None:
        from core import idnumber

        self.phone_encrypted = idnumber.encrypt(phone) if phone else ""
        self.phone_masked = idnumber.mask_phone(phone) if phone else ""


class Pairing(models.Model):
    """A team paired (结对) with a household from a date; ended pairings are kept, never deleted."""

    team = models.ForeignKey(Team, verbose_name=_("队伍"), on_delete=models.PROTECT, related_name="pairings")
    household = models.ForeignKey(
        "households.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="pairings"
    )
    member = models.ForeignKey(
        TeamMember,
        verbose_name=_("结对队员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairings",
        help_text=_("留空表示整支队伍结对。"),
    )
    started_on = models.DateField(_("结对日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    version = version_field()

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
        if self.member_id and self.member.team_id != self.team_id:
            raise ValidationError({"member": _("该队员不属于所选队伍。")})

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class VisitFrequency(models.Model):
    """How often a group and risk tier is visited, in force from a date (a local policy parameter,
    domain.md section 6). The row in force for a day is the latest with effective_from <= that day."""

    group = models.CharField(_("分类"), max_length=16, choices=Group.choices)
    tier = models.CharField(_("风险等级"), max_length=16, choices=Tier.choices, blank=True, default="")
    interval_days = models.PositiveSmallIntegerField(
        _("探访周期（天）"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    effective_from = models.DateField(_("生效日期"))
    note = models.CharField(_("依据/说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("探访频次")
        verbose_name_plural = _("探访频次")
        ordering = ["group", "tier", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["group", "tier", "effective_from"], name="frequency_once_per_day")
        ]

    def __str__(self):
        return f"{self.get_group_display()} {self.get_tier_display()}: {self.interval_days}"


class VisitQuerySet(scoped_queryset("household__")):
    pass


class Visit(models.Model):
    """One visit (探访) to a household. Services are child rows so that person-times are counted
    by the database; a problem found may open a need in the needs ledger (``need``)."""

    household = models.ForeignKey(
        "households.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="visits"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("队伍"), on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    visited_on = models.DateField(_("探访日期"))
    method = models.CharField(_("探访方式"), max_length=8, choices=c.VisitMethod.choices)
    members = models.ManyToManyField(
        TeamMember, verbose_name=_("探访队员"), blank=True, related_name="visits"
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("探访工作人员"), blank=True, related_name="visits"
    )
    health = models.CharField(_("健康状况"), max_length=8, choices=c.Health.choices, default=c.Health.GOOD)
    electricity = models.CharField(
        _("用电安全"), max_length=10, choices=c.Check.choices, default=c.Check.SAFE
    )
    gas = models.CharField(_("燃气安全"), max_length=10, choices=c.Check.choices, default=c.Check.SAFE)
    fire = models.CharField(_("消防安全"), max_length=10, choices=c.Check.choices, default=c.Check.SAFE)
    carers_ok = models.BooleanField(_("赡养/监护人尽责"), null=True, blank=True)
    problems = models.TextField(_("发现的问题"), blank=True, validators=[MaxLengthValidator(2000)])
    need = models.ForeignKey(
        "assistance.Need",
        verbose_name=_("登记的需求"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    next_due_on = models.DateField(_("下次探访日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True, validators=[MaxLengthValidator(2000)])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now, editable=False)
    # Sent by the phone form with each draft: a second send of the same draft finds this row.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    version = version_field()

    objects = VisitQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["idempotency_key"])

    class Meta:
        verbose_name = _("探访记录")
        verbose_name_plural = _("探访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["household", "-visited_on"]),
            # Ranges of days in the list's order (newest first, then id): a page of a year's
            # 2.4M visits reads 25 entries, no sort (visits 0010 replaced a visited_on index).
            models.Index(fields=["visited_on", "id"], name="visit_visited_on_id"),
            # Few visits name a next date: the "next date passed" set reads only those.
            models.Index(
                fields=["next_due_on"], condition=Q(next_due_on__isnull=False), name="visit_next_due"
            ),
        ]

    def __str__(self):
        return f"{self.visited_on} {self.get_method_display()}"

    @property
    def service_codes(self) -> list[str]:
        return [s.service for s in self.services.all()]

    @property
    def all_safe(self) -> bool:
        return all(v != c.Check.HAZARD for v in (self.electricity, self.gas, self.fire))


class VisitService(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="services")
    service = models.CharField(_("服务内容"), max_length=16, choices=c.Service.choices)

    class Meta:
        verbose_name = _("服务内容")
        constraints = [models.UniqueConstraint(fields=["visit", "service"], name="service_once_per_visit")]
        indexes = [models.Index(fields=["service", "visit"])]

    def __str__(self):
        return self.get_service_display()


class ActivityQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        from core.scoping import area_q

        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_volunteer:
            teams = Team.objects.restrict(user)
            return self.filter(organiser_team__in=teams) if action == VIEW else self.none()
        # An activity is no household: the case roles, whose reach is a set of households, see none.
        area = area_q(user, "", action, households=False)
        return self.filter(area) if area.children else self.all()


class Activity(models.Model):
    """A community activity (health talk, legal advice, check-up, 书画/剪纸/唱歌)."""

    title = models.CharField(_("活动名称"), max_length=100)
    kind = models.CharField(_("活动类型"), max_length=16, choices=c.ActivityKind.choices)
    held_on = models.DateField(_("活动日期"))
    place = models.CharField(_("活动地点"), max_length=200)
    town = models.ForeignKey(
        "households.Division",
        verbose_name=_("镇街"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    community = models.ForeignKey(
        "households.Division",
        verbose_name=_("村（社区）"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    organiser_team = models.ForeignKey(
        Team,
        verbose_name=_("组织队伍"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
    )
    organiser_provider = models.ForeignKey(
        "assistance.Provider",
        verbose_name=_("组织机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
    )
    participants = models.ManyToManyField(
        "households.Person", verbose_name=_("登记对象参与者"), blank=True, related_name="activities"
    )
    other_count = models.PositiveIntegerField(
        _("其他参与人数"), default=0, validators=[MaxValueValidator(100000)]
    )
    note = models.TextField(_("备注"), blank=True, validators=[MaxLengthValidator(2000)])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now, editable=False)
    version = version_field()

    objects = ActivityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("社区活动")
        verbose_name_plural = _("社区活动")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["town", "held_on"]), models.Index(fields=["community", "held_on"])]

    def __str__(self):
        return self.title

    def clean(self):
        if self.community_id and self.community.level != "community":
            raise ValidationError({"community": _("请选择一个村（社区）。")})
        if not (self.organiser_team_id or self.organiser_provider_id):
            raise ValidationError({"organiser_team": _("请选择组织队伍或组织机构。")})

    def save(self, *args, **kwargs):
        if self.community_id:
            self.town_id = (
                type(self.community).objects.values_list("parent_id", flat=True).get(pk=self.community_id)
            )
        super().save(*args, **kwargs)


class VisitHousehold(Household):
    """The households behind the visit queues and coverage figures (those in a group that
    requires visits): a list of its own, not the whole registry."""

    class Meta:
        proxy = True
        verbose_name = _("需探访家庭")
        verbose_name_plural = _("需探访家庭")


class ScheduleQuerySet(scoped_queryset("household__")):
    area_prefix = ""  # the row carries its household's town and community: no join to scope
    # A volunteer sees the rows of their paired households (when each is due), nothing else;
    # the queue and coverage pages stay closed to them (NoVolunteers).
    volunteers_see = True


class HouseholdSchedule(models.Model):
    """What visits/schedule.py computes for one household that requires visits, kept as a row so
    that queues and coverage read an index instead of recomputing the city (visits.services
    .schedule_refresh writes it, set-based, inside each writing transaction; a nightly task redoes
    all). Dates only: "overdue" (due_on < today) and "visited this month" (last_visit_on >= the
    1st) are compared when read, so the rows need not change as days pass. No history: derived."""

    household = models.OneToOneField(
        "households.Household",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="visit_schedule",
        verbose_name=_("家庭"),
    )
    town = models.ForeignKey("households.Division", on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("households.Division", on_delete=models.CASCADE, related_name="+")
    paired = models.BooleanField(_("已结对"))
    paired_on = models.DateField(_("结对日期"), null=True)
    interval_days = models.PositiveSmallIntegerField(_("探访周期（天）"), null=True)
    last_visit_on = models.DateField(_("上次探访"), null=True)
    next_due_on = models.DateField(_("下次探访日期"), null=True)  # set by the last visitor
    event_on = models.DateField(_("重大事件日期"), null=True)  # the earliest one left unvisited
    elderly = models.BooleanField(_("特殊困难老年人"))
    due_on = models.DateField(_("应探访日期"), null=True)
    due_reason = models.CharField(_("原因"), max_length=8, choices=c.DueReason.choices)
    refreshed_at = models.DateTimeField()

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        verbose_name = _("探访计划")
        verbose_name_plural = _("探访计划")
        indexes = [
            models.Index(fields=["town", "due_on"], name="schedule_town_due"),
            models.Index(fields=["community", "due_on"], name="schedule_community_due"),
            # The queues (overdue, due soon) of a town, a community or the city: paired rows in
            # the order the page shows them, so a page (and a keyset page however deep) reads
            # 25 index entries. Paired rows always have a due date.
            models.Index(
                fields=["town", "due_on", "household"], condition=Q(paired=True), name="schedule_town_queue"
            ),
            models.Index(
                fields=["community", "due_on", "household"],
                condition=Q(paired=True),
                name="schedule_community_queue",
            ),
            models.Index(
                fields=["due_on", "household"], condition=Q(paired=True), name="schedule_city_queue"
            ),
            # Every household requiring visits, paired or not (the dashboard's 需探访 number links
            # to them): the city's list in its order without sorting 360k rows at 1M persons.
            models.Index(fields=["due_on", "household"], name="schedule_city_due"),
        ]

    def __str__(self):
        return f"{self.household_id}: {self.due_on}"
