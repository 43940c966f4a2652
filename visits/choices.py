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
