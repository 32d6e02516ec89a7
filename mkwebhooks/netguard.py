"""Which URLs a webhook may target: one guard used when a rule is saved and again at send time.

Blocks loopback, private, link-local, multicast, reserved and unspecified addresses
(IPv4 and IPv6, including IPv4-mapped IPv6) unless a network in
MKWEBHOOKS_ALLOWED_TARGET_NETWORKS exempts them.
"""

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from mkwebhooks.conf import webhook_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetError(ValueError):
    """The URL may not be used as a webhook target; the message says why."""


class UnresolvableHost(TargetError):
    """The target's host name does not resolve (now)."""


def check_url_shape(url: str) -> tuple[str, int]:
    """Validate scheme, host and credentials; return (host, port)."""
    # urlsplit silently drops tabs and newlines that requests would send: check the text.
    if any(char.isspace() or not char.isprintable() for char in url):
        raise TargetError("must not contain spaces or control characters; percent-encode them")
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
    if "%" in parts.hostname:
        raise TargetError("must not percent-encode or scope its host")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


NAT64 = ipaddress.ip_network("64:ff9b::/96")
SITE_LOCAL = ipaddress.ip_network("fec0::/10")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64, compatible)."""
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address.teredo:
        return address.teredo[1]
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in NAT64 or (int(address) >> 32 == 0 and int(low32) > 1):
        return low32
    return None


def allowed_by_settings(address: Address) -> bool:
    networks = webhook_settings.ALLOWED_TARGET_NETWORKS
    return any(address in ipaddress.ip_network(network) for network in networks)


def check_address(address: Address) -> None:
    if allowed_by_settings(address):
        return
    if isinstance(address, ipaddress.IPv6Address):
        if (inner := embedded_ipv4(address)) is not None:
            return check_address(inner)
        if address in SITE_LOCAL:
            raise TargetError(f"resolves to a non-public address ({address})")
    if not address.is_global or address.is_multicast:
        raise TargetError(f"resolves to a non-public address ({address})")


def address_literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


# getaddrinfo cannot be interrupted; a lookup that hangs is abandoned in this pool.
_resolver = ThreadPoolExecutor(max_workers=8, thread_name_prefix="resolve")


def resolve(host: str, port: int) -> list[Address]:
    """Resolve within CONNECT_TIMEOUT seconds."""
    lookup = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=webhook_settings.CONNECT_TIMEOUT)
    except TimeoutError:
        raise UnresolvableHost(f"host {host!r} did not resolve in time") from None
    except (socket.gaierror, UnicodeError):
        raise UnresolvableHost(f"host {host!r} cannot be resolved") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_target_url(url: str, *, must_resolve: bool) -> list[Address]:
    """Return the host's addresses; raise TargetError unless every one may be contacted.

    At rule save a host that does not resolve (yet) is accepted; at send time it is not.
    """
    host, port = check_url_shape(url)
    literal = address_literal(host)
    if literal is not None:  # nothing to look up (odd spellings such as 0x7f.1 are looked up)
        check_address(literal)
        return [literal]
    try:
        addresses = resolve(host, port)
    except UnresolvableHost:
        if must_resolve:
            raise
        return []
    for address in addresses:
        check_address(address)
    return addresses
