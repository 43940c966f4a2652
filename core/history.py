"""Readable change history for a record page (django-simple-history rows, newest first)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

TYPE_LABELS = {"+": _("创建"), "~": _("修改"), "-": _("删除")}


@dataclass
class HistoryEntry:
    when: object
    who: str
    action: str
    subject: str
    changes: list = field(default_factory=list)


def _display(model, field_name, value):
    try:
        f = model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 - a field history no longer has
        return value
    if value in (None, ""):
        return "—"
    if f.choices:
        return dict(f.flatchoices).get(value, value)
    if f.is_relation:
        target = f.related_model.objects.filter(pk=value).first()
        return str(target) if target else f"#{value}"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return value


def history_entries(records, subject: str = "", limit: int = 50) -> list[HistoryEntry]:
    """records: a historical queryset (e.g. obj.history.all()); changes diffed against the previous row."""
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
            delta = row.diff_against(previous)
            model = row.instance_type
            for change in delta.changes:
                label = model._meta.get_field(change.field).verbose_name
                changes.append(
                    (
                        label,
                        _display(model, change.field, change.old),
                        _display(model, change.field, change.new),
                    )
                )
        user = row.history_user
        entries.append(
            HistoryEntry(
                when=row.history_date,
                who=(user.get_full_name() or user.username) if user else _("系统"),
                action=TYPE_LABELS.get(row.history_type, row.history_type),
                subject=subject or str(row.instance_type._meta.verbose_name),
                changes=changes,
            )
        )
    return entries


def merged_history(*sources, limit: int = 50) -> list[HistoryEntry]:
    """Merge several (records, subject) sources into one timeline."""
    entries = []
    for records, subject in sources:
        entries.extend(history_entries(records, subject, limit))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
