"""Writes of the employment drive: keyword-only functions, each checking scope, refusing bad input
with a Chinese message, and leaving history.

The employment status is the registry's ``Person.employment`` (a screening rule input). Every
outcome that changes it goes through ``households.services.person_update``: the person's version
moves on, its history names the worker, and the database's change marks plus the registry's
``households_changed`` hook re-screen the household (so an employed person leaves the
``unemployed`` group, with the decision's end recorded, like after any other edit).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.retirement import add_months
from core.concurrency import claim_version
from core.scoping import CHANGE
from households import services as registry
from households.models import Household, Person

from . import choices as c
from . import tallies
from .models import EmploymentProfile, Placement, Post, Referral, SurveyContact, Training
from .selectors import served_days

EARLIEST = dt.date(2000, 1, 1)
PROFILE_FIELDS = (
    "education",
    "skills",
    "intention",
    "desired_job",
    "care_duties",
    "health_limits",
    "barrier_note",
    "note",
)


def _check_person(person: Person, user) -> None:
    if not Person.objects.restrict(user, CHANGE).filter(pk=person.pk).exists():
        raise ValidationError(_("您不能为该人员登记就业帮扶。"))
    if person.status != "active":
        raise ValidationError(_("该人员不是在册人员，不能登记。"))


def _check_date(value, field: str, *, allow_future_days: int = 0) -> None:
    if value is None:
        return
    if value < EARLIEST:
        raise ValidationError({field: _("日期不能早于 2000 年。")})
    if value > timezone.localdate() + dt.timedelta(days=allow_future_days):
        raise ValidationError({field: _("日期不能晚于今天。") if not allow_future_days else _("日期太远。")})


def set_employment(*, person: Person, user, employment: str) -> None:
    """Change the rule input through the registry (history, version, re-screening)."""
    person.refresh_from_db()
    if person.employment == employment:
        return
    person._history_user = user  # also outside a web request (API threads, jobs, tests)
    registry.person_update(person=person, user=user, data={"employment": employment})


# --- Profile -----------------------------------------------------------------------------------


@transaction.atomic
def profile_save(*, person: Person, user, employment: str | None = None, version: int | None = None, **data):
    """Create or update a person's profile; ``version`` is the one the editor opened."""
    _check_person(person, user)
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(_("未知字段：%s") % "、".join(sorted(unknown)))
    profile = EmploymentProfile.objects.filter(person=person).first()
    if profile is None:
        profile = EmploymentProfile(person=person, updated_by=user)
    else:
        claim_version(profile, expected=version)
    for name, value in data.items():
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    profile.updated_by = user
    profile.updated_at = timezone.now()
    profile.full_clean()
    profile._history_user = user
    profile.save()
    if employment is not None:
        set_employment(person=person, user=user, employment=employment)
    return profile


# --- Training ----------------------------------------------------------------------------------


def _check_training(status: str, start_date, end_date) -> None:
    _check_date(start_date, "start_date", allow_future_days=366)
    _check_date(end_date, "end_date", allow_future_days=366)
    if end_date and start_date and end_date < start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期。")})
    if status == c.TrainingStatus.COMPLETED:
        if not end_date:
            raise ValidationError({"end_date": _("已结业的培训请填写结束日期。")})
        if end_date > timezone.localdate():
            raise ValidationError({"end_date": _("结业日期不能晚于今天。")})


@transaction.atomic
def training_add(
    *,
    person,
    user,
    course,
    start_date,
    organizer="",
    end_date=None,
    status=c.TrainingStatus.ENROLLED,
    certificate="",
):
    _check_person(person, user)
    _check_training(status, start_date, end_date)
    training = Training(
        person=person,
        course=course.strip(),
        organizer=organizer.strip(),
        start_date=start_date,
        end_date=end_date,
        status=status,
        certificate=certificate.strip(),
        recorded_by=user,
    )
    if not training.course:
        raise ValidationError({"course": _("请填写培训项目。")})
    training.full_clean()
    training._history_user = user
    training.save()
    return training


