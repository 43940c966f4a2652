"""Password spraying: many usernames from one address. Axes locks a username+address pair after
AXES_FAILURE_LIMIT failures; this also refuses logins from an address whose failures over all
usernames within the cool-off reach LOGIN_IP_FAILURE_LIMIT (higher, so an office behind one NAT
address is not locked out by a few typos)."""

from django.conf import settings
from django.db.models import Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _


def address_failures(ip_address: str | None) -> int:
    from axes.models import AccessAttempt

    if not ip_address:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


class LoginSprayGuardMiddleware:
    """Applies to every login entry point: the login page, the admin login and POST /api/token/."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths = None

    def paths(self) -> set[str]:
        if self._paths is None:
            self._paths = {reverse("login"), reverse("admin:login"), reverse("api-token")}
        return self._paths

    def __call__(self, request):
        if request.method == "POST" and request.path_info in self.paths():
            if address_failures(request.META.get("REMOTE_ADDR")) >= settings.LOGIN_IP_FAILURE_LIMIT:
                return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request) -> HttpResponse:
        message = _("该网络地址登录失败次数过多，请稍后再试。")
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=429)
        return render(request, "registration/locked_out.html", {"message": message}, status=429)
