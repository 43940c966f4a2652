"""Employment help (困难家庭适龄劳动力就业兜底帮扶): profiles, trainings, public-welfare posts and
placements, job referrals with their outcomes, and the towns' survey contacts.

Everything about a person is scoped through the person's household (core.scoping); posts belong
to a town. The employment status itself is ``households.Person.employment``, the field the
screening rules read: this app changes it through the registry's service, so the database marks
the household for re-screening like any other edit.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.concurrency import version_field
from core.scoping import VIEW, scoped_queryset
from households.models import Household, Person

from . import choices as c


class PersonScoped(scoped_queryset("person__household__")):
    volunteers_see = False  # a visit needs none of this (minimum necessary, PIPL)
    area_prefix = "person__"  # the person row carries its town and community: no household join


class HouseholdScoped(scoped_queryset("household__")):
    volunteers_see = False


class Target(Person):
    """A person seen as a target of the drive (the list 就业帮扶对象 is of these, not of everyone)."""

    class Meta:
        proxy = True
        verbose_name = _("就业帮扶对象")
        verbose_name_plural = _("就业帮扶对象")


class SurveyHousehold(Household):
    """A household seen by the survey (the lists behind the survey page's numbers)."""

    class Meta:
        proxy = True
        verbose_name = _("摸排家庭")
        verbose_name_plural = _("摸排家庭")


class EmploymentProfile(models.Model):
    person = models.OneToOneField(
        "households.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="employment_profile",
    )
    education = models.CharField(_("文化程度"), max_length=16, choices=c.Education.choices, blank=True)
    skills = models.CharField(_("技能特长"), max_length=200, blank=True)
    intention = models.CharField(_("就业意向"), max_length=16, choices=c.Intention.choices, blank=True)
    desired_job = models.CharField(_("期望岗位"), max_length=100, blank=True)
    care_duties = models.BooleanField(_("需照料家人"), default=False)
    health_limits = models.BooleanField(_("健康原因受限"), default=False)
    barrier_note = models.CharField(_("就业障碍说明"), max_length=300, blank=True)
    note = models.TextField(_("备注"), blank=True, validators=[MaxLengthValidator(2000)])
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("最近填写人"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("最近更新"), default=timezone.now)
    version = version_field()

    objects = PersonScoped.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("就业情况")
        verbose_name_plural = _("就业情况")
        ordering = ["-updated_at", "-id"]

    def __str__(self):
        return str(self.person)

    @property
    def employment(self) -> str:
        """The registry's employment status (the screening rule input), edited with the profile."""
        return self.person.employment


class Training(models.Model):
    person = models.ForeignKey(
        "households.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="trainings"
    )
    course = models.CharField(_("培训项目"), max_length=100)
    organizer = models.CharField(_("培训机构"), max_length=100, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=c.TrainingStatus.choices, default=c.TrainingStatus.ENROLLED
    )
    certificate = models.CharField(_("取得证书"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    objects = PersonScoped.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("技能培训")
        verbose_name_plural = _("技能培训")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["-start_date", "-id"], name="training_list_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="training_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(end_date__isnull=False),
                name="training_completed_has_end",
            ),
        ]

    def __str__(self):
        return f"{self.course} · {self.person}"


class PostQuerySet(models.QuerySet):
    """Posts belong to a town: its workers (town and community) see them; town-level and city
    writers manage them. Volunteers see none."""

    def restrict(self, user, action: str = VIEW):
        if user is None or not user.is_authenticated or not user.is_active or user.is_volunteer:
            return self.none()
        if action != VIEW and not user.can_write:
            return self.none()
        if user.sees_whole_city:
            return self.all()
        division = user.division
        town = division.town if division is not None else None
        if town is None:
            return self.none()
        if action != VIEW and division.level != "town":
            return self.none()  # community workers place people; posts are the town's to manage
        return self.filter(town=town)


class Post(models.Model):
    """公益性岗位: a number of seats (capacity) with an employer, in a town."""

    town = models.ForeignKey(
        "households.Division", verbose_name=_("镇街"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("岗位名称"), max_length=100)
    employer = models.CharField(_("用人单位"), max_length=100)
    capacity = models.PositiveSmallIntegerField(
        _("岗位数"), validators=[MinValueValidator(1, _("岗位数至少为 1。")), MaxValueValidator(999)]
    )
    filled = models.PositiveSmallIntegerField(_("在岗人数"), default=0, editable=False)
    tenure_limit_months = models.PositiveSmallIntegerField(
        _("累计任职期限（月）"),
        default=36,
        validators=[MinValueValidator(1, _("任职期限至少 1 个月。")), MaxValueValidator(120)],
        help_text=_("同一人在公益性岗位累计任职不超过此期限"),
    )
    duties = models.TextField(_("岗位职责"), blank=True, validators=[MaxLengthValidator(2000)])
    is_active = models.BooleanField(_("招用中"), default=True)
    created_at = models.DateTimeField(_("设立时间"), default=timezone.now, editable=False)
    version = version_field()

    objects = PostQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("公益性岗位")
        verbose_name_plural = _("公益性岗位")
        ordering = ["town__code", "name", "id"]
        constraints = [
            # The seat counter is moved by conditional UPDATEs; the database refuses an over-fill.
            models.CheckConstraint(condition=Q(filled__lte=F("capacity")), name="post_not_overfilled"),
        ]

    def __str__(self):
        return f"{self.name}（{self.employer}）"

    @property
    def vacancies(self) -> int:
        return max(self.capacity - self.filled, 0)


class Placement(models.Model):
    post = models.ForeignKey(
        Post, verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="placements"
    )
    person = models.ForeignKey(
        "households.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="placements"
    )
    start_date = models.DateField(_("上岗日期"))
    planned_end = models.DateField(_("任职期满日期"))
    end_date = models.DateField(_("离岗日期"), null=True, blank=True)
    end_reason = models.CharField(_("离岗原因"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=c.PlacementStatus.choices, default=c.PlacementStatus.ACTIVE
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    objects = PersonScoped.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("公益性岗位安置")
        verbose_name_plural = _("公益性岗位安置")
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["status", "planned_end"]),
            models.Index(fields=["-start_date", "-id"], name="placement_list_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="active"), name="one_active_placement_per_person"
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("start_date")), name="placement_planned_end"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="placement_end_after",
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.post.name}"

    @property
    def is_due(self) -> bool:
        """In post past the tenure limit: the seat must be given up."""
        return self.status == c.PlacementStatus.ACTIVE and self.planned_end < timezone.localdate()


class Referral(models.Model):
    """A job recommendation or a social recruitment, and its outcome (employed, where, from when)."""

    person = models.ForeignKey(
        "households.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="referrals"
    )
    kind = models.CharField(_("方式"), max_length=16, choices=c.ReferralKind.choices)
    employer = models.CharField(_("招聘单位"), max_length=100)
    position = models.CharField(_("岗位"), max_length=100)
    referred_on = models.DateField(_("推荐日期"))
    outcome = models.CharField(
        _("结果"), max_length=16, choices=c.ReferralOutcome.choices, default=c.ReferralOutcome.PENDING
    )
    employed_at = models.CharField(_("就业单位"), max_length=100, blank=True)
    employed_from = models.DateField(_("就业日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    objects = PersonScoped.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("岗位推荐")
        verbose_name_plural = _("岗位推荐与招聘")
        ordering = ["-referred_on", "-id"]
        indexes = [models.Index(fields=["-referred_on", "-id"], name="referral_list_order")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="employed") | (Q(employed_from__isnull=False) & ~Q(employed_at="")),
                name="referral_employed_has_where_and_when",
            )
        ]

    def __str__(self):
        return f"{self.employer} {self.position} · {self.person}"


class SurveyContact(models.Model):
    """One contact of the town's survey (走访摸排) with a household: how, when, what came of it."""

    household = models.ForeignKey(
        "households.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("联系人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    method = models.CharField(_("方式"), max_length=8, choices=c.SurveyMethod.choices)
    contacted_on = models.DateField(_("联系日期"))
    result = models.CharField(_("结果"), max_length=16, choices=c.SurveyResult.choices)
    note = models.CharField(_("情况说明"), max_length=300, blank=True)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("联系人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    objects = HouseholdScoped.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("摸排记录")
        verbose_name_plural = _("就业摸排记录")
        ordering = ["-contacted_on", "-id"]
        indexes = [
            models.Index(fields=["household", "contacted_on"]),
            models.Index(fields=["-contacted_on", "-id"], name="survey_list_order"),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.contacted_on:%Y-%m-%d}"


# --- Summary rows of the survey (the progress page and the targets list read these) -------------


class TargetShare(models.Model):
    """One target of the drive (a person) and why: in the ``unemployed`` group, or a working-age
    member of a 低保 or 低边 household. A household's rows are its part of the survey's counts;
    ``employment.tallies`` replaces them when the household is written, and every night (working
    age moves with birthdays, assistance with the calendar)."""

    person = models.OneToOneField(
        "households.Person",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="employment_target",
    )
    household = models.ForeignKey(
        "households.Household", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    town = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    unemployed = models.BooleanField(_("适龄未就业困难对象"), default=False)
    dibao = models.BooleanField(_("低保家庭适龄成员"), default=False)
    dibian = models.BooleanField(_("低边家庭适龄成员"), default=False)
    # The person's birth date, copied so the list's age order walks one index per basis and stops
    # after a page (youngest first = latest birth first) instead of joining and sorting every target.
    birth = models.DateField(_("出生日期"))

    class Meta:
        verbose_name = _("就业帮扶对象（汇总）")
        verbose_name_plural = _("就业帮扶对象（汇总）")
        indexes = [
            # The targets list by basis, newest first (its default order): one index range each.
            models.Index(fields=["-person"], condition=Q(dibao=True), name="employment_target_dibao"),
            models.Index(fields=["-person"], condition=Q(dibian=True), name="employment_target_dibian"),
            models.Index(
                fields=["-person"], condition=Q(unemployed=True), name="employment_target_unemployed"
            ),
            models.Index(fields=["community", "-person"], name="employment_target_community"),
            # The list by basis and age (``?sort=age`` reads it forwards, ``-age`` backwards).
            models.Index(
                fields=["-birth", "-person"], condition=Q(dibao=True), name="employment_target_dibao_age"
            ),
            models.Index(
                fields=["-birth", "-person"], condition=Q(dibian=True), name="employment_target_dibian_age"
            ),
            models.Index(
                fields=["-birth", "-person"],
                condition=Q(unemployed=True),
                name="employment_target_jobless_age",
            ),
        ]

    def __str__(self):
        return f"{self.person_id} ({self.household_id})"


class SurveyShare(models.Model):
    """A household with targets: how many, and the last day it was contacted by each survey state
    (any contact, on site, by phone, reached). "Surveyed since D" is "last date >= D", so one row
    answers the page for any period."""

    household = models.OneToOneField(
        "households.Household",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="survey_share",
    )
    town = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.ForeignKey("households.Division", on_delete=models.CASCADE, related_name="+")
    persons = models.IntegerField(_("帮扶对象人数"), default=0)
    last_contact = models.DateField(_("最近摸排"), null=True, blank=True)
    last_on_site = models.DateField(_("最近入户走访"), null=True, blank=True)
    last_phone = models.DateField(_("最近电话联系"), null=True, blank=True)
    last_reached = models.DateField(_("最近联系上"), null=True, blank=True)

    class Meta:
        verbose_name = _("摸排家庭（汇总）")
        verbose_name_plural = _("摸排家庭（汇总）")
        indexes = [models.Index(fields=["town", "last_contact"], name="employment_share_town")]

    def __str__(self):
        return f"{self.household_id}: {self.persons}"


class SurveyTally(models.Model):
    """One community's survey counts: households with targets, their targets, and how many were
    surveyed (on site, by phone, reached). The sums of the community's ``SurveyShare`` rows; towns
    and the city are sums of communities."""

    town = models.ForeignKey(
        "households.Division", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    community = models.OneToOneField("households.Division", on_delete=models.CASCADE, related_name="+")
    # Plain integers: writers add signed differences with one upsert (as stats.PersonTally).
    households = models.IntegerField(_("应摸排家庭"), default=0)
    persons = models.IntegerField(_("帮扶对象人数"), default=0)
    surveyed = models.IntegerField(_("已摸排"), default=0)
    on_site = models.IntegerField(_("入户走访"), default=0)
    phone = models.IntegerField(_("电话联系"), default=0)
    reached = models.IntegerField(_("已联系上"), default=0)

    class Meta:
        verbose_name = _("摸排统计")
        verbose_name_plural = _("摸排统计")
        indexes = [models.Index(fields=["town"], name="employment_tally_town")]

    def __str__(self):
        return f"{self.community_id}: {self.surveyed}/{self.households}"
