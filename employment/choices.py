"""Stable English codes, Chinese labels (就业兜底帮扶)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Education(models.TextChoices):
    NONE = "none", _("未上学")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中专/技校")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科及以上")


class Intention(models.TextChoices):
    WAGE_JOB = "wage_job", _("务工就业")
    FLEXIBLE = "flexible", _("灵活就业")
    SELF_EMPLOYED = "self_employed", _("自主创业")
    PUBLIC_POST = "public_post", _("公益性岗位")
    TRAINING = "training", _("先参加技能培训")
    NONE = "none", _("暂无就业意愿")


class TrainingStatus(models.TextChoices):
    ENROLLED = "enrolled", _("在训")
    COMPLETED = "completed", _("已结业")
    DROPPED = "dropped", _("中途退出")


class PlacementStatus(models.TextChoices):
    ACTIVE = "active", _("在岗")
    ENDED = "ended", _("已离岗")


class ReferralKind(models.TextChoices):
    RECOMMENDATION = "recommendation", _("岗位推荐")
    RECRUITMENT = "recruitment", _("社会招聘")


class ReferralOutcome(models.TextChoices):
    PENDING = "pending", _("待反馈")
    EMPLOYED = "employed", _("已就业")
    NOT_HIRED = "not_hired", _("未录用")
    DECLINED = "declined", _("本人放弃")


class SurveyMethod(models.TextChoices):
    ON_SITE = "on_site", _("入户走访")
    PHONE = "phone", _("电话联系")


class SurveyResult(models.TextChoices):
    WANTS_JOB = "wants_job", _("有就业意愿")
    WANTS_TRAINING = "wants_training", _("有培训意愿")
    EMPLOYED = "employed", _("已就业")
    UNABLE = "unable", _("无法就业（照料、健康等）")
    NO_INTENTION = "no_intention", _("暂无就业意愿")
    NOT_REACHED = "not_reached", _("未联系上")


# What a placement's end leaves the person as (the rule input Person.employment).
AFTER_PLACEMENT = [("unemployed", _("失业")), ("employed", _("在业")), ("flexible", _("灵活就业"))]
