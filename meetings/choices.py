"""Stable English codes, Chinese labels (domain.md section 1, step 9: the joint meeting)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待镇街审核")
    RETURNED = "returned", _("已退回")
    ENDORSED = "endorsed", _("待列入议程")
    ON_AGENDA = "on_agenda", _("已列入议程")
    RESOLVING = "resolving", _("决议落实中")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_CASE_STATUSES = (
    CaseStatus.SUBMITTED,
    CaseStatus.RETURNED,
    CaseStatus.ENDORSED,
    CaseStatus.ON_AGENDA,
    CaseStatus.RESOLVING,
)
# A case the city has accepted: the secretariat sees it from here on.
CITY_CASE_STATUSES = (CaseStatus.ENDORSED, CaseStatus.ON_AGENDA, CaseStatus.RESOLVING, CaseStatus.CLOSED)


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("已安排")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class TaskStatus(models.TextChoices):
    ASSIGNED = "assigned", _("已交办")
    IN_PROGRESS = "in_progress", _("办理中")
    DONE = "done", _("已完成")
    UNABLE = "unable", _("无法落实")


OPEN_TASK_STATUSES = (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS)
