from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    CITY_MANAGER = "city_manager", _("市/区管理人员（只读）")
    TOWN_WORKER = "town_worker", _("镇街工作人员")
    COMMUNITY_WORKER = "community_worker", _("村（社区）工作人员")
    VOLUNTEER = "volunteer", _("探访志愿者")
    SECRETARIAT = "secretariat", _("市联席会议办公室")
    DEPARTMENT_LIAISON = "department_liaison", _("部门联络员")


WRITE_ROLES = {Role.ADMIN, Role.TOWN_WORKER, Role.COMMUNITY_WORKER}
REVEAL_ROLES = {Role.ADMIN, Role.TOWN_WORKER, Role.COMMUNITY_WORKER}
# Roles that see case records through the joint meeting's cases, not through an area (a registry
# in core/scoping.py names their households; meetings/apps.py fills it).
CASE_ROLES = {Role.SECRETARIAT, Role.DEPARTMENT_LIAISON}
