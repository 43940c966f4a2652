from django.db import models
from django.utils.translation import gettext_lazy as _


class MemberType(models.TextChoices):
    PARTY_CADRE = "party_cadre", _("党员干部")
    CIVIL_AFFAIRS = "civil_affairs", _("民政工作人员")
    SOCIAL_WORKER = "social_worker", _("“双百”社工")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    GRID_WORKER = "grid_worker", _("网格员")
    VOLUNTEER = "volunteer", _("志愿者")
    YOUNG_ELDERLY = "young_elderly", _("低龄健康老年人")
    RELATIVE = "relative", _("亲属")
    NEIGHBOUR = "neighbour", _("邻里")


class TeamType(models.TextChoices):
    COMMUNITY = "community", _("村（社区）探访队")
    PARTY = "party", _("党员志愿服务队")
    SOCIAL_WORK = "social_work", _("社工服务队")
    MIXED = "mixed", _("综合服务队")


class VisitMethod(models.TextChoices):
    HOME = "home", _("上门")
    PHONE = "phone", _("电话")
    VIDEO = "video", _("视频")


class Service(models.TextChoices):
    """Services delivered, counted in person-times (人次); domain.md section 1.8."""

    CONDOLENCE = "condolence", _("探访慰问")
    LIVING = "living", _("生活帮扶")
    MEDICAL = "medical", _("医疗帮扶")
    COUNSELLING = "counselling", _("心理疏导")
    ESCORT = "escort", _("助医")
    MEALS = "meals", _("助餐")
    CLEANING = "cleaning", _("助洁")
    MOBILITY = "mobility", _("助行")
    OTHER = "other", _("其他")


class Health(models.TextChoices):
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")
    URGENT = "urgent", _("需紧急就医")


class Check(models.TextChoices):
    """A home safety check: safe, a hazard found, or not checked (e.g. a phone visit)."""

    SAFE = "safe", _("安全")
    HAZARD = "hazard", _("有隐患")
    UNCHECKED = "unchecked", _("未检查")


class ActivityKind(models.TextChoices):
    HEALTH_TALK = "health_talk", _("健康讲座")
    LEGAL = "legal", _("法律咨询")
    CHECKUP = "checkup", _("健康体检")
    CALLIGRAPHY = "calligraphy", _("书画")
    PAPER_CUT = "paper_cut", _("剪纸")
    SINGING = "singing", _("唱歌")
    OTHER = "other", _("其他文体活动")


# An activity counts in the person-times of this service (人次 are derived, never typed).
ACTIVITY_SERVICE = {
    ActivityKind.HEALTH_TALK: Service.MEDICAL,
    ActivityKind.CHECKUP: Service.MEDICAL,
    ActivityKind.LEGAL: Service.OTHER,
    ActivityKind.CALLIGRAPHY: Service.COUNSELLING,
    ActivityKind.PAPER_CUT: Service.COUNSELLING,
    ActivityKind.SINGING: Service.COUNSELLING,
    ActivityKind.OTHER: Service.OTHER,
}


class DueReason(models.TextChoices):
    ROUTINE = "routine", _("按周期")
    EVENT = "event", _("重大事件（24小时内）")
    NEVER = "never", _("尚未探访")
