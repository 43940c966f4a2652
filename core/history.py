"""Readable change history for a record page (django-simple-history rows, newest first)."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from . import privacy

TYPE_LABELS = {"+": _("创建"), "~": _("修改"), "-": _("删除")}


@dataclass
class HistoryEntry:
    when: object
    who: str
    action: str
    subject: str
    changes: list = field(default_factory=list)


def _display(model, field_name, value, user=None):
    try:
        f = model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 - a field history no longer has
        return value
    if value in (None, ""):
        return "—"
    if field_name in privacy.ID_REBUILDING_FIELDS and not privacy.may_see_birth_date(user):
        return privacy.age_text(value)  # with the masked ID beside it, the date rebuilds the ID
    if f.choices:
        return dict(f.flatchoices).get(value, value)
    if f.is_relation:
        if f.related_model is get_user_model():
            # Staff are named on the record page itself (制定, 审批 ...), so name them here too.
            who = f.related_model.objects.filter(pk=value).first()
            return (who.get_full_name() or who.username) if who else "—"
        targets = f.related_model.objects.all()
        if user is not None and hasattr(targets, "restrict"):
            targets = targets.restrict(user)
        target = targets.filter(pk=value).first()
        if target:
            return str(target)
        # A record outside the reader's area: its number only to admins, never to anyone else.
        return f"#{value}" if getattr(user, "is_city_admin", False) else _("（无权查看的记录）")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return value


def _field_changes(row, previous) -> list[tuple[str, object, object]]:
    """(field, old, new) for editable fields, plus derived ones that have a label (masked ID and
    phone, birth date, sex, town).

    diff_against() compares editable fields only, so correcting an ID number used to show an empty
    "修改". Unlabelled internal columns (keyed hash, search tail, path) stay off the page.
    """
    changes = [(c.field, c.old, c.new) for c in row.diff_against(previous).changes]
    for f in row.tracked_fields:
        if f.editable or str(f.verbose_name) == f.name.replace("_", " "):
            continue
        old, new = getattr(previous, f.attname), getattr(row, f.attname)
        if old != new:
            changes.append((f.name, old, new))
    return changes


def history_entries(
    records, subject: str = "", limit: int = 50, name_field: str | None = None, user=None
) -> list[HistoryEntry]:
    """records: a historical queryset (e.g. obj.history.all()); changes diffed against the previous row.

    name_field names the object in each entry, for timelines that mix several objects (a household's
    members): "修改成员 王芳" rather than an anonymous "修改成员".
    """
    rows = list(records.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    older: dict = {}
    # Walk oldest -> newest so each row knows the previous version of the same object.
    previous_of = {}
    for row in reversed(rows):
        previous_of[row.history_id] = older.get(row.id)
        older[row.id] = row
    entries = []
    for row in rows[:limit]:
        previous = previous_of.get(row.history_id)
        if previous is None and row.history_type == "~":
            previous = row.prev_record
        changes = []
        if previous is not None and row.history_type == "~":
            model = row.instance_type
            for name, old, new in _field_changes(row, previous):
                label = model._meta.get_field(name).verbose_name
                if name in privacy.ID_REBUILDING_FIELDS and not privacy.may_see_birth_date(user):
                    label = _("年龄")
                changes.append((label, _display(model, name, old, user), _display(model, name, new, user)))
        author = row.history_user  # not `user`: that is the reader, whose area scopes the names above
        entries.append(
            HistoryEntry(
                when=row.history_date,
                who=(author.get_full_name() or author.username) if author else _("系统"),
                action=TYPE_LABELS.get(row.history_type, row.history_type),
                subject=(subject or str(row.instance_type._meta.verbose_name))
                + (f" {getattr(row, name_field)}" if name_field else ""),
                changes=changes,
            )
        )
    return entries


def merged_history(*sources, limit: int = 50, user=None) -> list[HistoryEntry]:
    """Merge several (records, subject) or (records, subject, name_field) sources into one timeline."""
    entries = []
    for records, subject, *name_field in sources:
        entries.extend(history_entries(records, subject, limit, *name_field, user=user))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
