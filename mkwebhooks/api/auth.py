from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <token>`, tokens from `drf_create_token` or the admin."""

    keyword = "Bearer"
