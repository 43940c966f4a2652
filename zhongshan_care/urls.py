from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from accounts.api import UserViewSet
from accounts.api_tokens import ApiTokenViewSet, ObtainTokenView
from accounts.views import LoginView, LogoutEverywhereView, TokenListView, TokenRevokeView
from assessments.api.urls import router as assessments_router
from assistance.api.urls import router as assistance_router
from core.api_exports import ExportViewSet
from core.api_jobs import router as jobs_router
from employment.api.urls import router as employment_router
from households.api.urls import router
from households.views import HomeView
from imports.api.urls import router as imports_router
from meetings.api.urls import router as meetings_router
from visits.api.urls import router as visits_router

core_router = SimpleRouter()
core_router.register("exports", ExportViewSet, basename="api-export")
core_router.register("users", UserViewSet, basename="api-user")

admin.site.site_header = "中山困难群众分类关爱帮扶系统"
admin.site.site_title = "关爱帮扶系统管理"

accounts_router = SimpleRouter()
accounts_router.register("tokens", ApiTokenViewSet, basename="api-token-own")

api_urlpatterns = [
    path("", include(accounts_router.urls)),
    path("", include(router.urls)),
    path("", include(imports_router.urls)),
    path("", include(assessments_router.urls)),
    path("", include(core_router.urls)),
    path("", include(assistance_router.urls)),
    path("", include(jobs_router.urls)),
    path("", include(meetings_router.urls)),
    path("", include(employment_router.urls)),
    path("", include(visits_router.urls)),
    path("", include("dashboards.api.urls")),
    path("token/", ObtainTokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its init script as a file: no inline script under the CSP.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("", include("households.urls")),
    path("imports/", include("imports.urls")),
    path("", include("assessments.urls")),
    path("", include("assistance.urls")),
    path("", include("employment.urls")),
    path("", include("core.urls")),
    path("", include("dashboards.urls")),
    path("", include("accounts.urls")),
    path("", include("meetings.urls")),
    path("", include("visits.urls")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/tokens/", TokenListView.as_view(), name="token-list"),
    path("accounts/tokens/<int:pk>/revoke/", TokenRevokeView.as_view(), name="token-revoke"),
    path("accounts/logout-everywhere/", LogoutEverywhereView.as_view(), name="logout-everywhere"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("api/", include(api_urlpatterns)),
    path("admin/", admin.site.urls),
]
