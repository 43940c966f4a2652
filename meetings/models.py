"""The city's joint meeting (困难群众基本生活保障工作联席会议): a case one department cannot solve is
escalated by a worker, endorsed by the town, put on a meeting's agenda by the secretariat, and
resolved through tasks for named departments, each followed to the end by progress reports.

Who sees what (the scoping choke point, core/scoping.py): workers see the cases of households in
their area; the secretariat sees every case the towns have endorsed; a department liaison sees the
cases on the agenda of a meeting their department attends and the cases with a task for their
department. The secretariat sees those households (masked) and nothing else; a liaison sees of them
only the needs their cases concern (PIPL, minimum necessary): no household or member page, no
income, screening or other need. meetings/apps.py registers ``case_household_ids`` and, for
liaisons, ``liaison_rows`` with core.scoping.
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.concurrency import version_field
from core.scoping import VIEW, scoped_queryset

from . import choices as c

RUN_PERMISSION = "meetings.run_meeting"
ENDORSE_PERMISSION = "meetings.endorse_case"


def is_secretariat(user) -> bool:
    from accounts.choices import Role

    return bool(user.is_authenticated and user.is_active and user.role == Role.SECRETARIAT)


def is_liaison(user) -> bool:
    from accounts.choices import Role

    return bool(user.is_authenticated and user.is_active and user.role == Role.DEPARTMENT_LIAISON)


def can_run_meetings(user) -> bool:
    """The secretariat runs meetings; a city admin may stand in (or anyone granted the permission)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        is_secretariat(user)
        or user.is_city_admin
        or (not user.is_case_role and user.has_perm(RUN_PERMISSION))
    )


def liaison_department_ids(user):
    return Liaison.objects.filter(user=user, is_active=True).values("department_id")


class DepartmentQuerySet(models.QuerySet):
    """Reference data: every staff user reads the departments; city admins edit them."""

    def restrict(self, user, action: str = VIEW):
        if user is None or not user.is_authenticated or not user.is_active or user.is_volunteer:
            return self.none()
        if action != VIEW and not user.is_city_admin:
            return self.none()
        return self


