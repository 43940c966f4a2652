from django.utils.translation import gettext_lazy as _

from core.export import Column, Columns

USER_COLUMNS = Columns(
    Column("username", _("登录名")),
    Column("first_name", _("姓名")),
    Column("role"),
    Column(label=_("所属区域"), value=lambda u: u.division.full_name if u.division_id else _("全市")),
    Column("is_active", _("启用")),
    Column("last_login", _("最近登录")),
    Column("date_joined", _("创建时间")),
    Column("password_changed_at"),
    select_related=("division__parent__parent",),
)
