"""Optimistic concurrency for case records that several people edit (style.md "Edits by several
people"): a ``version`` column, compared on save, so that a concurrent edit is never silently
overwritten.

How a model takes part:
    version = version_field()                 # on the model (kept in its history rows too)
    claim_version(record, expected=version)   # in the service, inside its transaction, before save()
    VersionedFormMixin                        # on the form: a hidden "version" field
    (core.views.ServiceFormView shows "此记录已被他人修改" with the other change)
    VersionedSerializerMixin + VersionedViewSetMixin   # API: ETag, If-Match (412), "version" (409)

``claim_version`` is a conditional ``UPDATE ... SET version = version + 1 WHERE pk = %s AND
version = %s`` that must touch exactly one row. It also locks the row until the transaction
ends, so of two concurrent saves of version 3 the second waits, then finds version 4 and fails;
nothing is lost. Writers that bypass the services (the import pipeline's set-based SQL) should
move the version on too (``version = version + 1``), so that an editor who read the old one is told.
"""

from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

CONFLICT_MESSAGE = _("此记录已被他人修改。请查看对方的修改，确认后再次保存（将以您填写的内容为准）。")
API_CONFLICT_MESSAGE = _("此记录已被他人修改，请重新读取最新版本后再保存。")


def version_field():
    # No verbose name: the history page shows labelled internal columns, and this one is noise.
    # db_default: the import pipeline inserts rows with set-based SQL that does not name it.
    return models.PositiveIntegerField(default=1, db_default=1, editable=False)


class EditConflict(Exception):
    """The record changed since the editor read it (their version is ``expected``)."""

    def __init__(self, instance, expected: int):
        super().__init__(str(CONFLICT_MESSAGE))
        self.instance = instance
        self.expected = expected
        self.current = type(instance)._base_manager.values_list("version", flat=True).get(pk=instance.pk)

    def other_changes(self, *, user, limit: int = 10):
        """The changes made since ``expected``, as history entries the user may read."""
        from .history import history_entries

        rows = type(self.instance).history.filter(id=self.instance.pk, version__gt=self.expected)
        return history_entries(rows, limit=limit, user=user)


def claim_version(instance, *, expected: int | None = None) -> None:
    """Take the next version of ``instance`` (must run inside the write's transaction).

    ``expected`` is the version the editor opened; None means the version ``instance`` was
    loaded with (a change made since this request read the row is still caught).
    """
    if expected is None:
        expected = instance.version
    rows = type(instance)._base_manager.filter(pk=instance.pk, version=expected)
    if rows.update(version=F("version") + 1) != 1:
        raise EditConflict(instance, expected)
    instance.version = type(instance)._base_manager.values_list("version", flat=True).get(pk=instance.pk)


def parse_version(value) -> int | None:
    """A version from a form, a body or an ETag (``"7"``, ``W/"7"``); None if absent or not one."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    return int(text) if text.isdigit() and 0 < len(text) < 10 else None


class VersionedFormMixin:
    """A hidden ``version`` field holding the version the editor opened."""

    def __init__(self, *args, record=None, **kwargs):
        """``record``: the versioned object of a plain Form (a ModelForm uses its instance)."""
        from django import forms

        super().__init__(*args, **kwargs)
        record = record if record is not None else getattr(self, "instance", None)
        if record is not None and record.pk:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=record.version
            )

    @property
    def expected_version(self) -> int | None:
        if "version" not in self.fields:
            return None
        return parse_version(self.data.get(self.add_prefix("version")))

    def show_conflict(self, conflict: EditConflict, *, user) -> None:
        """Show the other change; the hidden version moves on, so saving again is a deliberate choice."""
        self.edit_conflict = conflict.other_changes(user=user)
        self.add_error(None, CONFLICT_MESSAGE)
        data = self.data.copy()
        data[self.add_prefix("version")] = str(conflict.current)
        self.data = data
