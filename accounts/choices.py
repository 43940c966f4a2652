from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    CITY_MANAGER = "city_manager", _("市/区管理人员（只读）")
    TOWN_WORKER = "town_worker", _("镇街工作人员")
    COMMUNITY_WORKER = "community_worker", _("村（社区）工作人员")
    VOLUNTEER = "volunteer", _("探访志愿者")


WRITE_ROLES = {Role.ADMIN, Role.TOWN_WORKER, Role.COMMUNITY_WORKER}
REVEAL_ROLES = {Role.ADMIN, Role.TOWN_WORKER, Role.COMMUNITY_WORKER}
