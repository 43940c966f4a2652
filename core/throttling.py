"""Rate limits beyond DRF's anon/user throttles."""

from rest_framework.throttling import SimpleRateThrottle


class RevealBurstThrottle(SimpleRateThrottle):
    """Clear ID/phone reveals per user (API and the page's 显示 button share one counter): a
    worker looks at a few; a script harvesting numbers is stopped after the burst."""

    scope = "reveal"

    def get_cache_key(self, request, view=None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}
