from django.contrib.auth.middleware import LoginRequiredMiddleware


class LoginRequiredExceptApiMiddleware(LoginRequiredMiddleware):
    """Every page needs a login; the API authenticates itself (session or token) and answers 401/403."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class AccessLogMiddleware:
    """PIPL: keep an access log of who opened which page or API resource (kept by the log system)."""

    logger_name = "zhongshan_care.access"

    def __init__(self, get_response):
        import logging

        self.get_response = get_response
        self.logger = logging.getLogger(self.logger_name)

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path_info.startswith("/static/"):
            self.logger.info(
                "user=%s method=%s path=%s status=%s ip=%s",
                user.pk,
                request.method,
                request.path_info,
                response.status_code,
                request.META.get("REMOTE_ADDR"),
            )
        return response


class DefaultChineseLocaleMiddleware:
    """Chinese unless the user chose otherwise (language cookie set by the switch in the top bar).

    Django's LocaleMiddleware would follow the browser's Accept-Language; on the bureau's
    machines the UI must open in Chinese whatever the browser says.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class DelayedWorkNoticeMiddleware:
    """When the broker was down during this request, the user's change is saved and its background
    work (e.g. re-screening) waits in the outbox (core/jobs.py): say so instead of failing. Pages get
    a message; API responses a ``X-Background-Work: delayed`` header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib import messages
        from django.utils.translation import gettext as _

        from . import jobs

        jobs.reset_delayed()
        response = self.get_response(request)
        if jobs.dispatch_delayed():
            response["X-Background-Work"] = "delayed"
            if hasattr(request, "_messages") and not request.path_info.startswith("/api/"):
                messages.warning(
                    request,
                    _("已保存。后台处理（如重新筛查）暂时无法启动，系统会在消息服务恢复后自动进行。"),
                )
            jobs.reset_delayed()
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every response, and no-store on API answers.

    A small middleware of ours rather than django-csp: the policy is one fixed header (no
    per-view policies, no nonces: every script and style is a file of ours), so a dependency
    would bring nothing the twenty lines below do not; Django 6.0's built-in CSP can replace it.
    API answers carry personal data: no browser or proxy may keep a copy (Cache-Control: no-store).
    """

    NOT_PERSONAL_API = ("/api/schema/", "/api/docs/")

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.header = (
            "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
        )
        self.policy = "; ".join(f"{name} {value}" for name, value in settings.CONTENT_SECURITY_POLICY.items())

    def __call__(self, request):
        from django.utils.cache import patch_cache_control

        response = self.get_response(request)
        response.headers.setdefault(self.header, self.policy)
        path = request.path_info
        if path.startswith("/api/") and not path.startswith(self.NOT_PERSONAL_API):
            patch_cache_control(response, no_store=True, private=True)
        return response