@transaction.atomic
def training_update(*, training: Training, user, status, end_date=None, certificate=""):
    """Record completion (or dropping out). A finished training is not reopened."""
    if not Training.objects.restrict(user, CHANGE).filter(pk=training.pk).exists():
        raise ValidationError(_("您不能修改该培训记录。"))
    current = Training.objects.select_for_update().get(pk=training.pk)
    if current.status != c.TrainingStatus.ENROLLED:
        raise ValidationError(_("该培训已是“%s”，不能再修改。") % current.get_status_display())
    _check_training(status, current.start_date, end_date)
    current.status, current.end_date, current.certificate = status, end_date, (certificate or "").strip()
    current.full_clean()
    current._history_user = user
    current.save()
    training.refresh_from_db()
    return current


# --- Posts -------------------------------------------------------------------------------------

POST_FIELDS = ("name", "employer", "capacity", "tenure_limit_months", "duties", "is_active")


def _post_town_ok(user, town) -> bool:
    if town is None or town.level != "town":
        return False
    if user.sees_whole_city:
        return user.can_write
    return user.can_write and user.division_id == town.pk


@transaction.atomic
def post_create(*, user, town, **data) -> Post:
    if not _post_town_ok(user, town):
        raise ValidationError({"town": _("您不能在该镇街设立岗位。")})
    post = Post(town=town, **{k: v for k, v in data.items() if k in POST_FIELDS})
    post.full_clean()
    post._history_user = user
    post.save()
    return post


@transaction.atomic
def post_update(*, post: Post, user, version: int | None = None, **data) -> Post:
    if not Post.objects.restrict(user, CHANGE).filter(pk=post.pk).exists():
        raise ValidationError(_("您不能修改该岗位。"))
    claim_version(post, expected=version)  # locks the row: no placement slips in meanwhile
    post.filled = Post.objects.values_list("filled", flat=True).get(pk=post.pk)
    for name, value in data.items():
        if name in POST_FIELDS:
            setattr(post, name, value)
    if post.capacity is not None and post.capacity < post.filled:
        raise ValidationError({"capacity": _("岗位数不能少于在岗人数（%(n)s 人）。") % {"n": post.filled}})
    post.full_clean()
    post._history_user = user
    post.save()
    return post


# --- Placements --------------------------------------------------------------------------------


def tenure_end(*, person: Person, post: Post, start_date: dt.date, exclude_pk: int | None = None) -> dt.date:
    """The last day the person may hold a post from ``start_date``: the post's cumulative limit
    less the days already served in public-welfare posts."""
    return add_months(start_date, post.tenure_limit_months) - dt.timedelta(
        days=served_days(person.pk, exclude_pk=exclude_pk)
    )


@transaction.atomic
def placement_start(
    *, person: Person, post: Post, user, start_date: dt.date, planned_end: dt.date | None = None
):
    """Place a person in a post: a free seat is taken by a conditional UPDATE (two workers filling
    the last seat at once: one wins, the other is told the post is full); the tenure limit caps the
    placement's end."""
    _check_person(person, user)
    if not Post.objects.restrict(user).filter(pk=post.pk).exists():
        raise ValidationError({"post": _("请选择本镇街的公益性岗位。")})
    if post.town_id != person.household.town_id:
        raise ValidationError({"post": _("只能安置到本人所在镇街的公益性岗位。")})
    _check_date(start_date, "start_date", allow_future_days=90)
    if Placement.objects.filter(person=person, status=c.PlacementStatus.ACTIVE).exists():
        raise ValidationError(_("该人员已在公益性岗位上岗，请先办理离岗。"))
    limit = tenure_end(person=person, post=post, start_date=start_date)
    if limit <= start_date:
        raise ValidationError(
            _("该人员已达到公益性岗位累计任职期限（%(m)s 个月），不能再安置。")
            % {"m": post.tenure_limit_months}
        )
    if planned_end is None:
        planned_end = limit
    elif planned_end < start_date:
        raise ValidationError({"planned_end": _("任职期满日期不能早于上岗日期。")})
    elif planned_end > limit:
        raise ValidationError(
            {
                "planned_end": _("超过累计任职期限：最晚到 %(d)s（期限 %(m)s 个月，含以往任职）。")
                % {"d": limit.isoformat(), "m": post.tenure_limit_months}
            }
        )
    seat = Post.objects.filter(pk=post.pk, is_active=True, filled__lt=F("capacity"))
    if seat.update(filled=F("filled") + 1) != 1:
        raise ValidationError({"post": _("该岗位已满员或已停止招用。")})
    placement = Placement(
        post=post, person=person, start_date=start_date, planned_end=planned_end, recorded_by=user
    )
    placement._history_user = user
    try:
        with transaction.atomic():
            placement.save()
    except IntegrityError:
        raise ValidationError(_("该人员已在公益性岗位上岗，请先办理离岗。")) from None
    set_employment(person=person, user=user, employment="employed")
    return placement


