import hashlib
import logging

from rest_framework.throttling import SimpleRateThrottle

from mkwebhooks.conf import webhook_settings

logger = logging.getLogger("mkwebhooks.api")


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per API token (per session for browser users), MKWEBHOOKS_API_RATE."""

    scope = "token"

    def get_rate(self) -> str:
        return webhook_settings.API_RATE  # read per request, so it can change without a restart

    def get_cache_key(self, request, view) -> str | None:
        if request.auth is not None and hasattr(request.auth, "pk"):
            # A DRF token's primary key is the token itself: never put it in a cache key,
            # where anyone who can list a shared Redis would read it.
            digest = hashlib.sha256(str(request.auth.pk).encode()).hexdigest()[:32]
            return self.cache_format % {"scope": self.scope, "ident": f"token-{digest}"}
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}
        return None  # unauthenticated requests are refused before they cost anything

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache is down: a rate limit is not worth an outage
            logger.warning("rate limit not applied: cache unavailable (%s)", type(exc).__name__)
            return True
