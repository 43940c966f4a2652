"""Shared mechanisms: reveal log, background jobs with progress, and the per-user task queue."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .scoping import VIEW, area_q, scoped_queryset


class RevealLog(models.Model):
    """Every time a user sees a clear ID number or phone number (PIPL: reveals are logged)."""

    class Field(models.TextChoices):
        ID_NUMBER = "id_number", _("身份证号码")
        PHONE = "phone", _("联系电话")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT)
    # Empty for a reveal that is a file (an import error report in clear): ``context`` says which.
    person = models.ForeignKey(
        "households.Person", verbose_name=_("人员"), on_delete=models.PROTECT, null=True, blank=True
    )
    field = models.CharField(_("字段"), max_length=16, choices=Field.choices)
    context = models.CharField(_("内容"), max_length=200, blank=True, default="")
    channel = models.CharField(_("渠道"), max_length=8, default="web")
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    export = models.ForeignKey(
        "core.ExportLog",
        verbose_name=_("导出记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reveals",
    )

    class Meta:
        verbose_name = _("查看明文记录")
        verbose_name_plural = _("查看明文记录")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} {self.get_field_display()} {self.person_id} {self.created_at:%Y-%m-%d %H:%M}"


class JobQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_city_admin:
            return self
        return self.filter(created_by=user)


class Job(models.Model):
    """A background job that a page can poll for progress and admins can list."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("名称"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("总数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    message = models.CharField(_("进度说明"), max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The lease (core/jobs.py): written by the worker while the job runs; stale means the worker died.
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    # The outbox: empty while the job's message has not reached the broker.
    dispatched_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title or self.kind

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED, self.Status.CANCELLED)

    @property
    def is_stuck(self) -> bool:
        """Running, but its worker stopped beating (core/jobs.py re-queues or fails it)."""
        from .jobs import stale_seconds

        if self.status != self.Status.RUNNING:
            return False
        last = self.heartbeat_at or self.started_at
        return last is None or (timezone.now() - last).total_seconds() > stale_seconds()

    @property
    def waits_for_broker(self) -> bool:
        """Queued, and its message could not be sent yet (the outbox sends it when the broker is back)."""
        return (
            self.status == self.Status.QUEUED
            and self.dispatched_at is None
            and (timezone.now() - self.created_at).total_seconds() > 10
        )

    @property
    def kind_label(self) -> str:
        from .jobs import kind_label

        return kind_label(self.kind)

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    def claim(self) -> bool:
        """Move queued -> running, or take over a running job whose worker died (its lease expired:
        a redelivered message resumes it). False if a live worker has it or it is finished, so a
        duplicate message does nothing. One conditional UPDATE: two workers cannot both win."""
        from .jobs import stale_q

        now = timezone.now()
        won = Job.objects.filter(Q(status=self.Status.QUEUED) | stale_q(), pk=self.pk).update(
            status=self.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=models.F("attempts") + 1,
        )
        if won:
            self.status, self.started_at, self.heartbeat_at = self.Status.RUNNING, now, now
        return bool(won)

    def report(self, done: int, total: int | None = None, message: str = "") -> None:
        """Progress, written through the heartbeat's own connection while the job runs."""
        from .jobs import report

        report(self, done, total, message)

    def finish(self, result: dict | None = None) -> None:
        Job.objects.filter(pk=self.pk, status=self.Status.RUNNING).update(
            status=self.Status.SUCCEEDED,
            result=result or {},
            finished_at=timezone.now(),
            message="",
            error="",
            done=models.F("total"),
        )

    def fail(self, error: str) -> None:
        Job.objects.filter(pk=self.pk).exclude(status=self.Status.CANCELLED).update(
            status=self.Status.FAILED, error=error, finished_at=timezone.now()
        )


class TaskQuerySet(scoped_queryset("household__")):
    """Tasks about households in the user's area, tasks about an area of theirs (a community's
    baseline review), and tasks assigned to them. Volunteers see visits only, never staff tasks."""

    volunteers_see = False
    # A task carries its household's town and community (filled when it is created, moved with the
    # household): the area filter reads the task row's own indexed columns, with no join through
    # the households, so a worklist costs what it shows rather than what the area holds.
    area_prefix = ""

    def also_visible(self, user, action: str) -> Q | None:
        if not (user.is_authenticated and user.is_active) or (action != VIEW and not user.can_write):
            return None
        mine = Q(assignee=user)
        own = area_q(user, "", action, households=False)
        # For town and community workers the task's own columns are restrict()'s area term already;
        # repeating it would only lengthen the OR the planner has to combine.
        if own == area_q(user, self.scope_prefix, action, self.area_prefix, model=self.model):
            return mine
        return own | mine

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        task_areas_fill(objs)
        return super().bulk_create(objs, *args, **kwargs)

    def open(self):
        return self.filter(status=Task.Status.OPEN)

    def by_priority(self):
        """Open first; then high risk, then the earliest due date (overdue ones are the earliest)."""
        return self.order_by("status", "-high_risk", "due_date", "id")

    overdue_first = by_priority

    def worklist(self, user):
        """The user's open tasks, most urgent first: assigned to them, or unassigned in their area
        (我的待办 on the home page). Read along the worklist indexes (Task.Meta), whose columns
        are the task's own."""
        return self.restrict(user).open().filter(Q(assignee=user) | Q(assignee__isnull=True)).by_priority()


