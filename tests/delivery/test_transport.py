"""The transport against misbehaving receivers on loopback."""

import time

import pytest

from delivery import transport
from tests.servers import RawServer, endless_body, huge_body, slow_headers

DEADLINE = 1.0


def post(url: str) -> transport.Result:
    return transport.post(
        url, headers={}, body=b"{}", connect_timeout=1, total_timeout=DEADLINE, max_bytes=20_000
    )


@pytest.mark.parametrize("script", [slow_headers, endless_body], ids=["headers", "body"])
def test_dripping_receiver_is_cut_off_at_the_deadline(script):
    started = time.monotonic()
    with RawServer(script) as server:
        result = post(server.url)
    assert time.monotonic() - started < DEADLINE + 0.5
    assert result.error_class == "timeout" and not result.ok


def test_only_the_first_20000_bytes_are_read():
    with RawServer(huge_body) as server:
        result = post(server.url)
    assert result.status == 500 and len(result.body) == 20_000


def test_connects_to_the_checked_address_not_a_second_lookup(receiver):
    port = receiver.url.rsplit(":", 1)[1]
    result = transport.post(
        f"http://pinned.invalid:{port}/hook",  # would not resolve at all
        headers={},
        body=b"{}",
        connect_timeout=1,
        total_timeout=2,
        max_bytes=100,
        address="127.0.0.1",
    )
    assert result.ok, result
    assert receiver.requests[0].headers["Host"] == f"pinned.invalid:{port}"
