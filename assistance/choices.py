"""Stable English codes, Chinese labels (domain.md section 1, steps 3-6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NeedDomain(models.TextChoices):
    LIVING = "living", _("基本生活")
    MEDICAL = "medical", _("医疗")
    EDUCATION = "education", _("教育")
    HOUSING = "housing", _("住房")
    EMPLOYMENT = "employment", _("就业")
    CARE = "care", _("照料")
    PSYCHOLOGICAL = "psychological", _("心理")
    SAFETY = "safety", _("安全")
    LEGAL = "legal", _("法律")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("一般")


class NeedSource(models.TextChoices):
    SCREENING = "screening", _("分类筛查")
    ALERT = "alert", _("监测预警")
    VISIT = "visit", _("探访发现")
    SELF_REPORT = "self_report", _("本人或家属反映")
    IMPORT = "import", _("名单导入")
    OTHER = "other", _("其他")


class NeedStatus(models.TextChoices):
    RECORDED = "recorded", _("已登记")
    MATCHED = "matched", _("已匹配")
    IN_PROGRESS = "in_progress", _("帮扶中")
    MET = "met", _("已满足")
    CLOSED_UNMET = "closed_unmet", _("未满足关闭")
    ESCALATED = "escalated", _("已提交联席会议")


OPEN_NEED_STATUSES = (
    NeedStatus.RECORDED,
    NeedStatus.MATCHED,
    NeedStatus.IN_PROGRESS,
    NeedStatus.ESCALATED,
)


class ProviderKind(models.TextChoices):
    DEPARTMENT = "department", _("职能部门")
    CENTRE = "centre", _("帮扶中心")
    CHARITY = "charity", _("慈善平台")
    SOCIAL_ORG = "social_org", _("社会组织")


class CatalogList(models.TextChoices):
    GOVERNMENT = "government", _("政府救助清单")
    SOCIAL = "social", _("社会服务清单")


class HouseholdCondition(models.TextChoices):
    """Household facts an item may require (any of them)."""

    LOW_INCOME = "low_income", _("低保、特困或低边家庭")
    UNSAFE_HOUSING = "unsafe_housing", _("住房不安全（C/D级危房或无房）")
    LIVING_ALONE = "living_alone", _("独居或空巢")
    ZERO_EMPLOYMENT = "zero_employment", _("零就业家庭")
    SPECIAL_FAMILY = "special_family", _("计生特殊家庭")


class UptakeStatus(models.TextChoices):
    PUSHED = "pushed", _("已推送")
    OFFERED = "offered", _("已告知")
    APPLIED = "applied", _("已申请")
    GRANTED = "granted", _("已获批")
    DELIVERED = "delivered", _("已落实")
    DECLINED = "declined", _("不需要")
    WITHDRAWN = "withdrawn", _("不再符合")


OPEN_UPTAKE_STATUSES = (UptakeStatus.PUSHED, UptakeStatus.OFFERED, UptakeStatus.APPLIED)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已审批")
    ACTIVE = "active", _("执行中")
    REVIEWED = "reviewed", _("已评估")
    CLOSED = "closed", _("已结束")


# A household has at most one plan being written (draft to approved) and one in force.
PLAN_IN_PROGRESS = (PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.APPROVED)
PLAN_IN_FORCE = (PlanStatus.ACTIVE, PlanStatus.REVIEWED)


class ActionStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class CatalogImportKind(models.TextChoices):
    ITEMS = "items", _("清单项目")
    PROVIDERS = "providers", _("服务提供方")


class CatalogImportStatus(models.TextChoices):
    CHECKED = "checked", _("已校验，待确认")
    COMMITTED = "committed", _("已导入")
    REJECTED = "rejected", _("有错误，未导入")
    FAILED = "failed", _("文件无法读取")