class Task(models.Model):
    """A to-do with a due date for a worker: screening follow-ups now; plan actions and
    overdue visits later. ``dedupe_key`` makes creating the same task twice a no-op."""

    class Status(models.TextChoices):
        OPEN = "open", _("待办")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("事项"), max_length=200)
    detail = models.TextField(_("详情"), blank=True)
    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("家庭"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    # The task's area: its household's town and community (copied when the task is created, moved
    # with the household by tasks_follow_households), or the area a task about no household is
    # about (a community's baseline review). Indexed through the worklist indexes they lead.
    town = models.ForeignKey(
        "households.Division",
        verbose_name=_("镇街"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    community = models.ForeignKey(
        "households.Division",
        verbose_name=_("村（社区）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    grid = models.ForeignKey(
        "households.Division", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(_("截止日期"))
    high_risk = models.BooleanField(_("高风险"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("完成人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    completion_note = models.TextField(_("办理说明"), blank=True)

    objects = TaskQuerySet.as_manager()
    # History is read per task (by id); indexes on its copies of the foreign keys and the dedupe
    # key were only ever written (a screening run writes thousands of task history rows).
    history = HistoricalRecords(
        no_db_index=[
            "assignee",
            "completed_by",
            "household",
            "person",
            "dedupe_key",
            "town",
            "community",
            "grid",
        ]
    )

    class Meta:
        verbose_name = _("待办事项")
        verbose_name_plural = _("待办事项")
        ordering = ["status", "due_date", "id"]
        # The worklists (TaskQuerySet.worklist, the task list's queues) filter by assignee, area or
        # neither, and read open tasks in priority order (by_priority): each index gives one of
        # them its rows already sorted, so a page reads its 25 rows and stops.
        indexes = [
            models.Index(
                fields=["assignee", "status", "-high_risk", "due_date", "id"], name="task_assignee_worklist"
            ),
            models.Index(
                fields=["town", "status", "-high_risk", "due_date", "id"], name="task_town_worklist"
            ),
            models.Index(
                fields=["community", "status", "-high_risk", "due_date", "id"], name="task_community_worklist"
            ),
            models.Index(fields=["status", "-high_risk", "due_date", "id"], name="task_status_worklist"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=True) | Q(town__isnull=False, community__isnull=False),
                name="core_task_household_area",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        task_areas_fill([self])
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < dt.date.today()


def task_areas_fill(tasks) -> None:
    """Give tasks about a household, built without their area, the household's town and community
    (one query for all of them; none when the household objects are at hand)."""
    missing = [t for t in tasks if t.household_id and t.town_id is None]
    field = Task._meta.get_field("household")
    wanted = {t.household_id for t in missing if not field.is_cached(t)}
    # The model through the foreign key: core imports no app above it.
    areas = dict(
        (pk, (town, community))
        for pk, town, community in field.related_model.objects.filter(pk__in=wanted).values_list(
            "pk", "town_id", "community_id"
        )
    )
    for task in missing:
        if field.is_cached(task):
            task.town_id, task.community_id = task.household.town_id, task.household.community_id
        elif task.household_id in areas:
            task.town_id, task.community_id = areas[task.household_id]


def tasks_follow_households(household_ids) -> int:
    """Tasks take their households' town and community again (the households moved); the caller's
    transaction holds the move and this together. Returns the tasks moved."""
    ids = sorted({int(i) for i in household_ids if i})
    if not ids:
        return 0
    household = Task._meta.get_field("household").related_model.objects.filter(
        pk=models.OuterRef("household_id")
    )
    moved = Task.objects.filter(household_id__in=ids).exclude(
        town_id=models.F("household__town_id"), community_id=models.F("household__community_id")
    )
    return moved.update(
        town_id=models.Subquery(household.values("town_id")[:1]),
        community_id=models.Subquery(household.values("community_id")[:1]),
    )


class ExportLogQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """Admins see every export; anyone else only their own."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_city_admin and action == VIEW:
            return self
        return self.filter(user=user)


class ExportLog(models.Model):
    """One Excel export of a list: who, which list, which filters (in plain words), how many rows,
    and whether ID numbers and phones were written in clear (each one is in the reveal log)."""

    Status = Job.Status

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导出人"), on_delete=models.PROTECT, related_name="+"
    )
    list_name = models.CharField(_("列表"), max_length=100)
    title = models.CharField(_("列表名称"), max_length=100)
    description = models.TextField(_("筛选条件"), blank=True)
    # The raw query string, kept only until a background export has written its file (it may hold
    # an ID number typed into the search box).
    query = models.TextField(blank=True)
    reveal = models.BooleanField(_("含明文证件号码和电话"), default=False)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    revealed_count = models.PositiveIntegerField(_("明文条数"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Job.Status.choices, default=Job.Status.QUEUED)
    job = models.ForeignKey(Job, verbose_name=_("后台任务"), on_delete=models.SET_NULL, null=True, blank=True)
    file_name = models.CharField(max_length=100, blank=True, editable=False)
    language = models.CharField(max_length=16, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("导出时间"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ExportLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.title} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
