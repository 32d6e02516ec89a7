"""Which URLs a webhook may target: one guard used when a rule is saved and again at send time.

Blocks loopback, private, link-local, multicast, reserved and unspecified addresses
(IPv4 and IPv6, including IPv4-mapped IPv6) unless a network in
MKWEBHOOKS_ALLOWED_TARGET_NETWORKS exempts them.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from mkwebhooks.conf import webhook_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetError(ValueError):
    """The URL may not be used as a webhook target; the message says why."""


class UnresolvableHost(TargetError):
    """The target's host name does not resolve (now)."""


def check_url_shape(url: str) -> tuple[str, int]:
    """Validate scheme, host and credentials; return (host, port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetError(f"is not a valid URL ({exc})") from None
    allowed = ("https", "http") if webhook_settings.ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        raise TargetError(f"must be an absolute {' or '.join(s + '://' for s in allowed)} URL")
    if not parts.hostname:
        raise TargetError("has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetError("must not contain credentials; use authentication.headers")
    if parts.fragment:
        raise TargetError("must not contain a fragment")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def check_address(address: Address) -> None:
    if any(
        address in ipaddress.ip_network(net) for net in webhook_settings.ALLOWED_TARGET_NETWORKS
    ):
        return
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return check_address(mapped)
    if not address.is_global or address.is_multicast:
        raise TargetError(f"resolves to a non-public address ({address})")


def resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnresolvableHost(f"host {host!r} cannot be resolved") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_target_url(url: str, *, must_resolve: bool) -> None:
    """Raise TargetError unless every address of the URL's host may be contacted.

    At rule save a host that does not resolve (yet) is accepted; at send time it is not.
    """
    host, port = check_url_shape(url)
    try:
        addresses = resolve(host, port)
    except UnresolvableHost:
        if must_resolve:
            raise
        return
    for address in addresses:
        check_address(address)
