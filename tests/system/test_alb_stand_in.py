"""The nginx ALB stand-in on its own: generated from the routing table, it routes by path,
balances round robin, sets the ALB's headers, retries an idempotent request on the next
replica, and answers with its own page when no replica of a service answers.

These start a second nginx from the same generator in front of small echo servers (which
answer with the headers they got), so that what nginx sends can be seen."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from conftest import REPO, cluster_lib

generate = cluster_lib.nginx_generate

ROUTES = json.loads(
    '{"routes":[{"path_patterns":["/account","/account/*"],"prefix":"/account","service":"login"},'
    '{"default":true,"path_patterns":[],"prefix":"/","service":"product"}]}'
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = json.dumps({
            "name": self.server.name,
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
        }).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_HEAD = _answer  # noqa: N815


def echo_server(name: str, status: int = 200):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    server.name = name
    server.status = status
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory, cluster):
    """nginx from the generator in front of: two login echoes, two product echoes, a dead
    product address (refuses connections), and a service whose only replica is dead."""
    tmp = tmp_path_factory.mktemp("alb")
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / "tmp" / sub).mkdir(parents=True)
    servers = {n: echo_server(n) for n in ("login-a", "login-b", "product-a", "product-b")}
    dead = free_port()  # nothing listens there
    port = free_port()
    upstreams = {
        "login": [f"127.0.0.1:{servers['login-a'].server_port}", f"127.0.0.1:{servers['login-b'].server_port}"],
        "product": [
            f"127.0.0.1:{servers['product-a'].server_port}",
            f"127.0.0.1:{dead}",
            f"127.0.0.1:{servers['product-b'].server_port}",
        ],
    }
    import os

    conf = generate.render(
        generate.load_routes(json.dumps(ROUTES)),
        upstreams,
        listen=f"127.0.0.1:{port}",
        state_dir=str(tmp),
        log_dir=str(tmp),
        run_as_user="root" if os.geteuid() == 0 else None,
    )
    (tmp / "nginx.conf").write_text(conf)
    nginx = cluster_lib.nginx_binary()
    proc = subprocess.Popen([nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            requests.get(base + "/", timeout=2)
            break
        except requests.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"nginx did not start: {proc.stderr.read().decode()}") from None
            time.sleep(0.1)
    yield {"base": base, "servers": servers, "tmp": tmp, "upstreams": upstreams}
    proc.terminate()
    proc.wait(10)
    for s in servers.values():
        s.shutdown()


def echo(res: requests.Response) -> dict:
    assert res.status_code == 200, res.text[:500]
    return res.json()


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/account", "login"),
        ("/account/", "login"),
        ("/account/login?next=/watchlist", "login"),
        ("/account/assets/app.css", "login"),
        ("/accounts", "product"),
        ("/accountant/x", "product"),
        ("/", "product"),
        ("/coins/bitcoin", "product"),
        ("/watchlist", "product"),
        ("/healthz", "product"),
        ("/ACCOUNT/login", "product"),  # ALB path patterns are case-sensitive
    ],
)
def test_paths_go_to_the_service_the_routing_table_names(stand_in, path, service):
    got = echo(requests.get(stand_in["base"] + path, timeout=5))
    assert got["name"].startswith(service + "-"), f"{path} went to {got['name']}"
    assert got["path"] == path, "the path and query reach the service unchanged"


def test_round_robin_over_replicas(stand_in):
    seen = Counter(echo(requests.get(stand_in["base"] + "/account/x", timeout=5))["name"] for _ in range(10))
    assert set(seen) == {"login-a", "login-b"} and min(seen.values()) >= 4, seen


def test_a_dead_replica_is_skipped_and_idempotent_requests_are_retried(stand_in):
    # product's upstream lists a port nobody listens on: no GET may fail because of it.
    seen = Counter(echo(requests.get(stand_in["base"] + "/coins/x", timeout=5))["name"] for _ in range(12))
    assert set(seen) == {"product-a", "product-b"}, seen


def test_alb_headers(stand_in):
    got = echo(requests.get(stand_in["base"] + "/coins/bitcoin", headers={"X-Forwarded-For": "198.51.100.7"},
                            timeout=5))
    h = got["headers"]
    # The client's own X-Forwarded-For is kept and the peer appended, as the ALB does.
    assert h["x-forwarded-for"] == "198.51.100.7, 127.0.0.1"
    assert h["x-forwarded-proto"] == "http"
    assert h["x-forwarded-port"] == str(stand_in["base"].rsplit(":", 1)[1])
    assert h["host"] == stand_in["base"].removeprefix("http://")
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", h["x-amzn-trace-id"]), h["x-amzn-trace-id"]

    again = echo(requests.get(stand_in["base"] + "/coins/bitcoin", timeout=5))["headers"]
    assert again["x-amzn-trace-id"] != h["x-amzn-trace-id"], "a new trace id per request"
    assert again["x-forwarded-for"] == "127.0.0.1"


def test_a_valid_incoming_trace_id_is_kept_and_a_bad_one_replaced(stand_in):
    root = "Root=1-5759e988-bd862e3fe1be46a994272793"
    h = echo(requests.get(stand_in["base"] + "/", headers={"X-Amzn-Trace-Id": root}, timeout=5))["headers"]
    assert re.fullmatch(re.escape(root) + r";Self=1-[0-9a-f]{8}-[0-9a-f]{24}", h["x-amzn-trace-id"])
    h = echo(requests.get(stand_in["base"] + "/", headers={"X-Amzn-Trace-Id": "<script>"}, timeout=5))["headers"]
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", h["x-amzn-trace-id"])


def test_post_is_proxied_with_its_body(stand_in):
    got = echo(requests.post(stand_in["base"] + "/account/login", data={"a": "b"}, timeout=5))
    assert got["method"] == "POST" and got["name"].startswith("login-")


def test_a_service_with_no_live_replica_gets_the_alb_page(tmp_path, cluster):
    dead = free_port()
    port = free_port()
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "tmp" / sub).mkdir(parents=True)
    product = echo_server("product-a")
    import os

    conf = generate.render(
        generate.load_routes(json.dumps(ROUTES)),
        {"login": [f"127.0.0.1:{dead}"], "product": [f"127.0.0.1:{product.server_port}"]},
        listen=f"127.0.0.1:{port}", state_dir=str(tmp_path), log_dir=str(tmp_path),
        run_as_user="root" if os.geteuid() == 0 else None,
    )
    (tmp_path / "nginx.conf").write_text(conf)
    proc = subprocess.Popen([cluster_lib.nginx_binary(), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                             "-e", str(tmp_path / "error.log")], stdin=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(base + "/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        for path in ("/account", "/account/login"):
            res = requests.get(base + path, timeout=5)
            assert res.status_code == 502, res.status_code
            assert res.headers["Content-Type"].startswith("text/html")
            assert "<title>502 Bad Gateway</title>" in res.text
            assert "load balancer's own page" in res.text
        assert echo(requests.get(base + "/", timeout=5))["name"] == "product-a"
    finally:
        proc.terminate()
        proc.wait(10)
        product.shutdown()


def test_the_running_config_is_generated_from_site_routes(cluster):
    """The cluster's nginx.conf has a location per ALB path pattern of `site routes`, each
    proxying to that service, and the default route as `location /`."""
    state = cluster.require_state()
    routes = json.loads(cluster.routes_json(state))["routes"]
    conf = cluster.nginx_conf_path().read_text()
    for route in routes:
        for pattern in route["path_patterns"]:
            loc = generate.location_for(pattern)
            assert re.search(r"location " + re.escape(loc) + r" \{\s*proxy_pass http://" + route["service"] + ";", conf), (
                f"no location for {pattern} -> {route['service']}"
            )
        if route.get("default"):
            assert re.search(r"location / \{\s*proxy_pass http://" + route["service"] + ";", conf)
    assert conf.count("location ") == sum(len(r["path_patterns"]) for r in routes) + 2  # + default + /__alb/


def test_the_generator_refuses_what_it_cannot_translate():
    bad = [
        '{"routes":[]}',
        '{"routes":[{"service":"a","prefix":"/a","path_patterns":["/a"]}]}',  # no default
        '{"routes":[{"service":"p","prefix":"/","default":true,"path_patterns":[]},'
        '{"service":"a","prefix":"/a","path_patterns":["/a"]}]}',  # default not last
        '{"routes":[{"service":"a","prefix":"/a","path_patterns":["/a*b"]},'
        '{"service":"p","prefix":"/","default":true,"path_patterns":[]}]}',
        '{"routes":[{"service":"a","prefix":"/a","path_patterns":["a/"]},'
        '{"service":"p","prefix":"/","default":true,"path_patterns":[]}]}',
    ]
    for text in bad:
        with pytest.raises(generate.RoutingError):
            generate.load_routes(text)
    with pytest.raises(generate.RoutingError):
        generate.render(generate.load_routes(json.dumps(ROUTES)), {"login": ["127.0.0.1:1"]},
                        listen="127.0.0.1:1", state_dir="/tmp", log_dir="/tmp")


def test_the_generator_cli_reads_site_routes(cluster, tmp_path):
    state = cluster.require_state()
    site = Path(state["settings"]["bin_dir"]) / "site"
    routes = subprocess.run([str(site), "routes"], capture_output=True, text=True, check=True).stdout
    out = subprocess.run(
        [str(REPO / "deploy" / "nginx" / "generate.py"), "--routes", "-", "--upstream", "login=127.0.0.1:1",
         "--upstream", "product=127.0.0.1:2,127.0.0.1:3", "--state-dir", str(tmp_path), "--log-dir", str(tmp_path)],
        input=routes, capture_output=True, text=True, check=True,
    ).stdout
    assert "location = /account {" in out and "location ^~ /account/ {" in out
    assert "server 127.0.0.1:3 max_fails=" in out
