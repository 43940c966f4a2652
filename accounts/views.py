from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from . import services
from .models import ApiToken


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class TokenListView(ListView):
    """The user's own API tokens, with revoke buttons and "logout everywhere"."""

    template_name = "registration/token_list.html"
    context_object_name = "tokens"
    paginate_by = 50

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)

    def get_context_data(self, **kwargs):
        hours = int(settings.API_TOKEN_TTL.total_seconds() // 3600)
        return super().get_context_data(ttl_hours=hours, **kwargs)


class TokenRevokeView(View):
    http_method_names = ["post"]

    def post(self, request, pk):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        services.token_revoke(token=token)
        messages.success(request, _("令牌 %(prefix)s… 已撤销。") % {"prefix": token.prefix})
        return redirect("token-list")


class LogoutEverywhereView(View):
    """End every session (this one too) and every token of the user."""

    http_method_names = ["post"]

    def post(self, request):
        services.user_logout_everywhere(user=request.user)
        logout(request)
        return redirect("login")
