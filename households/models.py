import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import idnumber
from core.concurrency import version_field
from core.scoping import VIEW, scoped_queryset

from . import choices as c
from .names import name_initials


class DivisionQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """Divisions inside the user's area (its own division and everything below it)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_whole_city:
            return self
        if user.is_volunteer or user.division is None:
            return self.none()
        return self.filter(path__startswith=user.division.path)

    def towns(self):
        return self.filter(level=c.DivisionLevel.TOWN)

    def communities(self):
        return self.filter(level=c.DivisionLevel.COMMUNITY)


class Division(models.Model):
    """City -> town (镇街) -> village/community (村/社区) -> grid (网格)."""

    code = models.CharField(_("区划代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=c.DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # Materialised path of codes ("442000/442000002/..."), for "everything under this division".
    path = models.CharField(max_length=255, editable=False, db_index=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = DivisionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="division_unique_name_in_parent")
        ]

    def __str__(self):
        return self.name

    _PARENT_LEVEL = {"town": "city", "community": "town", "grid": "community"}

    def clean(self):
        expected = self._PARENT_LEVEL.get(self.level)
        if self.level == c.DivisionLevel.CITY and self.parent_id:
            raise ValidationError({"parent": _("市级区划不能有上级。")})
        if expected and (self.parent is None or self.parent.level != expected):
            raise ValidationError({"parent": _("上级区划层级不正确。")})

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path}/{self.code}" if self.parent_id else self.code
        super().save(*args, **kwargs)

    @property
    def town(self):
        node = self
        while node is not None and node.level not in (c.DivisionLevel.TOWN, c.DivisionLevel.CITY):
            node = node.parent
        return node if node is not None and node.level == c.DivisionLevel.TOWN else None

    @property
    def full_name(self) -> str:
        parts, node = [], self
        while node is not None and node.level != c.DivisionLevel.CITY:
            parts.append(node.name)
            node = node.parent
        return " / ".join(reversed(parts))


class Household(models.Model):
    code = models.CharField(_("户编号"), max_length=64, null=True, blank=True, unique=True)
    # town and community are kept alongside the grid so area scoping is one indexed equality.
    town = models.ForeignKey(
        Division, verbose_name=_("镇街"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    community = models.ForeignKey(
        Division, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="households"
    )
    grid = models.ForeignKey(
        Division, verbose_name=_("网格"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    housing = models.CharField(_("住房情况"), max_length=20, choices=c.Housing.choices, blank=True)
    safety_grade = models.CharField(
        _("房屋安全等级"), max_length=1, choices=c.SafetyGrade.choices, blank=True
    )
    size = models.PositiveSmallIntegerField(
        _("家庭人口数"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, _("家庭人口数至少为 1。")),
            MaxValueValidator(99, _("家庭人口数不能超过 99。")),
        ],
    )
    income_per_capita = models.DecimalField(
        _("月人均收入（元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    zero_employment = models.BooleanField(_("零就业家庭"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=c.RecordStatus.choices, default=c.RecordStatus.ACTIVE
    )
    note = models.TextField(_("备注"), blank=True, validators=[MaxLengthValidator(2000)])
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = version_field()

    objects = scoped_queryset("").as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["town", "status"]),
            models.Index(fields=["community", "status"]),
            # The push after a sweep finds the households written since its last run.
            models.Index(fields=["updated_at"], name="household_updated_at"),
        ]

    def __str__(self):
        head = self.head
        return _("%(name)s户") % {"name": head.name} if head else (self.code or f"#{self.pk}")

    def clean(self):
        if self.community_id and self.community.level != c.DivisionLevel.COMMUNITY:
            raise ValidationError({"community": _("请选择一个村（社区）。")})
        if self.grid_id and self.grid.parent_id != self.community_id:
            raise ValidationError({"grid": _("网格不属于所选村（社区）。")})

    def save(self, *args, **kwargs):
        if self.community_id:
            self.town_id = Division.objects.values_list("parent_id", flat=True).get(pk=self.community_id)
        super().save(*args, **kwargs)
        # Members carry the household's town and community (area filter without a join).
        Person.objects.filter(household_id=self.pk).exclude(
            town_id=self.town_id, community_id=self.community_id
        ).update(town_id=self.town_id, community_id=self.community_id)

    @property
    def head(self):
        members = getattr(self, "_prefetched_objects_cache", {}).get("members")
        if members is not None:
            return next((m for m in members if m.relation == c.Relation.HEAD), None)
        return self.members.filter(relation=c.Relation.HEAD).exclude(status=c.PersonStatus.ARCHIVED).first()

    @property
    def is_archived(self) -> bool:
        return self.status == c.RecordStatus.ARCHIVED


class PersonQuerySet(scoped_queryset("household__")):
    # Town and community are on the person row: area scoping needs no join to households.
    area_prefix = ""

    def search(self, text: str):
        """Name or given-name prefix, pinyin initials prefix, last 4-6 digits of the ID, or a full
        ID number (keyed hash). Every branch is an indexed lookup (see Person.Meta.indexes)."""
        text = (text or "").strip()
        if not text:
            return self
        normalized = idnumber.normalize(text)
        if len(normalized) in (15, 18) and normalized[:15].isdigit():
            try:
                return self.filter(id_hash=idnumber.id_hash(idnumber.parse(normalized).value))
            except idnumber.IdNumberError:
                return self.none()
        if 4 <= len(normalized) <= 6 and normalized[:-1].isdigit():
            return self.filter(id_tail__in=id_tails_ending(normalized))
        if text.isascii() and text.isalpha():
            return self.filter(name_initials__startswith=text.lower())
        # The full name or the given name (after a one-character surname) starts with the text.
        return self.alias(given_name=Substr("name", 2)).filter(
            Q(name__startswith=text) | Q(given_name__startswith=text)
        )


SELECTIVE_MATCHES = 2000


def search_matches(text: str, column: str = "pk"):
    """``column`` of the people a search finds, for filtering another list by them (households,
    decisions). An ID number or its last digits finds a handful of people: their ids are read
    first, so the outer list is a lookup by id. As a subquery the planner guesses ~100 matches
    and walks the whole outer list by its order to find them (O(registry), 50 ms at 40k
    households). A name finds many people spread over the list: a subquery stops early."""
    matches = Person.objects.search(text)
    normalized = idnumber.normalize((text or "").strip())
    if 4 <= len(normalized) <= 18 and normalized[:-1].isdigit():
        return list(matches.values_list(column, flat=True)[:SELECTIVE_MATCHES])
    return matches.values(column)


def id_tails_ending(suffix: str) -> list[str]:
    """The stored 6-character tails that end with ``suffix`` (4-6 characters): an IN list of at
    most 100 values, each an index lookup, where ``LIKE '%1234'`` would read every row. The
    characters before the check character are digits (birth day and sequence number)."""
    missing = 6 - len(suffix)
    return [f"{n:0{missing}d}{suffix}" for n in range(10**missing)] if missing else [suffix]


class Person(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=50)
    name_initials = models.CharField(max_length=50, editable=False, db_index=True)
    # Copies of the household's town and community, kept in step by Person.save, Household.save
    # and the import pipeline: lists filter and sort a million people by area without a join.
    # (Indexed with id below, which serves equality on the area alone too.)
    town = models.ForeignKey(
        Division,
        verbose_name=_("镇街"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
    )
    community = models.ForeignKey(
        Division,
        verbose_name=_("村（社区）"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
    )
    # Identity: keyed hash (lookup), ciphertext (reveal), masked text (display), last 6 (search).
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_encrypted = models.TextField(editable=False)
    id_masked = models.CharField(_("身份证号码"), max_length=18, editable=False)
    id_tail = models.CharField(max_length=6, editable=False, db_index=True)
    sex = models.CharField(_("性别"), max_length=8, choices=c.Sex.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    relation = models.CharField(_("与户主关系"), max_length=20, choices=c.Relation.choices)
    phone_encrypted = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    disability_category = models.CharField(
        _("残疾类别"), max_length=16, choices=c.DisabilityCategory.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"), choices=c.DisabilityGrade.choices, null=True, blank=True
    )
    serious_illness = models.CharField(_("重特大疾病"), max_length=200, blank=True)
    care_level = models.CharField(_("失能等级"), max_length=16, choices=c.CareLevel.choices, blank=True)
    labor_capacity = models.CharField(
        _("劳动能力"), max_length=16, choices=c.LaborCapacity.choices, blank=True
    )
    employment = models.CharField(_("就业状况"), max_length=20, choices=c.Employment.choices, blank=True)
    school_stage = models.CharField(_("在读学段"), max_length=20, choices=c.SchoolStage.choices, blank=True)
    living_arrangement = models.CharField(
        _("居住情况"), max_length=20, choices=c.LivingArrangement.choices, blank=True
    )
    special_family = models.BooleanField(_("计生特殊家庭"), default=False)
    father_situation = models.CharField(
        _("父亲情况"), max_length=24, choices=c.ParentSituation.choices, blank=True
    )
    mother_situation = models.CharField(
        _("母亲情况"), max_length=24, choices=c.ParentSituation.choices, blank=True
    )
    guardianship = models.CharField(_("监护情况"), max_length=16, choices=c.Guardianship.choices, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=c.PersonStatus.choices, default=c.PersonStatus.ACTIVE
    )
    needs_review = models.BooleanField(_("待核查"), default=False)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = version_field()

    objects = PersonQuerySet.as_manager()
    # History is read per person (by id) and per household, never looked up by ID hash or tail:
    # those two indexes on random values made writing history rows (imports) about 3x slower.
    history = HistoricalRecords(
        excluded_fields=[
            "updated_at",
            "name_initials",
            "id_encrypted",
            "phone_encrypted",
            "town",
            "community",
        ],
        no_db_index=["id_hash", "id_tail"],
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["household", "relation"]),
            models.Index(fields=["birth_date"]),
            # The push after a sweep finds the people written since its last run.
            models.Index(fields=["updated_at"], name="person_updated_at"),
            # Area lists in their default order (newest first) and the name searches.
            models.Index(fields=["town", "id"], name="person_town_id"),
            # Covering (PostgreSQL): the summary recount of a community reads only this index.
            models.Index(
                fields=["community", "id"],
                include=["household", "status", "needs_review", "town"],
                name="person_community_id",
            ),
            # LIKE 'x%' on PostgreSQL: pattern ops serve it under any collation (SQLite ignores them).
            models.Index(fields=["name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]),
            # The given-name search; used for LIKE under a C collation (ours), a plain index otherwise.
            models.Index(Substr("name", 2), name="person_given_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="person_disability_grade_1_4",
            ),
            # One current head per household, enforced by the database: two concurrent requests
            # both passing the service's check must not both succeed (archived and deceased
            # heads do not count, as in services._check_single_head).
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation=c.Relation.HEAD) & ~Q(status__in=c.INACTIVE_PERSON_STATUSES),
                name="one_head_per_household",
                violation_error_message=_("该家庭已有户主，请先修改原户主的关系。"),
            ),
        ]

    def __str__(self):
        return self.name

    def set_id_number(self, raw: str) -> None:
        parsed = idnumber.parse(raw)
        self.id_hash = idnumber.id_hash(parsed.value)
        self.id_encrypted = idnumber.encrypt(parsed.value)
        self.id_masked = parsed.masked
        self.id_tail = parsed.value[-6:]
        self.sex = parsed.sex
        self.birth_date = parsed.birth_date

    def set_phone(self, phone: str) -> None:
        self.phone_encrypted = idnumber.encrypt(phone)
        self.phone_masked = idnumber.mask_phone(phone)

    @property
    def id_number(self) -> str:
        """The clear ID number. Only reveal services call this (and they log it)."""
        return idnumber.decrypt(self.id_encrypted)

    @property
    def phone(self) -> str:
        return idnumber.decrypt(self.phone_encrypted)

    def save(self, *args, **kwargs):
        self.name_initials = name_initials(self.name)
        if self.household_id:
            household = self.household
            self.town_id, self.community_id = household.town_id, household.community_id
        super().save(*args, **kwargs)

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int:
        return self.age_on(dt.date.today())


class AssistanceStatusQuerySet(scoped_queryset("person__household__")):
    area_prefix = "person__"

    def current(self, on: dt.date | None = None):
        on = on or dt.date.today()
        return self.filter(Q(start_date__isnull=True) | Q(start_date__lte=on)).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=on)
        )


class AssistanceStatus(models.Model):
    """An assistance status a person holds (低保, 特困, ...), from a source, over a period."""

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="statuses"
    )
    kind = models.CharField(_("救助类型"), max_length=24, choices=c.AssistanceKind.choices)
    detail = models.CharField(_("说明"), max_length=50, blank=True, help_text=_("例如：分散供养、集中供养"))
    source = models.CharField(_("数据来源"), max_length=32, choices=c.AssistanceSource.choices)
    start_date = models.DateField(_("认定日期"), null=True, blank=True)
    end_date = models.DateField(_("终止日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssistanceStatusQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("救助身份")
        verbose_name_plural = _("救助身份")
        ordering = ["kind", "-start_date"]
        indexes = [
            models.Index(fields=["kind", "end_date"]),
            models.Index(fields=["person", "source"]),
            # The nightly pass finds statuses that began or ended since the last night.
            models.Index(fields=["start_date"]),
            models.Index(fields=["end_date"]),
            # The push after a sweep finds the statuses recorded since its last run.
            models.Index(fields=["created_at"], name="status_created_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="status_end_after_start",
            )
        ]

    def __str__(self):
        return self.get_kind_display()

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("终止日期不能早于认定日期。")})

    @property
    def is_current(self) -> bool:
        today = dt.date.today()
        return (self.start_date is None or self.start_date <= today) and (
            self.end_date is None or self.end_date > today
        )


class PolicyParameter(models.Model):
    """A local policy number (e.g. 低保标准) in force from a date (see households.policy)."""

    key = models.CharField(_("参数"), max_length=64)
    value = models.DecimalField(_("数值"), max_digits=12, decimal_places=2)
    effective_from = models.DateField(_("生效日期"))
    note = models.CharField(_("依据/说明"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")
        ordering = ["key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="policy_unique_key_date")
        ]

    def __str__(self):
        return f"{self.key} {self.effective_from}: {self.value}"

    def clean(self):
        from .policy import REGISTRY

        if self.key not in REGISTRY:
            raise ValidationError({"key": _("未知的参数。")})
