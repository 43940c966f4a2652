"""Managing accounts from the app's own pages and API (city admins only).

Accounts are never deleted (history, reveal logs and exports point at them): they are deactivated.
Saving a user normally is enough for token revocation on deactivation or a new password (a model
hook in the API app reacts to the save).
"""

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import Role
from .models import User

EDITABLE = ["first_name", "role", "division", "phone", "email"]
NO_DEPARTMENT = object()  # ``data`` does not name a department: keep the user's


def _department_errors(user: User, department) -> dict:
    """A liaison acts for one department: without it they would see no case (and not know why)."""
    if user.role == Role.DEPARTMENT_LIAISON and department is None:
        return {"department": [_("部门联络员必须指定所属部门（成员单位）。")]}
    if user.role != Role.DEPARTMENT_LIAISON and department is not None:
        return {"department": [_("只有部门联络员需要指定所属部门，请清空或将角色改为部门联络员。")]}
    return {}


def _save_department(user: User, department) -> None:
    """The department lives on the joint meeting's Liaison row (one per user, with history); a
    user who stops being a liaison keeps the row, inactive, so the record says who acted for whom."""
    from meetings.models import Liaison  # the joint meeting's app sits above accounts

    liaison = Liaison.objects.filter(user=user).first()
    if department is None:
        if liaison is not None and liaison.is_active:
            liaison.is_active = False
            liaison.save()
        return
    if liaison is None:
        Liaison.objects.create(user=user, department=department)
    elif not liaison.is_active or liaison.department_id != department.pk:
        liaison.department, liaison.is_active = department, True
        liaison.save()


def _require_admin(actor) -> None:
    if not getattr(actor, "is_city_admin", False):
        raise PermissionDenied(_("仅系统管理员可以管理用户。"))


def _apply_role(user: User) -> None:
    # Admins keep the Django admin for reference data; nobody else enters it.
    if not user.is_superuser:
        user.is_staff = user.role == Role.ADMIN


# Django's own zh-Hans catalogue leaves some validator messages in English: say them ourselves.
PASSWORD_MESSAGES = {
    "password_too_short": gettext_lazy("密码太短，至少需要 %(min_length)d 个字符。"),
    "password_too_similar": gettext_lazy("密码与%(verbose_name)s太相似。"),
    "password_too_common": gettext_lazy("这个密码太常见了，请换一个不易猜到的密码。"),
    "password_entirely_numeric": gettext_lazy("密码不能全是数字。"),
}


def _check_password(user: User, password: str) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        messages = []
        for item in error.error_list:
            template = PASSWORD_MESSAGES.get(item.code)
            messages.append(str(template) % (item.params or {}) if template else " ".join(item.messages))
        raise ValidationError({"password1": messages}) from None


@transaction.atomic
def user_create(*, actor, data: dict, password: str) -> User:
    """``data["department"]``: a meetings.Department, for a department liaison only."""
    _require_admin(actor)
    user = User(username=(data.get("username") or "").strip())
    for name in EDITABLE:
        if name in data:
            setattr(
                user, name, data[name] if data[name] is not None else ("" if name != "division" else None)
            )
    _apply_role(user)
    department = data.get("department")
    errors = _department_errors(user, department)
    for check in (lambda: user.full_clean(exclude=["password"]), lambda: _check_password(user, password)):
        try:
            check()
        except ValidationError as error:  # every mistake at once, not one per attempt
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    _save_department(user, department)
    return user


@transaction.atomic
def user_update(*, actor, user: User, data: dict) -> User:
    _require_admin(actor)
    if user.pk == actor.pk and data.get("role", user.role) != user.role:
        raise ValidationError({"role": _("不能修改自己的角色，请由另一位管理员操作。")})
    for name in EDITABLE:
        if name in data:
            setattr(
                user, name, data[name] if data[name] is not None else ("" if name != "division" else None)
            )
    department = data.get("department", NO_DEPARTMENT)
    if department is NO_DEPARTMENT:  # an API PATCH that leaves the department alone
        department = user.liaison_department if user.role == Role.DEPARTMENT_LIAISON else None
    _apply_role(user)
    errors = _department_errors(user, department)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    user.save()
    _save_department(user, department)
    return user


@transaction.atomic
def user_set_password(*, actor, user: User, password: str) -> User:
    _require_admin(actor)
    _check_password(user, password)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    return user


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool) -> User:
    _require_admin(actor)
    if user.pk == actor.pk and not active:
        raise ValidationError(_("不能停用自己的账号。"))
    if user.is_active != active:
        user.is_active = active
        user.save()
    return user