@transaction.atomic
def placement_end(
    *, placement: Placement, user, end_date: dt.date, reason: str, employment_after: str = "unemployed"
):
    """Leave a post: the seat is freed, the person's employment is what the worker records."""
    if not Placement.objects.restrict(user, CHANGE).filter(pk=placement.pk).exists():
        raise ValidationError(_("您不能办理该安置。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写离岗原因。")})
    if employment_after not in dict(c.AFTER_PLACEMENT):
        raise ValidationError({"employment_after": _("请选择离岗后的就业状况。")})
    _check_date(end_date, "end_date")
    if end_date < placement.start_date:
        raise ValidationError({"end_date": _("离岗日期不能早于上岗日期。")})
    if end_date > placement.planned_end:
        raise ValidationError({"end_date": _("离岗日期不能晚于任职期满日期（%s）。") % placement.planned_end})
    won = Placement.objects.filter(pk=placement.pk, status=c.PlacementStatus.ACTIVE).update(
        status=c.PlacementStatus.ENDED, end_date=end_date, end_reason=reason
    )
    if won != 1:
        raise ValidationError(_("该安置已办理离岗。"))
    Post.objects.filter(pk=placement.post_id, filled__gt=0).update(filled=F("filled") - 1)
    placement.refresh_from_db()
    placement._history_user = user
    placement.save(update_fields=["status", "end_date", "end_reason"])  # a history row naming the worker
    set_employment(person=placement.person, user=user, employment=employment_after)
    return placement


# --- Referrals ---------------------------------------------------------------------------------


@transaction.atomic
def referral_add(*, person, user, kind, employer, position, referred_on, note="") -> Referral:
    _check_person(person, user)
    _check_date(referred_on, "referred_on")
    referral = Referral(
        person=person,
        kind=kind,
        employer=employer.strip(),
        position=position.strip(),
        referred_on=referred_on,
        note=(note or "").strip(),
        recorded_by=user,
    )
    referral.full_clean()
    referral._history_user = user
    referral.save()
    return referral


@transaction.atomic
def referral_outcome(*, referral: Referral, user, outcome, employed_at="", employed_from=None, note=""):
    """Record what came of a referral; "employed" (where, from when) makes the person employed."""
    if not Referral.objects.restrict(user, CHANGE).filter(pk=referral.pk).exists():
        raise ValidationError(_("您不能办理该推荐。"))
    if outcome == c.ReferralOutcome.PENDING:
        raise ValidationError({"outcome": _("请选择推荐结果。")})
    employed_at = (employed_at or "").strip()
    if outcome == c.ReferralOutcome.EMPLOYED:
        if not employed_at:
            raise ValidationError({"employed_at": _("请填写就业单位。")})
        if employed_from is None:
            raise ValidationError({"employed_from": _("请填写就业日期。")})
        _check_date(employed_from, "employed_from")
        if employed_from < referral.referred_on:
            raise ValidationError({"employed_from": _("就业日期不能早于推荐日期。")})
    else:
        employed_at, employed_from = "", None
    fields = {"outcome": outcome, "employed_at": employed_at, "employed_from": employed_from}
    if note:
        fields["note"] = note.strip()
    won = Referral.objects.filter(pk=referral.pk, outcome=c.ReferralOutcome.PENDING).update(**fields)
    if won != 1:
        raise ValidationError(_("该推荐已登记结果。"))
    referral.refresh_from_db()
    referral._history_user = user
    referral.save(update_fields=list(fields))
    if outcome == c.ReferralOutcome.EMPLOYED:
        set_employment(person=referral.person, user=user, employment="employed")
    return referral


