"""Screening records: group decisions with evidence, worker overrides, monitoring alerts, vagrants."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.concurrency import version_field
from core.scoping import VIEW, area_q, scoped_queryset

from . import choices as c
from .rules import explain, param_labels, rule_label


class GroupDecisionQuerySet(scoped_queryset("person__household__")):
    area_prefix = "person__"

    def current(self):
        return self.filter(active=True)


class GroupDecision(models.Model):
    """One stay of a person in a group: created when the person enters it, ended when they leave.

    The rows are their own history (decided_at/ended_at, evidence of each stay) and are written
    only in bulk by the screening engine, so the model has no per-save HistoricalRecords.
    """

    person = models.ForeignKey(
        "households.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="group_decisions"
    )
    group = models.CharField(_("分类"), max_length=16, choices=c.Group.choices)
    tier = models.CharField(_("风险等级"), max_length=16, choices=c.Tier.choices, blank=True, default="")
    rule_version = models.CharField(_("规则版本"), max_length=32)
    params_version = models.CharField(_("参数版本"), max_length=32)
    evidence = models.JSONField(_("依据"), default=dict)
    fingerprint = models.BigIntegerField(_("依据指纹"))
    active = models.BooleanField(_("当前有效"), default=True)
    decided_at = models.DateTimeField(_("纳入时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    ended_at = models.DateTimeField(_("退出时间"), null=True, blank=True)
    end_reason = models.CharField(_("退出原因"), max_length=200, blank=True)

    objects = GroupDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("分类认定")
        verbose_name_plural = _("分类认定")
        ordering = ["group", "-decided_at"]
        indexes = [
            models.Index(fields=["person", "active"]),
            models.Index(fields=["group", "active", "tier"]),
            # The push after a sweep finds the decisions changed or ended since its last run.
            models.Index(fields=["updated_at"], name="decision_updated_at"),
            models.Index(fields=["ended_at"], name="decision_ended_at"),
            # The groups page: current decisions, newest first (keyset pages walk this index).
            models.Index(
                fields=["-decided_at", "-id"], condition=Q(active=True), name="decision_current_recent"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "group"], condition=Q(active=True), name="one_active_decision_per_group"
            )
        ]

    def __str__(self):
        return f"{self.person_id} {self.get_group_display()}"

    @property
    def explanation(self) -> str:
        return explain(self.evidence)

    @property
    def rule_label(self) -> str:
        return rule_label((self.evidence or {}).get("rule"))

    @property
    def param_labels(self) -> list[str]:
        return param_labels((self.evidence or {}).get("params"))


class OverrideQuerySet(scoped_queryset("person__household__")):
    area_prefix = "person__"

    def current(self):
        return self.filter(active=True)


class Override(models.Model):
    """A worker's confirmation or rejection of the rules' decision for one person and group.

    It holds while the facts the group depends on are unchanged (``fingerprint``); when they
    change, screening retires it and asks the worker again.
    """

    person = models.ForeignKey(
        "households.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="group_overrides"
    )
    group = models.CharField(_("分类"), max_length=16, choices=c.Group.choices)
    verdict = models.CharField(_("人工认定"), max_length=16, choices=c.Verdict.choices)
    reason = models.TextField(_("理由"), validators=[MaxLengthValidator(1000)])
    fingerprint = models.BigIntegerField(_("认定时依据指纹"))
    decision = models.ForeignKey(
        GroupDecision,
        verbose_name=_("所针对的认定"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="overrides",
    )
    active = models.BooleanField(_("有效"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("认定人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("认定时间"), auto_now_add=True)
    retired_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    retired_reason = models.CharField(_("失效原因"), max_length=200, blank=True)

    objects = OverrideQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("人工认定")
        verbose_name_plural = _("人工认定")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "group"], condition=Q(active=True), name="one_active_override_per_group"
            )
        ]

    def __str__(self):
        return f"{self.get_verdict_display()} {self.get_group_display()}"


class ScreeningState(models.Model):
    """The last signature computed for a person: a run compares and touches only the changed."""

    person = models.OneToOneField(
        "households.Person", on_delete=models.CASCADE, primary_key=True, related_name="screening_state"
    )
    household_id = models.BigIntegerField(null=True)  # where the person was, to notice moves
    signature = models.BigIntegerField()
    rule_version = models.CharField(max_length=32)
    screened_on = models.DateField()

    class Meta:
        verbose_name = _("筛查状态")
        verbose_name_plural = _("筛查状态")

    def __str__(self):
        return f"{self.person_id}: {self.signature}"


class ScreeningMark(models.Model):
    """A household whose screening inputs changed since the last pass over everyone.

    Written by database triggers (``assessments.marks``) on every insert or update of the
    columns the rules read (person, household, status, vagrant record), whatever the write path:
    forms, API, imports, admin, raw SQL. The nightly pass re-evaluates the marked households and
    deletes the marks it has covered. A queue, not a case record.
    """

    id = models.BigAutoField(primary_key=True)
    household_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("待筛查标记")
        verbose_name_plural = _("待筛查标记")

    def __str__(self):
        return f"{self.household_id}"


class ScreeningSweep(models.Model):
    """One completed pass over everyone (nightly or on demand): what it covered, and how."""

    class Mode(models.TextChoices):
        FULL = "full", _("全量核对")
        INCREMENTAL = "incremental", _("增量")

    on = models.DateField(_("筛查基准日"))
    mode = models.CharField(_("方式"), max_length=16, choices=Mode.choices)
    reason = models.CharField(_("全量原因"), max_length=100, blank=True)
    rule_version = models.CharField(_("规则版本"), max_length=32)
    params_version = models.CharField(_("参数版本"), max_length=32)
    marks_upto = models.BigIntegerField(_("已处理标记"), default=0)
    households = models.PositiveIntegerField(_("核对户数"), default=0)
    persons = models.PositiveIntegerField(_("核对人数"), default=0)
    changed_households = models.PositiveIntegerField(_("重新评估户数"), default=0)
    changed = models.PositiveIntegerField(_("变化人数"), default=0)
    seconds = models.FloatField(_("用时（秒）"), default=0)
    finished_at = models.DateTimeField(_("完成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("全员筛查记录")
        verbose_name_plural = _("全员筛查记录")
        ordering = ["-finished_at", "-id"]

    def __str__(self):
        return f"{self.on} {self.get_mode_display()}"


class Alert(models.Model):
    """A monitoring alert (动态监测预警) from another department, or entered by staff."""

    person = models.ForeignKey(
        "households.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="alerts"
    )
    town = models.ForeignKey(
        "households.Division", verbose_name=_("责任镇街"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("预警类型"), max_length=24, choices=c.AlertKind.choices)
    source = models.CharField(_("来源"), max_length=16, choices=c.AlertSource.choices)
    department = models.CharField(_("推送部门"), max_length=64, blank=True)
    occurred_on = models.DateField(_("发生日期"), null=True, blank=True)
    amount = models.DecimalField(
        _("金额（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    description = models.TextField(_("预警内容"), blank=True, validators=[MaxLengthValidator(2000)])
    status = models.CharField(
        _("状态"), max_length=16, choices=c.AlertStatus.choices, default=c.AlertStatus.PENDING
    )
    verify_deadline = models.DateField(_("核实期限"))
    verify_method = models.CharField(_("核实方式"), max_length=16, choices=c.VerifyMethod.choices, blank=True)
    confirmed = models.BooleanField(_("情况属实"), null=True, blank=True)
    verify_note = models.TextField(_("核实情况"), blank=True, validators=[MaxLengthValidator(2000)])
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(_("处置结果"), max_length=16, choices=c.AlertOutcome.choices, blank=True)
    outcome_note = models.TextField(_("处置说明"), blank=True, validators=[MaxLengthValidator(2000)])
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处置人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Imported rows: the same person, kind and date from the same list is one alert.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    version = version_field()

    objects = scoped_queryset("person__household__").as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("监测预警")
        verbose_name_plural = _("监测预警")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "verify_deadline"]),
            models.Index(fields=["town", "status"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.person}"

    @property
    def is_open(self) -> bool:
        return self.status in c.OPEN_ALERT_STATUSES

    @property
    def is_overdue(self) -> bool:
        import datetime as dt

        return self.status == c.AlertStatus.PENDING and self.verify_deadline < dt.date.today()


class VagrantRecordQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """Records found in the user's area; volunteers see none (no pairing covers a vagrant)."""
        if user is None or not user.is_authenticated or getattr(user, "is_volunteer", False):
            return self.none()
        return self.filter(area_q(user, "", action, households=False))

    def open_eligible(self):
        """Open records meeting every criterion of the vagrant group (what screening reads)."""
        return self.filter(status=c.VagrantStatus.OPEN, **dict.fromkeys(VagrantRecord.CRITERIA, True))


