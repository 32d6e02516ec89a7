from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header


class BearerTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <token>`, tokens from `drf_create_token` or the admin."""

    keyword = "Bearer"

    def authenticate(self, request):
        # DRF would ignore another scheme and answer "credentials were not provided".
        scheme = get_authorization_header(request).split()[:1]
        if scheme and scheme[0].lower() != self.keyword.lower().encode():
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <token>'."
            )
        return super().authenticate(request)