# --- Survey ------------------------------------------------------------------------------------


@transaction.atomic
def survey_record(
    *, household: Household, user, method, contacted_on, result, person=None, note=""
) -> SurveyContact:
    if not Household.objects.restrict(user, CHANGE).filter(pk=household.pk).exists():
        raise ValidationError(_("您不能为该家庭登记摸排。"))
    if person is not None and person.household_id != household.pk:
        raise ValidationError({"person": _("该人员不是本家庭成员。")})
    _check_date(contacted_on, "contacted_on")
    contact = SurveyContact(
        household=household,
        person=person,
        method=method,
        contacted_on=contacted_on,
        result=result,
        note=(note or "").strip(),
        contacted_by=user,
    )
    contact.full_clean()
    contact._history_user = user
    contact.save()
    tallies.apply_households([household.pk])  # the survey page's counts, in this transaction
    return contact


# Days before a placement's end (任职期满日期) that its worker is told, to plan the person's next job.
TENURE_NOTICE_DAYS = 30


def tenure_reminders(*, today: dt.date | None = None) -> int:
    """Active placements ending within TENURE_NOTICE_DAYS (即将期满) or already at their end (任职期满)
    become tasks in 我的待办 of the worker who placed them (unassigned, so the area's workers see it,
    when that account is deactivated). One query finds the placements without their task (the
    dedupe key is computed in SQL), so a daily run costs the same on a city of a million people and
    running it twice adds nothing."""
    from django.db.models import CharField, Exists, OuterRef, Value
    from django.db.models.functions import Cast, Concat
    from simple_history.utils import bulk_create_with_history

    from assessments.choices import TaskKind
    from core.models import Task

    today = today or timezone.localdate()
    reached = Q(planned_end__lte=today)
    kind = Case(When(reached, then=Value(TaskKind.TENURE_REACHED)), default=Value(TaskKind.TENURE_DUE))
    rows = (
        Placement.objects.filter(
            status=c.PlacementStatus.ACTIVE, planned_end__lte=today + dt.timedelta(days=TENURE_NOTICE_DAYS)
        )
        .annotate(
            kind=kind,
            key=Concat(Value("placement-tenure:"), Cast("pk", CharField()), Value(":"), kind),
        )
        .exclude(Exists(Task.objects.filter(dedupe_key=OuterRef("key"))))
        .values_list(
            "pk",
            "kind",
            "key",
            "planned_end",
            "person_id",
            "person__household_id",
            "person__town_id",
            "person__community_id",
            "person__name",
            "post__name",
            "recorded_by_id",
            "recorded_by__is_active",
        )
    )
    titles = {
        TaskKind.TENURE_DUE: _("公益性岗位即将期满：%(name)s（%(post)s，%(date)s 期满）"),
        TaskKind.TENURE_REACHED: _(
            "公益性岗位任职期满：%(name)s（%(post)s，%(date)s 期满），请办理离岗或转岗"
        ),
    }
    tasks = [
        Task(
            kind=kind,
            title=(titles[kind] % {"name": name, "post": post, "date": end.isoformat()})[:200],
            household_id=household_id,
            person_id=person_id,
            town_id=town_id,
            community_id=community_id,
            assignee_id=worker_id if worker_active else None,
            due_date=end,
            dedupe_key=key,
        )
        for _pk, kind, key, end, person_id, household_id, town_id, community_id, name, post, worker_id, worker_active in rows
    ]
    bulk_create_with_history(tasks, Task, batch_size=1000)
    return len(tasks)
