"""Reads of the joint meeting that are more than a filter (the manager dashboard reuses these)."""

import datetime as dt

from django.db.models import Count, Q

from . import choices as c
from .models import JointCase, Meeting, ResolutionTask


def overdue_tasks(user, *, today: dt.date | None = None):
    """Open resolution tasks past their deadline that ``user`` may see, the most overdue first."""
    return (
        ResolutionTask.objects.restrict(user)
        .overdue(today)
        .select_related("department", "case__household__town", "case__household__community")
        .prefetch_related("case__household__members")  # the household's name is its head's
        .order_by("deadline", "id")
    )


def overdue_by_department(user, *, today: dt.date | None = None) -> list[dict]:
    """One row per department with open and overdue task counts (the secretariat's 督办 table)."""
    today = today or dt.date.today()
    return list(
        ResolutionTask.objects.restrict(user)
        .open()
        .values("department__name")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(deadline__lt=today)))
        .order_by("-overdue", "department__name")
    )


def upcoming_meetings(user, *, today: dt.date | None = None):
    return (
        Meeting.objects.restrict(user)
        .filter(status=c.MeetingStatus.SCHEDULED, held_on__gte=today or dt.date.today())
        .order_by("held_on", "id")
    )


def cases_awaiting_agenda(user):
    return (
        JointCase.objects.restrict(user)
        .filter(status=c.CaseStatus.ENDORSED)
        .select_related("household__town", "household__community")
        .prefetch_related("household__members")
        .order_by("endorsed_at", "id")
    )


def cases_awaiting_endorsement(user):
    return (
        JointCase.objects.restrict(user, "change")
        .filter(status=c.CaseStatus.SUBMITTED)
        .select_related("household__town", "household__community")
        .prefetch_related("household__members")
        .order_by("created_at", "id")
    )
