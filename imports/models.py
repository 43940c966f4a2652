"""Import batches (one uploaded roster and what became of it) and snapshot membership."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from households.choices import AssistanceSource

IMPORT_SOURCES = [
    (AssistanceSource.SOCIAL_ASSISTANCE.value, AssistanceSource.SOCIAL_ASSISTANCE.label),
    (AssistanceSource.LOW_INCOME_MONITORING.value, AssistanceSource.LOW_INCOME_MONITORING.label),
    (AssistanceSource.SMART_CIVIL.value, AssistanceSource.SMART_CIVIL.label),
]

# Error codes that mean the file itself cannot be imported (a new file is needed, not a retry).
FILE_ERRORS = ("unsupported_format", "decode_error", "no_header", "limit_exceeded")


class ImportBatchQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """Rosters cover the whole city: only city admins see or run imports."""
        if user is None or not user.is_authenticated or not user.is_city_admin:
            return self.none()
        return self


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("已上传")
        CHECKING = "checking", _("校验中")
        CHECKED = "checked", _("待确认")
        COMMITTING = "committing", _("导入中")
        COMMITTED = "committed", _("已导入")
        FAILED = "failed", _("失败")

    source = models.CharField(_("数据来源"), max_length=32, choices=IMPORT_SOURCES)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    file_format = models.CharField(_("文件格式"), max_length=8, blank=True)
    encoding = models.CharField(_("编码"), max_length=16, blank=True)
    snapshot_date = models.DateField(_("名单日期"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.UPLOADED)
    dry_run = models.BooleanField(_("仅校验"), default=True)
    # Counts: rows, created, updated, unchanged, exited, rejected, warnings (see pipeline.Summary).
    summary = models.JSONField(_("统计"), default=dict, blank=True)
    # The dry run's preview: a sample of new / changed (with fields) / exited people.
    preview = models.JSONField(default=dict, blank=True)
    header = models.JSONField(_("表头"), default=list, blank=True)
    header_row = models.PositiveIntegerField(_("表头行"), null=True, blank=True)
    error_code = models.CharField(_("文件错误代码"), max_length=32, blank=True)
    message = models.TextField(_("说明"), blank=True)
    duration = models.FloatField(_("耗时（秒）"), null=True, blank=True)
    job = models.ForeignKey(
        "core.Job",
        verbose_name=_("后台任务"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    checked_at = models.DateTimeField(_("校验时间"), null=True, blank=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    # When the current check or commit claimed the batch (a batch busy for long without a live job
    # was interrupted: imports.services.batches_recover fails it so that it can be retried).
    claimed_at = models.DateTimeField(_("开始处理时间"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source", "status", "-committed_at"])]

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    def count(self, key: str) -> int:
        return int(self.summary.get(key, 0))

    @property
    def badge(self) -> str:
        """CSS class of the status badge (static/css/app.css)."""
        return {"committed": "ok", "checked": "warn", "failed": "red"}.get(self.status, "muted")

    @property
    def error_label(self) -> str:
        from .labels import code_label

        return code_label(self.error_code) if self.error_code else ""

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.COMMITTING)

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.CHECKED and bool(self.file)

    @property
    def can_retry(self) -> bool:
        """Retrying reads the same bytes: only worth it when the file was not the reason."""
        return self.status == self.Status.FAILED and bool(self.file) and self.error_code not in FILE_ERRORS


class ImportRowError(models.Model):
    """A rejected row's reason (severity error) or a warning, with the row's original values."""

    class Severity(models.TextChoices):
        ERROR = "error", _("拒绝")
        WARNING = "warning", _("提醒")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(_("行号"), null=True, blank=True)
    severity = models.CharField(_("类别"), max_length=8, choices=Severity.choices)
    code = models.CharField(_("原因代码"), max_length=32)
    field = models.CharField(_("字段"), max_length=32, blank=True)
    message = models.CharField(_("说明"), max_length=500)
    # The row's original cells; ID, phone and birth-date cells masked (imports/sensitive.py).
    values = models.JSONField(_("原始值"), default=list, blank=True)
    # Those cells in clear, encrypted: opened only for an admin's clear report (logged).
    sealed = models.TextField(_("加密的原始值"), blank=True, default="")

    class Meta:
        verbose_name = _("导入问题")
        verbose_name_plural = _("导入问题")
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["batch", "severity", "row"])]

    def __str__(self):
        return f"{self.row}: {self.code}"

    @property
    def code_label(self) -> str:
        from .labels import code_label

        return code_label(self.code)

    @property
    def field_label(self) -> str:
        from .labels import field_label

        return field_label(self.field)


class SnapshotMember(models.Model):
    """Who was in the latest committed snapshot of each source (to find exits set-based).

    ``row_hash`` fingerprints the person's row as last imported (only for rows that passed without a
    warning). A re-imported row with the same fingerprint is not normalised again: its household
    key and size come from here, and the diff against the registry still runs in SQL.
    """

    source = models.CharField(max_length=32, choices=IMPORT_SOURCES)
    person = models.ForeignKey("households.Person", on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(ImportBatch, on_delete=models.SET_NULL, null=True, related_name="+")
    row_hash = models.BigIntegerField(null=True, blank=True)
    hh_key = models.CharField(max_length=80, blank=True)
    head_hash = models.CharField(max_length=64, blank=True)
    is_head = models.BooleanField(default=False)
    hh_size = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("名单成员")
        verbose_name_plural = _("名单成员")
        constraints = [models.UniqueConstraint(fields=["source", "person"], name="snapshot_member_unique")]
        indexes = [models.Index(fields=["source", "row_hash"])]

    def __str__(self):
        return f"{self.source}: {self.person_id}"
