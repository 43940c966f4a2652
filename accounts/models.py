from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import CASE_ROLES, REVEAL_ROLES, WRITE_ROLES, Role


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
                # pop, not del: one user object logged in twice at once (two threads) must not fail
                self.__dict__.pop("skip_history_when_saving", None)
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
        if self.is_case_role:
            return False  # the joint meeting's roles see their cases, whatever division is set
        return (
            self.is_superuser
            or (self.role in (Role.ADMIN, Role.CITY_MANAGER) and not self.division_id)
            or bool(self.division_id and self.division.level == "city")
        )

    @property
    def is_case_role(self) -> bool:
        """Secretariat and department liaisons: they see the households of their joint-meeting cases."""
        return self.role in CASE_ROLES and not self.is_superuser

    @property
    def liaison_department(self):
        """A department liaison's department (meetings.Liaison, the reverse one-to-one), or None."""
        liaison = getattr(self, "liaison", None)
        return liaison.department if liaison is not None and liaison.is_active else None

    @property
    def is_volunteer(self) -> bool:
        return self.role == Role.VOLUNTEER and not self.is_superuser

    # Raised by "logout everywhere": part of the session hash and of every token's marker, so
    # one increment ends every session and token of the user, however they were made.
    auth_generation = models.PositiveIntegerField(_("登录凭据代次"), default=0, editable=False)

    def get_session_auth_hash(self):
        if not self.auth_generation:
            return super().get_session_auth_hash()  # sessions from before the field stay valid
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.auth_generation}",
            algorithm="sha256",
        ).hexdigest()

    def credentials_marker(self) -> str:
        """Changes whenever the password changes or every login is ended (tokens check it)."""
        return salted_hmac(
            "accounts.ApiToken.marker", f"{self.password}:{self.auth_generation}", algorithm="sha256"
        ).hexdigest()[:32]


class ApiToken(models.Model):
    """An API token. Only a hash of the key is stored; the key is shown once, when it is made.

    A token works until it expires (settings.API_TOKEN_TTL), is revoked, its user is deactivated,
    or the user's password or login generation changes (``marker``): the last check holds even
    when the user row was changed by raw SQL.
    """

    class RevokedReason(models.TextChoices):
        USER = "user", _("用户撤销")
        PASSWORD_CHANGED = "password_changed", _("密码已修改")
        LOGOUT_EVERYWHERE = "logout_everywhere", _("退出所有登录")
        DEACTIVATED = "deactivated", _("账号已停用")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    prefix = models.CharField(_("令牌前缀"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    marker = models.CharField(max_length=32)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("撤销原因"), max_length=32, choices=RevokedReason.choices, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return (
            self.revoked_at is None and not self.is_expired and self.marker == self.user.credentials_marker()
        )