class VagrantRecord(models.Model):
    """Relief-station or outreach intake of a person living by begging (no roster holds them)."""

    source = models.CharField(_("登记来源"), max_length=16, choices=c.VagrantSource.choices)
    name = models.CharField(_("姓名"), max_length=50, blank=True, help_text=_("不知道姓名可留空"))
    sex = models.CharField(
        _("性别"), max_length=8, choices=[("male", _("男")), ("female", _("女"))], blank=True
    )
    estimated_age = models.PositiveSmallIntegerField(
        _("年龄（估计）"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(120, _("请填写 0 到 120 之间的年龄。"))],
    )
    id_masked = models.CharField(_("身份证号码"), max_length=18, blank=True, editable=False)
    id_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("在册人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vagrant_records",
        editable=False,
    )
    found_on = models.DateField(_("发现日期"))
    found_place = models.CharField(_("发现地点"), max_length=200)
    town = models.ForeignKey(
        "households.Division",
        verbose_name=_("镇街"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    community = models.ForeignKey(
        "households.Division", verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "households.Division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    situation = models.TextField(_("基本情况"), blank=True, validators=[MaxLengthValidator(2000)])
    cannot_afford = models.BooleanField(_("自身无力解决食宿"), default=False)
    no_relatives = models.BooleanField(_("无亲友可投靠"), default=False)
    not_on_assistance = models.BooleanField(_("未享受低保、特困供养"), default=False)
    begging = models.BooleanField(_("处于流浪乞讨状态"), default=False)
    tracing_status = models.CharField(
        _("寻亲情况"), max_length=16, choices=c.TracingStatus.choices, default=c.TracingStatus.NOT_STARTED
    )
    tracing_note = models.TextField(_("寻亲记录"), blank=True, validators=[MaxLengthValidator(2000)])
    outcome = models.CharField(
        _("去向"), max_length=16, choices=c.VagrantOutcome.choices, default=c.VagrantOutcome.IN_STATION
    )
    outcome_on = models.DateField(_("去向日期"), null=True, blank=True)
    destination = models.CharField(_("返乡地或安置机构"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=c.VagrantStatus.choices, default=c.VagrantStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = version_field()

    objects = VagrantRecordQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("流浪乞讨人员")
        verbose_name_plural = _("流浪乞讨人员")
        ordering = ["-found_on", "-id"]
        indexes = [models.Index(fields=["town", "status"]), models.Index(fields=["community", "status"])]

    def __str__(self):
        return self.name or str(_("无名氏"))

    # The criteria of the vagrant group (domain.md section 2): all must hold.
    CRITERIA = ("cannot_afford", "no_relatives", "not_on_assistance", "begging")

    @property
    def is_eligible(self) -> bool:
        """Meets every criterion of the vagrant group (domain.md section 2)."""
        return all(getattr(self, name) for name in self.CRITERIA)

    def clean(self):
        if self.community_id and self.community.level != "community":
            raise ValidationError({"community": _("请选择一个村（社区）。")})
        today = timezone.localdate()
        if self.found_on and self.found_on > today:
            raise ValidationError({"found_on": _("发现日期不能晚于今天。")})
        if self.found_on and self.outcome_on and self.outcome_on < self.found_on:
            raise ValidationError({"outcome_on": _("去向日期不能早于发现日期。")})
        closing = self.outcome in (c.VagrantOutcome.RETURNED, c.VagrantOutcome.PLACED)
        if closing and not self.destination:
            raise ValidationError({"destination": _("返乡或安置须填写去向。")})
