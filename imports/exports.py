"""Excel columns of the import batch list (admins; core/export.py)."""

from django.utils.translation import gettext_lazy as _

from core.export import Column, Columns

_COUNTS = (
    ("rows", _("总行数")),
    ("created", _("新增")),
    ("updated", _("变更")),
    ("unchanged", _("未变")),
    ("exited", _("退出")),
    ("rejected", _("被拒绝")),
)


def _count(key):
    return lambda batch: batch.count(key)


BATCH_COLUMNS = Columns(
    Column("id", _("批次编号")),
    Column("file_name"),
    Column("source"),
    Column("snapshot_date"),
    Column("status"),
    *(Column(label=label, value=_count(key)) for key, label in _COUNTS),
    Column(
        label=_("上传人"),
        value=lambda b: b.created_by and (b.created_by.get_full_name() or b.created_by.username),
    ),
    Column("created_at"),
    Column("committed_at"),
)
