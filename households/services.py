"""Writes to the registry. Views, the API and importers call these; none writes models directly."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core import privacy
from core.concurrency import claim_version
from core.models import RevealLog, Task, tasks_follow_households

from . import choices as c
from .hooks import households_changed
from .models import AssistanceStatus, Household, Person

PERSON_FIELDS = ["name", "relation", *c.CIRCUMSTANCE_FIELDS]
HOUSEHOLD_FIELDS = [
    "code",
    "community",
    "grid",
    "address",
    "housing",
    "safety_grade",
    "size",
    "income_per_capita",
    "zero_employment",
    "note",
]


def _apply(instance, data: dict, fields: list[str]) -> None:
    for field in fields:
        if field in data:
            setattr(instance, field, data[field])


def _require_writer(user) -> None:
    if user is not None and not user.can_write:
        raise PermissionDenied(_("您的角色没有修改权限。"))


@transaction.atomic
def household_create(*, user, data: dict) -> Household:
    _require_writer(user)
    household = Household()
    _apply(household, data, HOUSEHOLD_FIELDS)
    household.full_clean()
    household.save()
    households_changed([household.pk])
    return household


@transaction.atomic
def household_update(*, household: Household, user, data: dict, version: int | None = None) -> Household:
    """``version``: the one the editor opened (core.concurrency); a later change is an EditConflict."""
    _require_writer(user)
    was_in = Household.objects.values_list("community_id", flat=True).get(pk=household.pk)
    _apply(household, data, HOUSEHOLD_FIELDS)
    household.full_clean()
    claim_version(household, expected=version)
    household.save()
    if household.community_id != was_in:
        tasks_follow_households([household.pk])  # the task lists scope by the task's own area
    households_changed([household.pk], communities=[was_in])
    return household


@transaction.atomic
def household_set_archived(*, household: Household, user, archived: bool) -> Household:
    """Archive (or restore) a household. Nothing is deleted; history keeps who and when."""
    _require_writer(user)
    claim_version(household)
    household.status = c.RecordStatus.ARCHIVED if archived else c.RecordStatus.ACTIVE
    household.save(update_fields=["status", "updated_at", "version"])
    households_changed([household.pk])
    return household


def id_number_owner(id_hash: str, *, user, exclude_pk: int | None = None) -> Person | None:
    """The registered person holding this ID number if the user may see them, else None."""
    qs = Person.objects.restrict(user).filter(id_hash=id_hash)
    return qs.exclude(pk=exclude_pk).first() if exclude_pk else qs.first()


def duplicate_id_error(id_hash: str, *, user, exclude_pk: int | None = None) -> ValidationError | None:
    """The error for an ID number that is already registered, or None if it is free.

    Inside the user's area it says so (the form links to the record); outside it says only that
    the number cannot be used here, so a community worker cannot probe who is registered
    anywhere in the city.
    """
    taken = Person.objects.filter(id_hash=id_hash)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if not taken.exists():
        return None
    if user is None or id_number_owner(id_hash, user=user, exclude_pk=exclude_pk) is not None:
        return ValidationError({"id_number": _("该身份证号码已登记。")}, code="duplicate")
    return ValidationError({"id_number": OUTSIDE_AREA_ID_MESSAGE}, code="duplicate")


OUTSIDE_AREA_ID_MESSAGE = _lazy(
    "该身份证号码不能在此登记。如需办理（例如迁入本辖区），请联系镇街或市级工作人员。"
)


def _check_household_open(household: Household) -> None:
    if household.status == c.RecordStatus.ARCHIVED:
        raise ValidationError(_("该家庭已归档，不能添加或迁入成员；请先恢复该家庭。"))


def _check_single_head(person: Person) -> None:
    if person.relation != c.Relation.HEAD:
        return
    other_head = (
        Person.objects.filter(household_id=person.household_id, relation=c.Relation.HEAD)
        .exclude(pk=person.pk)
        .exclude(status__in=c.INACTIVE_PERSON_STATUSES)
        .exists()
    )
    if other_head:
        raise ValidationError({"relation": _("该家庭已有户主，请先修改原户主的关系。")})


# id_hash and the one-head constraint (on household) are checked above with their own messages,
# and by the database at save; the household comes from a scoped lookup, not from input.
PERSON_CLEAN_EXCLUDE = ["id_hash", "household"]


def _save_unique(person: Person, *, user, **save_kwargs) -> None:
    """Save; a uniqueness race lost to a concurrent request is the same 400 as the sequential case.

    The checks above run before the write, so two requests can both pass them; the database's
    unique ID hash and one-head-per-household constraints then refuse the second writer.
    """
    try:
        with transaction.atomic():
            person.save(**save_kwargs)
    except IntegrityError:
        # Which constraint: asked again (now that the other writer has committed), not parsed
        # from the database's message, which differs between PostgreSQL and SQLite.
        error = duplicate_id_error(person.id_hash, user=user, exclude_pk=person.pk)
        if error is not None:
            raise error from None
        _check_single_head(person)
        raise


@transaction.atomic
def person_create(*, household: Household, user, data: dict, id_number: str, phone: str = "") -> Person:
    _require_writer(user)
    _check_household_open(household)
    person = Person(household=household)
    _apply(person, data, PERSON_FIELDS)
    person.set_id_number(id_number)
    person.set_phone(phone)
    error = duplicate_id_error(person.id_hash, user=user)
    if error is not None:
        raise error
    _check_single_head(person)
    person.full_clean(exclude=PERSON_CLEAN_EXCLUDE)
    _save_unique(person, user=user)
    households_changed([household.pk])
    return person


@transaction.atomic
def person_update(
    *,
    person: Person,
    user,
    data: dict,
    id_number: str | None = None,
    phone: str | None = None,
    household: Household | None = None,
    version: int | None = None,
) -> Person:
    """Edit a person; a new household moves them (the move is kept in history).

    ``version``: the one the editor opened (core.concurrency); a later change is an EditConflict.
    """
    _require_writer(user)
    touched = {person.household_id}
    _apply(person, data, PERSON_FIELDS)
    if id_number:
        person.set_id_number(id_number)
        error = duplicate_id_error(person.id_hash, user=user, exclude_pk=person.pk)
        if error is not None:
            raise error
    if phone is not None and phone != person.phone:
        person.set_phone(phone)
    if household is not None and household.pk != person.household_id:
        _check_household_open(household)
        person.household = household
        touched.add(household.pk)
    _check_single_head(person)
    person.full_clean(exclude=PERSON_CLEAN_EXCLUDE)
    claim_version(person, expected=version)
    _save_unique(person, user=user)
    households_changed(touched)
    return person


STATUS_END_TASK = "status_end"  # core.Task.kind: a task to end the statuses of a deceased person


@transaction.atomic
def person_set_status(*, person: Person, user, status: str) -> Person:
    _require_writer(user)
    was = Person.objects.values_list("status", flat=True).get(pk=person.pk)
    person.status = status
    if status not in (c.PersonStatus.ARCHIVED, c.PersonStatus.DECEASED):
        _check_single_head(person)
    claim_version(person)
    _save_unique(person, user=user, update_fields=["status", "updated_at", "version"])
    if status == c.PersonStatus.DECEASED and was != c.PersonStatus.DECEASED:
        ask_to_end_statuses(person=person, user=user)
    households_changed([person.household_id])
    return person


def ask_to_end_statuses(*, person: Person, user) -> Task | None:
    """A deceased person's current statuses (低保 etc.) do not end by themselves: the worker who
    recorded the death gets a task to end them (the next roster import without them confirms it)."""
    current = list(person.statuses.current())
    if not current:
        return None
    kinds = "、".join(str(s.get_kind_display()) for s in current)
    task, _created = Task.objects.get_or_create(
        dedupe_key=f"deceased:{person.pk}:statuses",
        defaults={
            "kind": STATUS_END_TASK,
            "title": (
                _("%(name)s 已死亡，请终止其救助身份：%(kinds)s") % {"name": person.name, "kinds": kinds}
            )[:200],
            "detail": _(
                "请在人员页逐项“终止”上述救助身份（填写终止日期）；下次名单导入中该人员不在名单时，系统也会终止其状态。"
            ),
            "household_id": person.household_id,
            # The person row carries its household's area (and so does the task).
            "town_id": person.town_id,
            "community_id": person.community_id,
            "person": person,
            "assignee": user if user.can_write and not user.sees_whole_city else None,
            "due_date": dt.date.today() + dt.timedelta(days=7),
            "high_risk": False,
        },
    )
    return task


@transaction.atomic
def status_add(*, person: Person, user, data: dict) -> AssistanceStatus:
    _require_writer(user)
    status = AssistanceStatus(person=person, source=data.get("source") or c.AssistanceSource.MANUAL)
    _apply(status, data, ["kind", "detail", "start_date", "end_date"])
    status.full_clean()
    status.save()
    households_changed([person.household_id])
    return status


@transaction.atomic
def status_end(*, status: AssistanceStatus, user, end_date: dt.date) -> AssistanceStatus:
    """Statuses end; they are never deleted."""
    _require_writer(user)
    status.end_date = end_date
    status.full_clean()
    status.save(update_fields=["end_date"])
    households_changed([status.person.household_id])
    return status


def person_reveal(
    *, person: Person, user, field: str, channel: str = "web", ip_address: str | None = None
) -> str:
    """Return a clear ID or phone number to a permitted user, and log that they saw it.

    Workers reveal either field of a person in their area; a volunteer only the phone number of a
    person in a household their team is paired with (core.privacy.may_reveal)."""
    if field not in RevealLog.Field.values:
        raise ValueError(field)
    if not privacy.may_reveal(user, field):
        raise PermissionDenied(_("您没有查看完整信息的权限。"))
    if not Person.objects.restrict(user).filter(pk=person.pk).exists():
        raise PermissionDenied(_("您没有查看完整信息的权限。"))
    RevealLog.objects.create(user=user, person=person, field=field, channel=channel, ip_address=ip_address)
    return person.id_number if field == RevealLog.Field.ID_NUMBER else person.phone
