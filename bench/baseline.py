"""Part 1: the practical limit L of a Python sender here — a plain requests.Session loop.

The same CloudEvent body and headers the product sends, to nginx answering 204, one kept-alive
connection. For comparison it also times the product's own transport.post() the same way.
"""

import argparse
import time

import requests

from bench import common
from delivery import transport


def rate(send, count: int, warmup: int) -> float:
    for _ in range(warmup):
        send()
    started = time.perf_counter()
    for _ in range(count):
        send()
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    body, headers = common.sample_body(), common.product_headers()
    common.say(f"1: body {len(body)} bytes, headers {sorted(headers)}")
    session = requests.Session()
    # As the product's session: otherwise requests looks up proxies and ~/.netrc per request.
    session.trust_env = False

    def plain() -> None:
        response = session.post(args.url, data=body, headers=headers, timeout=5)
        if response.status_code != 204:
            raise RuntimeError(f"nginx answered {response.status_code}")

    def product() -> None:
        result = transport.post(
            args.url,
            headers=headers,
            body=body,
            connect_timeout=5,
            total_timeout=15,
            max_bytes=20_000,
            address="127.0.0.1",
        )
        if result.status != 204:
            raise RuntimeError(f"transport.post: {result}")

    warmup = max(args.requests // 20, 50)
    baseline = rate(plain, args.requests, warmup)
    common.say(f"1: L = {baseline:,.0f} requests/s (one kept-alive connection)")
    product_rate = rate(product, args.requests, warmup)
    common.say(f"1: the product's transport.post() in the same loop: {product_rate:,.0f}/s")
    common.result(
        {
            "rate": baseline,
            "transport_rate": product_rate,
            "body_bytes": len(body),
            "requests": args.requests,
        }
    )


if __name__ == "__main__":
    main()
