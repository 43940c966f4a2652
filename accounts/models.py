from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import REVEAL_ROLES, WRITE_ROLES, Role


class UserQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """Accounts are managed by city admins; to anyone else there are none."""
        if user is not None and getattr(user, "is_city_admin", False):
            return self
        return self.none()


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A member of staff or a volunteer. Their area is a division; their role says what they may do."""

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.COMMUNITY_WORKER)
    division = models.ForeignKey(
        "households.Division",
        verbose_name=_("所属区域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("市级角色可留空（全市）；镇街、村居工作人员必须指定。"),
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True, editable=False)

    objects = ScopedUserManager()
    # Who changed a role, an area, a password (its time, never the hash) or an account's state.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def clean(self):
        super().clean()
        if self.role in (Role.TOWN_WORKER, Role.COMMUNITY_WORKER) and not self.division_id:
            raise ValidationError({"division": _("镇街和村居工作人员必须指定所属区域。")})
        if self.role == Role.TOWN_WORKER and self.division_id and self.division.level != "town":
            raise ValidationError({"division": _("镇街工作人员的区域必须是一个镇街。")})
        if (
            self.role == Role.COMMUNITY_WORKER
            and self.division_id
            and self.division.level
            not in (
                "community",
                "grid",
            )
        ):
            raise ValidationError({"division": _("村居工作人员的区域必须是村（社区）或网格。")})

    def save(self, *args, **kwargs):
        # A login only stamps last_login: no history row for that (the access log has logins).
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) <= {"last_login"}:
            self.skip_history_when_saving = True
            try:
                return super().save(*args, **kwargs)
            finally:
                del self.skip_history_when_saving
        return super().save(*args, **kwargs)

    @property
    def can_write(self) -> bool:
        return self.is_active and (self.is_superuser or self.role in WRITE_ROLES)

    @property
    def can_reveal(self) -> bool:
        return self.is_active and (self.is_superuser or self.role in REVEAL_ROLES)

    @property
    def is_city_admin(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == Role.ADMIN)

    @property
    def sees_whole_city(self) -> bool:
        return (
            self.is_superuser
            or (self.role in (Role.ADMIN, Role.CITY_MANAGER) and not self.division_id)
            or bool(self.division_id and self.division.level == "city")
        )

    @property
    def is_volunteer(self) -> bool:
        return self.role == Role.VOLUNTEER and not self.is_superuser
