"""Shared mechanisms: reveal log, background jobs with progress, and the per-user task queue."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .scoping import VIEW, area_q


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
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    def claim(self) -> bool:
        """Move queued -> running; False if another worker got it first (redelivery is harmless)."""
        return bool(
            Job.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
                status=self.Status.RUNNING, started_at=timezone.now()
            )
        )

    def report(self, done: int, total: int | None = None, message: str = "") -> None:
        fields = {"done": done, "message": message[:200]}
        if total is not None:
            fields["total"] = total
        Job.objects.filter(pk=self.pk).update(**fields)

    def finish(self, result: dict | None = None) -> None:
        Job.objects.filter(pk=self.pk).update(
            status=self.Status.SUCCEEDED, result=result or {}, finished_at=timezone.now(), message=""
        )

    def fail(self, error: str) -> None:
        Job.objects.filter(pk=self.pk).update(
            status=self.Status.FAILED, error=error, finished_at=timezone.now()
        )


class TaskQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """Tasks about households in the user's area, and tasks assigned to the user."""
        if user is None or not user.is_authenticated or not user.is_active or user.is_volunteer:
            return self.none()  # volunteers see visits only, never staff follow-ups
        return self.filter(area_q(user, "household__", action) | Q(assignee=user))

    def open(self):
        return self.filter(status=Task.Status.OPEN)

    def overdue_first(self):
        return self.order_by("status", "due_date", "id")


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
    due_date = models.DateField(_("截止日期"))
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
    history = HistoricalRecords(no_db_index=["assignee", "completed_by", "household", "person", "dedupe_key"])

    class Meta:
        verbose_name = _("待办事项")
        verbose_name_plural = _("待办事项")
        ordering = ["status", "due_date", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < dt.date.today()
