from rest_framework.throttling import SimpleRateThrottle

from mkwebhooks.conf import webhook_settings


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per API token (per session for browser users), MKWEBHOOKS_API_RATE."""

    scope = "token"

    def get_rate(self) -> str:
        return webhook_settings.API_RATE  # read per request, so it can change without a restart

    def get_cache_key(self, request, view) -> str | None:
        if request.auth is not None and hasattr(request.auth, "pk"):
            return self.cache_format % {"scope": self.scope, "ident": f"token-{request.auth.pk}"}
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}
        return None  # unauthenticated requests are refused before they cost anything
