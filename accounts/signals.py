"""Revoke a user's tokens whenever their password changes or they are deactivated, however the
user was saved (admin, user-management pages, a shell). Tokens also check the password marker
and is_active at every request, so even a raw SQL update cannot leave a token working."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .models import ApiToken, User


@receiver(pre_save, sender=User, dispatch_uid="accounts.user_credentials_before")
def _note_credential_changes(sender, instance: User, update_fields=None, raw=False, **kwargs):
    instance._revoke_tokens_reason = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. the last_login update at every login: no extra query
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["is_active"] and not instance.is_active:
        instance._revoke_tokens_reason = ApiToken.RevokedReason.DEACTIVATED
    elif before["password"] != instance.password:
        instance._revoke_tokens_reason = ApiToken.RevokedReason.PASSWORD_CHANGED


@receiver(post_save, sender=User, dispatch_uid="accounts.user_credentials_after")
def _revoke_tokens(sender, instance: User, created=False, raw=False, **kwargs):
    reason = getattr(instance, "_revoke_tokens_reason", None)
    if reason:
        from .tokens import tokens_revoke_all

        tokens_revoke_all(user=instance, reason=reason)
        instance._revoke_tokens_reason = None
