from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from core.history import merged_history
from core.views import ObjectDetailView, ObjectListView, ServiceFormView

from . import exports, services, tokens
from .filtersets import UserFilterSet
from .forms import PasswordResetForm, UserForm
from .models import ApiToken, User


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class CityAdminOnlyMixin:
    """Accounts are managed by city admins: anyone else gets 404 (the pages do not exist for them)."""

    def dispatch(self, request, *args, **kwargs):
        if not getattr(request.user, "is_city_admin", False):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class UserObjectMixin(CityAdminOnlyMixin):
    def get_user_object(self) -> User:
        return get_object_or_404(
            User.objects.restrict(self.request.user).select_related("division"), pk=self.kwargs["pk"]
        )


class UserListView(CityAdminOnlyMixin, ObjectListView):
    model = User
    filterset_class = UserFilterSet
    template_name = "accounts/user_list.html"
    default_sort = "username"
    sort_fields = {"username": "username", "role": "role", "login": "last_login"}
    export_columns = exports.USER_COLUMNS
    export_title = gettext_lazy("用户")

    def base_queryset(self):
        return User.objects.select_related("division__parent", "liaison__department")


class UserDetailView(CityAdminOnlyMixin, ObjectDetailView):
    model = User
    template_name = "accounts/user_detail.html"
    context_object_name = "account"

    def base_queryset(self):
        return User.objects.select_related("division__parent", "liaison__department")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            history=merged_history((self.object.history.all(), _("用户")), user=self.request.user), **kwargs
        )


class UserCreateView(CityAdminOnlyMixin, ServiceFormView):
    form_class = UserForm
    template_name = "accounts/user_form.html"
    success_message = gettext_lazy("用户已创建。")

    def perform(self, form):
        data = form.cleaned_data
        return services.user_create(actor=self.request.user, data=data, password=data["password1"])

    def get_success_url(self):
        return reverse("accounts:user-detail", args=[self.result.pk])


class UserUpdateView(UserObjectMixin, ServiceFormView):
    form_class = UserForm
    template_name = "accounts/user_form.html"
    success_message = gettext_lazy("用户信息已保存。")

    def dispatch(self, request, *args, **kwargs):
        if getattr(request.user, "is_city_admin", False):
            self.account = self.get_user_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.account}

    def get_context_data(self, **kwargs):
        return super().get_context_data(account=self.account, **kwargs)

    def perform(self, form):
        return services.user_update(actor=self.request.user, user=self.account, data=form.cleaned_data)

    def get_success_url(self):
        return reverse("accounts:user-detail", args=[self.account.pk])


class UserPasswordView(UserUpdateView):
    form_class = PasswordResetForm
    template_name = "accounts/user_password.html"
    success_message = gettext_lazy("密码已重置，请通知用户用新密码登录。")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance")
        return kwargs

    def perform(self, form):
        return services.user_set_password(
            actor=self.request.user, user=self.account, password=form.cleaned_data["password1"]
        )


class UserActiveView(UserObjectMixin, View):
    """POST active=0 deactivates an account, active=1 restores it."""

    http_method_names = ["post"]

    def post(self, request, pk):
        account = self.get_user_object()
        active = request.POST.get("active") == "1"
        try:
            services.user_set_active(actor=request.user, user=account, active=active)
            messages.success(request, _("账号已启用。") if active else _("账号已停用。"))
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        return HttpResponseRedirect(reverse("accounts:user-detail", args=[account.pk]))


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
        tokens.token_revoke(token=token)
        messages.success(request, _("令牌 %(prefix)s… 已撤销。") % {"prefix": token.prefix})
        return redirect("token-list")


class LogoutEverywhereView(View):
    """End every session (this one too) and every token of the user."""

    http_method_names = ["post"]

    def post(self, request):
        tokens.user_logout_everywhere(user=request.user)
        logout(request)
        return redirect("login")
