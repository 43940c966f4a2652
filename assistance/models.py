"""Needs ledger (需求台账), providers and the two service lists (两张清单).

Eligibility of a catalog item is data that admins edit, not code: groups, assistance statuses,
an age range, sex, disability grade and category, household conditions. An empty criterion
means "anyone"; a non-empty list means "any of these".
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.concurrency import version_field
from core.scoping import VIEW, scoped_queryset

from . import choices as c


class ReferenceQuerySet(models.QuerySet):
    """Providers and catalog items are city-wide reference data: every staff user reads them."""

    def restrict(self, user, action: str = VIEW):
        if user is None or not user.is_authenticated or not user.is_active or user.is_volunteer:
            return self.none()
        if action != VIEW and not user.is_city_admin:
            return self.none()
        return self


class Provider(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类别"), max_length=16, choices=c.ProviderKind.choices)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    note = models.TextField(_("说明"), blank=True, validators=[MaxLengthValidator(2000)])
    is_active = models.BooleanField(_("启用"), default=True)
    is_seed = models.BooleanField(_("系统预置"), default=False, editable=False)

    version = version_field()

    objects = ReferenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务提供方")
        verbose_name_plural = _("服务提供方")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class CatalogItem(models.Model):
    code = models.SlugField(_("项目编码"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    list_kind = models.CharField(_("所属清单"), max_length=16, choices=c.CatalogList.choices)
    provider = models.ForeignKey(
        Provider, verbose_name=_("提供方"), on_delete=models.PROTECT, related_name="items"
    )
    domain = models.CharField(_("需求领域"), max_length=16, choices=c.NeedDomain.choices)
    benefit = models.TextField(_("帮扶内容"), validators=[MaxLengthValidator(2000)])
    how_to_apply = models.TextField(_("申请方式"), blank=True, validators=[MaxLengthValidator(2000)])
    active_from = models.DateField(_("生效日期"), null=True, blank=True)
    active_to = models.DateField(_("截止日期"), null=True, blank=True)
    # Eligibility (any of each non-empty list; all criteria together).
    groups = models.JSONField(_("适用分类对象"), default=list, blank=True)
    assistance_kinds = models.JSONField(_("适用救助类型"), default=list, blank=True)
    min_age = models.PositiveSmallIntegerField(
        _("最低年龄"), null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("最高年龄"), null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    sex = models.CharField(
        _("性别"), max_length=8, blank=True, choices=[("male", _("男")), ("female", _("女"))]
    )
    max_disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级（不低于）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("例如填 2 表示一、二级残疾"),
    )
    disability_categories = models.JSONField(_("适用残疾类别"), default=list, blank=True)
    household_conditions = models.JSONField(_("家庭条件"), default=list, blank=True)
    receives_as = models.CharField(
        _("对应救助身份"),
        max_length=24,
        blank=True,
        help_text=_("已享有该救助身份的人员不再推送此项目；身份以名单导入为准"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    is_seed = models.BooleanField(_("系统预置"), default=False, editable=False)

    version = version_field()

    objects = ReferenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("清单项目")
        verbose_name_plural = _("清单项目")
        ordering = ["list_kind", "domain", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValidationError({"max_age": _("最高年龄不能小于最低年龄。")})
        if self.active_from and self.active_to and self.active_from > self.active_to:
            raise ValidationError({"active_to": _("截止日期不能早于生效日期。")})
        from .codes import check_codes

        errors = check_codes(self)
        if errors:
            raise ValidationError(errors)


class NeedQuerySet(scoped_queryset("household__")):
    volunteers_see = False  # volunteers see nothing of this app (minimum necessary, PIPL)

    def open(self):
        return self.filter(status__in=c.OPEN_NEED_STATUSES)

    def ledger_order(self):
        """Open needs first, urgent first, oldest first (an index serves it: rank, recorded_at, id)."""
        return self.order_by("rank", "recorded_at", "id")


class Need(models.Model):
    household = models.ForeignKey(
        "households.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="needs"
    )
    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
    )
    domain = models.CharField(_("需求领域"), max_length=16, choices=c.NeedDomain.choices)
    description = models.TextField(_("需求描述"), validators=[MaxLengthValidator(2000)])
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=c.Urgency.choices, default=c.Urgency.NORMAL
    )
    source = models.CharField(_("来源"), max_length=16, choices=c.NeedSource.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=c.NeedStatus.choices, default=c.NeedStatus.RECORDED
    )
    item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("匹配项目"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="needs",
    )
    outcome_note = models.TextField(_("办理情况"), blank=True, validators=[MaxLengthValidator(2000)])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最近办理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("最近办理时间"), null=True, blank=True)
    met_on = models.DateField(_("满足日期"), null=True, blank=True)
    days_to_meet = models.PositiveIntegerField(_("办结天数"), null=True, blank=True)
    # 0 open and urgent, 1 open, 2 closed: the ledger's order, kept by the database itself.
    rank = models.GeneratedField(
        expression=models.Case(
            models.When(status__in=c.OPEN_NEED_STATUSES, urgency=c.Urgency.URGENT, then=0),
            models.When(status__in=c.OPEN_NEED_STATUSES, then=1),
            default=2,
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )

    version = version_field()

    objects = NeedQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["rank"])

    class Meta:
        verbose_name = _("需求")
        verbose_name_plural = _("需求台账")
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["household", "status"]),
            models.Index(fields=["rank", "recorded_at", "id"], name="need_ledger_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="met") | Q(met_on__isnull=False), name="need_met_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.get_domain_display()} · {self.household}"

    @property
    def is_open(self) -> bool:
        return self.status in c.OPEN_NEED_STATUSES


class RecommendationQuerySet(scoped_queryset("household__")):
    volunteers_see = False

    def open(self):
        return self.filter(status__in=c.OPEN_UPTAKE_STATUSES)


class Recommendation(models.Model):
    """An item pushed to a person (or a household, for household-level items) they are eligible
    for and do not receive: the uptake funnel pushed -> offered -> applied -> granted -> delivered.

    Rows are written in bulk by the push (set-based SQL); each worker step after that is saved
    through the model and kept in history. ``signature`` is the person's screening signature at
    push time: a declined or granted item is pushed again only when it changes.
    """

    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("家庭"),
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    person = models.ForeignKey(
        "households.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations",
    )
    item = models.ForeignKey(
        CatalogItem, verbose_name=_("清单项目"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=c.UptakeStatus.choices, default=c.UptakeStatus.PUSHED
    )
    signature = models.BigIntegerField(null=True, blank=True, editable=False)
    pushed_at = models.DateTimeField(_("推送时间"), default=timezone.now)
    changed_at = models.DateTimeField(_("最近办理时间"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最近办理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True, validators=[MaxLengthValidator(2000)])

    version = version_field()

    objects = RecommendationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("推送项目")
        verbose_name_plural = _("幸福清单推送")
        ordering = ["-pushed_at", "-id"]
        indexes = [
            # Covering (PostgreSQL): the uptake recount of a community (stats.uptake) reads only
            # this index for the community's households (233 -> 45 ms for 36k rows of 474k).
            models.Index(fields=["household", "status"], include=["item"], name="recommendation_uptake"),
            models.Index(fields=["item", "status"]),
            models.Index(fields=["status", "pushed_at"]),
            models.Index(fields=["-pushed_at", "-id"], name="recommendation_newest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "item"],
                condition=Q(person__isnull=False),
                name="one_recommendation_per_person_item",
            ),
            models.UniqueConstraint(
                fields=["household", "item"],
                condition=Q(person__isnull=True),
                name="one_recommendation_per_household_item",
            ),
        ]

    def __str__(self):
        return f"{self.item} · {self.person or self.household}"

    @property
    def is_open(self) -> bool:
        return self.status in c.OPEN_UPTAKE_STATUSES


class PushRun(models.Model):
    """One run of the push: what it covered and what it wrote."""

    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    mode = models.CharField(_("方式"), max_length=16)
    created = models.PositiveIntegerField(_("新推送"), default=0)
    repushed = models.PositiveIntegerField(_("重新推送"), default=0)
    withdrawn = models.PositiveIntegerField(_("不再符合"), default=0)
    seconds = models.FloatField(_("用时（秒）"), default=0)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.mode}"


class CarePlanQuerySet(scoped_queryset("household__")):
    volunteers_see = False

    def in_force(self):
        return self.filter(status__in=c.PLAN_IN_FORCE)


class CarePlan(models.Model):
    """个性化关爱服务方案: one per household in force, versioned (a new version copies the last)."""

    household = models.ForeignKey(
        "households.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="care_plans"
    )
    edition = models.PositiveSmallIntegerField(_("版本"), default=1)  # 第N版 (a new plan copies the last)
    previous = models.ForeignKey(
        "self", verbose_name=_("上一版本"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=c.PlanStatus.choices, default=c.PlanStatus.DRAFT
    )
    summary = models.TextField(_("家庭情况摘要"), blank=True, validators=[MaxLengthValidator(4000)])
    goals = models.TextField(_("帮扶目标"), validators=[MaxLengthValidator(4000)])
    review_on = models.DateField(_("评估日期"))
    review_note = models.TextField(_("评估意见"), blank=True, validators=[MaxLengthValidator(4000)])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制定人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("制定时间"), default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回意见"), blank=True, validators=[MaxLengthValidator(2000)])
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    version = version_field()

    objects = CarePlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("关爱服务方案")
        verbose_name_plural = _("关爱服务方案")
        ordering = ["-created_at", "-id"]
        permissions = [("approve_careplan", _("可审批关爱服务方案"))]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status__in=c.PLAN_IN_FORCE),
                name="one_plan_in_force_per_household",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status__in=c.PLAN_IN_PROGRESS),
                name="one_plan_in_progress_per_household",
            ),
            models.UniqueConstraint(fields=["household", "edition"], name="plan_version_unique"),
        ]

    def __str__(self):
        return _("%(household)s 关爱方案（第%(v)s版）") % {"household": self.household, "v": self.edition}

    @property
    def is_editable(self) -> bool:
        return self.status == c.PlanStatus.DRAFT


class PlanActionQuerySet(scoped_queryset("plan__household__")):
    volunteers_see = False


class PlanAction(models.Model):
    plan = models.ForeignKey(
        CarePlan, verbose_name=_("方案"), on_delete=models.PROTECT, related_name="actions"
    )
    description = models.CharField(_("帮扶措施"), max_length=300)
    need = models.ForeignKey(
        Need,
        verbose_name=_("对应需求"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_actions",
    )
    item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("清单项目"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_actions",
    )
    owner_team = models.ForeignKey(
        "visits.Team",
        verbose_name=_("责任队伍"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_on = models.DateField(_("完成期限"))
    status = models.CharField(
        _("状态"), max_length=16, choices=c.ActionStatus.choices, default=c.ActionStatus.OPEN
    )
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.TextField(_("落实情况"), blank=True, validators=[MaxLengthValidator(2000)])

    version = version_field()

    objects = PlanActionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | Q(owner_team__isnull=False), name="plan_action_has_owner"
            )
        ]

    def __str__(self):
        return self.description

    @property
    def is_overdue(self) -> bool:
        import datetime as dt

        return self.status == c.ActionStatus.OPEN and self.due_on < dt.date.today()


class CatalogImportQuerySet(models.QuerySet):
    """Bulk edits of the two lists belong to city admins alone: anyone else sees none."""

    def restrict(self, user, action: str = VIEW):
        if user is None or not user.is_authenticated or not user.is_active or not user.is_city_admin:
            return self.none()
        return self


class CatalogImport(models.Model):
    """One upload of the two lists or the providers: checked (a dry run), then confirmed.

    The parsed cells are kept (a catalog is at most a few thousand short rows) so that the
    confirmation imports exactly what was previewed, and the preview stays readable afterwards.
    """

    kind = models.CharField(_("导入内容"), max_length=16, choices=c.CatalogImportKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=c.CatalogImportStatus.choices)
    file_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("文件大小"), default=0)
    sha256 = models.CharField(max_length=64, editable=False)
    headers = models.JSONField(default=list, editable=False)
    rows = models.JSONField(default=list, editable=False)
    summary = models.JSONField(_("汇总"), default=dict, blank=True)
    preview = models.JSONField(_("预览"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, editable=False)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    objects = CatalogImportQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["rows", "headers", "preview"])

    class Meta:
        verbose_name = _("清单导入")
        verbose_name_plural = _("清单导入")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def can_commit(self) -> bool:
        return self.status == c.CatalogImportStatus.CHECKED

    @property
    def badge(self) -> str:
        return {"checked": "warn", "committed": "ok", "rejected": "red", "failed": "red"}.get(
            self.status, "muted"
        )


class PushState(models.Model):
    """The push inputs of a person at the last full push (``assistance.push`` packs them into
    ``facts``): a full push re-evaluates only the households of people whose inputs changed.
    A derived cache, rebuilt by ``push --all --force``; not a case record."""

    person = models.OneToOneField(
        "households.Person", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    household_id = models.BigIntegerField()  # where the person was, to notice moves
    facts = models.BigIntegerField()
    screening = models.BigIntegerField()  # the screening signature (-1: none), for the re-push

    def __str__(self):
        return f"{self.person_id}: {self.facts}"


class PushHouseholdState(models.Model):
    """The household's own push inputs (status, housing, employment) at the last full push."""

    household = models.OneToOneField(
        "households.Household", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    facts = models.BigIntegerField()

    def __str__(self):
        return f"{self.household_id}: {self.facts}"


class PushItemState(models.Model):
    """The eligibility version of an item that the recommendations reflect for everyone: an
    edited item (or one that starts or ends) is re-evaluated for everyone by the next full push."""

    item = models.OneToOneField(CatalogItem, on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.CharField(max_length=40)

    def __str__(self):
        return f"{self.item_id}: {self.version}"
