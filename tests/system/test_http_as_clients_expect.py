"""HTTP as a browser, a monitor and a load balancer use it, through the ALB stand-in: HEAD on
every GET route and asset, 405 with Allow, gzip and brotli negotiated, and idle keep-alive
connections that the services keep longer than the balancer does."""

from __future__ import annotations

import gzip
import http.client
import re
import socket
import subprocess
import time
import urllib.parse

import pytest
import requests
from support import is_styled_page


def raw(base_url: str, method: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One request on its own connection; the body exactly as sent (not decompressed)."""
    url = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        res = conn.getresponse()
        body = res.read()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, body
    finally:
        conn.close()


def stylesheet_path(base_url: str, prefix: str) -> str:
    page = requests.get(base_url + (prefix or "/"), timeout=10).text
    found = re.search(r'href="(' + re.escape(prefix) + r'/assets/app\.[0-9a-f]+\.css)"', page)
    assert found, "the page links its stylesheet"
    return found.group(1)


# Headers that differ between two answers by design.
PER_RESPONSE = {"date", "x-request-id", "set-cookie"}


@pytest.mark.parametrize(
    "path", ["/", "/healthz", "/readyz", "/account/login", "/account/healthz", "asset:", "asset:/account"]
)
def test_head_answers_like_get_without_a_body(base_url, path):
    if path.startswith("asset:"):
        path = stylesheet_path(base_url, path.removeprefix("asset:"))
    # nginx may send the two requests to different replicas, and a live page (the listing's
    # "updated ... ago") may change between them: a pair that differs is tried again, and at
    # least one of six pairs must agree exactly.
    # With two replicas behind round robin, a HEAD right after a GET always lands on the other
    # replica, so every other try puts one request between them.
    mismatches = []
    for attempt in range(6):
        get_status, get_headers, get_body = raw(base_url, "GET", path)
        if attempt % 2:
            raw(base_url, "GET", "/healthz")
        head_status, head_headers, head_body = raw(base_url, "HEAD", path)
        assert get_status == 200, path
        assert head_status == get_status, path
        assert head_body == b"", "HEAD has no body"
        same = {k: v for k, v in get_headers.items() if k not in PER_RESPONSE}
        head = {k: v for k, v in head_headers.items() if k not in PER_RESPONSE}
        if head_headers.get("content-length") == str(len(get_body)) and head == same:
            return
        mismatches.append((len(get_body), head_headers.get("content-length"), set(head.items()) ^ set(same.items())))
    raise AssertionError(f"{path}: HEAD never matched GET: {mismatches}")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/", "GET, HEAD"),
        ("DELETE", "/coins/bitcoin", "GET, HEAD"),
        ("GET", "/account/delete", "POST"),
        ("PUT", "/account/logout", "GET, HEAD, POST"),
        ("PUT", "/account/login", "GET, HEAD, POST"),
        ("GET", "/coins/bitcoin/watch", "POST"),
    ],
)
def test_a_wrong_method_on_a_known_path_is_a_styled_405_with_allow(base_url, method, path, allow):
    res = requests.request(method, base_url + path, timeout=10, allow_redirects=False)
    assert res.status_code == 405, f"{method} {path}"
    assert res.headers["Allow"] == allow
    assert is_styled_page(res.text)


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
def test_an_unknown_path_stays_404(base_url, method):
    for path in ["/no-such-page", "/account/no-such-page"]:
        res = requests.request(method, base_url + path, timeout=10, allow_redirects=False)
        assert res.status_code == 404, f"{method} {path}"
        assert "Allow" not in res.headers


@pytest.mark.parametrize("path", ["/", "/account/login", "asset:"])
def test_gzip_and_brotli_are_negotiated_and_identity_is_the_default(base_url, path):
    if path.startswith("asset:"):
        path = stylesheet_path(base_url, path.removeprefix("asset:"))
    status, plain_headers, plain = raw(base_url, "GET", path)
    assert status == 200
    assert "content-encoding" not in plain_headers, "no Accept-Encoding, no compression"
    assert "accept-encoding" in plain_headers.get("vary", "").lower()

    status, headers, body = raw(base_url, "GET", path, {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("content-encoding") == "gzip"
    assert "accept-encoding" in headers.get("vary", "").lower()
    unzipped = gzip.decompress(body)
    # Pages carry per-response parts (a token, an age): compare sizes, not bytes, for pages.
    assert abs(len(unzipped) - len(plain)) < 512
    assert len(body) < len(plain)
    if path == "/":
        assert len(body) * 3 < len(plain), f"the listing gzipped is {len(body)} of {len(plain)} bytes"

    status, headers, body = raw(base_url, "GET", path, {"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200
    assert headers.get("content-encoding") == "br"
    assert "accept-encoding" in headers.get("vary", "").lower()
    assert len(body) < len(plain)
    if path == "/":
        assert len(body) * 3 < len(plain), f"the listing in brotli is {len(body)} of {len(plain)} bytes"


def _nginx_connections_to(ports: set[int]) -> set[tuple[str, str]]:
    """Established TCP connections from nginx to any of `ports`, as (local, peer) addresses."""
    out = subprocess.run(["ss", "-Htn", "state", "established"], capture_output=True, text=True, check=True).stdout
    found = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        local, peer = fields[-2], fields[-1]
        if int(peer.rsplit(":", 1)[1]) in ports:
            found.add((local, peer))
    return found


def test_an_idle_keep_alive_connection_is_still_open_and_reused_after_61_seconds(cluster, state, base_url):
    product = [r for r in state["replicas"].values() if r["service"] == "product" and r.get("registered", True)]
    ports = {r["port"] for r in product}
    # Through the balancer: nginx keeps idle upstream connections (keepalive in its upstreams).
    for _ in range(4):
        assert requests.get(base_url + "/healthz", timeout=10).status_code == 200
    pooled = _nginx_connections_to(ports)
    assert pooled, "nginx keeps connections to the product replicas"
    # Straight to one replica, on one connection we hold ourselves.
    direct = socket.create_connection(("127.0.0.1", product[0]["port"]), timeout=10)
    request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{product[0]['port']}\r\n\r\n".encode()
    try:
        direct.sendall(request)
        assert direct.recv(4096).startswith(b"HTTP/1.1 200"), "first request"

        time.sleep(61)

        still_open = _nginx_connections_to(ports) & pooled
        assert still_open, "the services closed nginx's idle connections within 61 s"
        direct.sendall(request)
        again = direct.recv(4096)
        assert again.startswith(b"HTTP/1.1 200"), f"the idle connection was closed: {again!r}"
        res = requests.get(base_url + "/healthz", timeout=10)
        assert res.status_code == 200, "no 502 after an idle minute"
    finally:
        direct.close()
