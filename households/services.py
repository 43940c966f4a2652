"""Writes to the registry. Views, the API and importers call these; none writes models directly."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import idnumber, privacy
from core.models import RevealLog, Task

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
def household_update(*, household: Household, user, data: dict) -> Household:
    _require_writer(user)
    _apply(household, data, HOUSEHOLD_FIELDS)
    household.full_clean()
    household.save()
    households_changed([household.pk])
    return household


@transaction.atomic
def household_set_archived(*, household: Household, user, archived: bool) -> Household:
    """Archive (or restore) a household. Nothing is deleted; history keeps who and when."""
    _require_writer(user)
    household.status = c.RecordStatus.ARCHIVED if archived else c.RecordStatus.ACTIVE
    household.save(update_fields=["status", "updated_at"])
    households_changed([household.pk])
    return household


def id_number_taken(raw: str, *, exclude_pk: int | None = None) -> bool:
    parsed = idnumber.parse(raw)
    qs = Person.objects.filter(id_hash=idnumber.id_hash(parsed.value))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _check_household_open(household: Household) -> None:
    if household.status == c.RecordStatus.ARCHIVED:
        raise ValidationError(_("该家庭已归档，不能添加或迁入成员；请先恢复该家庭。"))


def _check_single_head(person: Person) -> None:
    if person.relation != c.Relation.HEAD:
        return
    other_head = (
        Person.objects.filter(household_id=person.household_id, relation=c.Relation.HEAD)
        .exclude(pk=person.pk)
        .exclude(status__in=[c.PersonStatus.ARCHIVED, c.PersonStatus.DECEASED])
        .exists()
    )
    if other_head:
        raise ValidationError({"relation": _("该家庭已有户主，请先修改原户主的关系。")})


@transaction.atomic
def person_create(*, household: Household, user, data: dict, id_number: str, phone: str = "") -> Person:
    _require_writer(user)
    _check_household_open(household)
    person = Person(household=household)
    _apply(person, data, PERSON_FIELDS)
    person.set_id_number(id_number)
    person.set_phone(phone)
    if Person.objects.filter(id_hash=person.id_hash).exists():
        raise ValidationError({"id_number": _("该身份证号码已登记。")})
    _check_single_head(person)
    person.full_clean(exclude=["id_hash"])
    person.save()
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
) -> Person:
    """Edit a person; a new household moves them (the move is kept in history)."""
    _require_writer(user)
    touched = {person.household_id}
    _apply(person, data, PERSON_FIELDS)
    if id_number:
        person.set_id_number(id_number)
        if Person.objects.filter(id_hash=person.id_hash).exclude(pk=person.pk).exists():
            raise ValidationError({"id_number": _("该身份证号码已登记。")})
    if phone is not None and phone != person.phone:
        person.set_phone(phone)
    if household is not None and household.pk != person.household_id:
        _check_household_open(household)
        person.household = household
        touched.add(household.pk)
    _check_single_head(person)
    person.full_clean(exclude=["id_hash"])
    person.save()
    households_changed(touched)
    return person


STATUS_END_TASK = "status_end"  # core.Task.kind: a task to end the statuses of a deceased person


@transaction.atomic
def person_set_status(*, person: Person, user, status: str) -> Person:
    _require_writer(user)
    was = Person.objects.values_list("status", flat=True).get(pk=person.pk)
    person.status = status
    person.save(update_fields=["status", "updated_at"])
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