class Department(models.Model):
    code = models.SlugField(_("部门编码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=50, unique=True)
    short_name = models.CharField(_("简称"), max_length=10)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = DepartmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("成员单位")
        verbose_name_plural = _("成员单位")
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class Liaison(models.Model):
    """A department liaison's account and department (the user's role is 部门联络员)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.PROTECT, related_name="liaison"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="liaisons"
    )
    is_active = models.BooleanField(_("有效"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("部门联络员")
        verbose_name_plural = _("部门联络员")

    def __str__(self):
        return f"{self.department.short_name} · {self.user.get_full_name() or self.user.username}"


def visible_case_ids(user):
    """Case ids a secretariat or liaison user sees (a subquery, no query of its own)."""
    if is_secretariat(user):
        return JointCase.objects.filter(status__in=c.CITY_CASE_STATUSES).values("pk")
    if is_liaison(user):
        departments = liaison_department_ids(user)
        on_agenda = Q(
            status__in=(c.CaseStatus.ON_AGENDA, c.CaseStatus.RESOLVING, c.CaseStatus.CLOSED),
            meeting__in=Meeting.objects.filter(departments__in=departments).values("pk"),
        )
        assigned = Q(pk__in=ResolutionTask.objects.filter(department__in=departments).values("case_id"))
        return JointCase.objects.filter(on_agenda | assigned).values("pk")
    return JointCase.objects.none().values("pk")


def case_household_ids(user):
    """The households of the cases a secretariat or liaison user sees (core.scoping registry)."""
    return JointCase.objects.filter(pk__in=visible_case_ids(user)).values("household_id")


def liaison_rows(user, model):
    """What a department liaison sees of their cases' households (core.scoping ROW_SCOPES): the
    needs the cases concern, nothing else (no members, income, screening, other needs; PIPL,
    minimum necessary). The case page shows the rest the department needs to act."""
    if model._meta.label == "assistance.Need":
        return JointCase.needs.through.objects.filter(jointcase_id__in=visible_case_ids(user)).values(
            "need_id"
        )
    return None


class JointCaseQuerySet(scoped_queryset("household__")):
    volunteers_see = False

    def restrict(self, user, action: str = VIEW):
        if getattr(user, "is_case_role", False) and user.is_active:
            if action != VIEW and not is_secretariat(user):
                return self.none()  # liaisons act on their tasks, not on the case
            return self.filter(pk__in=visible_case_ids(user))
        return super().restrict(user, action)

    def open(self):
        return self.filter(status__in=c.OPEN_CASE_STATUSES)


class JointCase(models.Model):
    household = models.ForeignKey(
        "households.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="joint_cases"
    )
    needs = models.ManyToManyField(
        "assistance.Need", verbose_name=_("涉及需求"), related_name="joint_cases", blank=True
    )
    year = models.PositiveSmallIntegerField(_("年度"), editable=False)
    seq = models.PositiveIntegerField(_("序号"), editable=False)
    summary = models.TextField(_("案情摘要"), validators=[MaxLengthValidator(4000)])
    status = models.CharField(
        _("状态"), max_length=16, choices=c.CaseStatus.choices, default=c.CaseStatus.SUBMITTED
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, editable=False)
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    endorsed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True, validators=[MaxLengthValidator(2000)])
    meeting = models.ForeignKey(
        "Meeting",
        verbose_name=_("上会会议"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda",
    )
    agenda_order = models.PositiveSmallIntegerField(_("议程序号"), null=True, blank=True)
    outcome = models.TextField(_("办理结果"), blank=True, validators=[MaxLengthValidator(4000)])
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    version = version_field()

    objects = JointCaseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("联席会议案件")
        verbose_name_plural = _("联席会议案件")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("endorse_case", _("可审核提交联席会议的案件")),
            ("run_meeting", _("可组织联席会议（秘书处）")),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="jointcase_newest"),
            models.Index(fields=["status", "-created_at", "-id"], name="jointcase_status_newest"),
            # The case list's default view (办理情况 = 未办结), newest first: one index range.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(status__in=[s.value for s in c.OPEN_CASE_STATUSES]),
                name="jointcase_open_newest",
            ),
            models.Index(fields=["meeting", "agenda_order"]),
        ]
        constraints = [models.UniqueConstraint(fields=["year", "seq"], name="jointcase_number_unique")]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return _("联席〔%(year)s〕%(seq)s号") % {"year": self.year, "seq": self.seq}

    @property
    def is_open(self) -> bool:
        return self.status in c.OPEN_CASE_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in (c.CaseStatus.SUBMITTED, c.CaseStatus.RETURNED)

    @property
    def badge(self) -> str:
        return {"closed": "ok", "withdrawn": "muted", "returned": "warn"}.get(self.status, "")


class MeetingQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        if user is None or not user.is_authenticated or not user.is_active or user.is_volunteer:
            return self.none()
        if action != VIEW:
            return self if can_run_meetings(user) else self.none()
        if is_secretariat(user) or user.sees_whole_city:
            return self
        if is_liaison(user):
            departments = liaison_department_ids(user)
            return self.filter(
                Q(pk__in=Meeting.objects.filter(departments__in=departments).values("pk"))
                | Q(pk__in=ResolutionTask.objects.filter(department__in=departments).values("meeting_id"))
            )
        # A worker sees the meetings that discussed a case of their area.
        return self.filter(pk__in=JointCase.objects.restrict(user).values("meeting_id"))


class Meeting(models.Model):
    title = models.CharField(_("会议名称"), max_length=100)
    held_on = models.DateField(_("会议日期"))
    place = models.CharField(_("会议地点"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=c.MeetingStatus.choices, default=c.MeetingStatus.SCHEDULED
    )
    departments = models.ManyToManyField(Department, verbose_name=_("参会单位"), related_name="meetings")
    attendees = models.TextField(
        _("参会人员"),
        blank=True,
        validators=[MaxLengthValidator(2000)],
        help_text=_("每行一人：单位、姓名、职务"),
    )
    minutes = models.TextField(_("会议纪要"), blank=True, validators=[MaxLengthValidator(20000)])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    version = version_field()

    objects = MeetingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["-held_on", "-id"], name="meeting_newest")]

    def __str__(self):
        return self.title

    @property
    def badge(self) -> str:
        return {"held": "ok", "cancelled": "muted"}.get(self.status, "")


class ResolutionTaskQuerySet(scoped_queryset("case__household__")):
    volunteers_see = False

    def restrict(self, user, action: str = VIEW):
        if getattr(user, "is_case_role", False) and user.is_active:
            visible = self.filter(case__in=visible_case_ids(user))
            if action == VIEW:
                return visible
            if is_liaison(user):
                return visible.filter(department__in=liaison_department_ids(user))
            return (
                visible.filter(case__status=c.CaseStatus.RESOLVING) if is_secretariat(user) else self.none()
            )
        return super().restrict(user, action)

    def open(self):
        return self.filter(status__in=c.OPEN_TASK_STATUSES)

    def overdue(self, today: dt.date | None = None):
        return self.open().filter(deadline__lt=today or dt.date.today())


class ResolutionTask(models.Model):
    case = models.ForeignKey(
        JointCase, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="tasks"
    )
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("决议会议"), on_delete=models.PROTECT, related_name="tasks"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="tasks"
    )
    action = models.TextField(_("决议事项"), validators=[MaxLengthValidator(1000)])
    deadline = models.DateField(_("办理期限"))
    status = models.CharField(
        _("状态"), max_length=16, choices=c.TaskStatus.choices, default=c.TaskStatus.ASSIGNED
    )
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    last_report_at = models.DateTimeField(_("最近报告"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("交办人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("交办时间"), default=timezone.now, editable=False)
    version = version_field()

    objects = ResolutionTaskQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("决议事项")
        verbose_name_plural = _("决议事项")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["status", "deadline", "id"], name="resolution_due"),
            models.Index(fields=["department", "status", "deadline"], name="resolution_department_due"),
            # The list's order (deadline, then the newest): the first page walks it and joins 25
            # rows, instead of joining and sorting every open task with its household.
            models.Index(fields=["deadline", "-id"], name="resolution_deadline_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False), name="resolution_done_has_date"
            )
        ]

    def __str__(self):
        return f"{self.department.short_name} · {self.action[:20]}"

    @property
    def is_open(self) -> bool:
        return self.status in c.OPEN_TASK_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline < dt.date.today()

    @property
    def badge(self) -> str:
        if self.is_overdue:
            return "red"
        return {"done": "ok", "unable": "muted"}.get(self.status, "")


class ProgressReport(models.Model):
    """A department's report on a task: append-only, so the list is the task's progress history."""

    task = models.ForeignKey(
        ResolutionTask, verbose_name=_("决议事项"), on_delete=models.PROTECT, related_name="reports"
    )
    text = models.TextField(_("进展情况"), validators=[MaxLengthValidator(2000)])
    status = models.CharField(_("报告后状态"), max_length=16, choices=c.TaskStatus.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("报告时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["task", "-reported_at"])]

    def __str__(self):
        return f"{self.task} · {self.reported_at:%Y-%m-%d}"
