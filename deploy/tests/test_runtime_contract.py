"""deploy/runtime-contract, run against stand-ins for the service binaries.

The stand-in is a small Python HTTP server that behaves the way the contract
says a service does (health under its prefix, a home page linking its CSS, a
`healthcheck` subcommand, exit 0 on SIGTERM, JSON log lines). Variants that
break one rule each must make the contract fail: this proves the sandbox
(read-only file system, non-root user, bare environment) really holds, and
that every check bites.

The script needs root (mount namespace, user switch), as CI has.
"""

import os
import shutil
import subprocess

import pytest
from affected_support import REPO

SCRIPT = REPO / "deploy" / "runtime-contract"
PYTHON = "/usr/bin/python3"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("unshare") or not os.path.exists(PYTHON),
    reason="deploy/runtime-contract needs root, util-linux and /usr/bin/python3",
)

STAND_IN = r'''#!/usr/bin/python3
"""Stand-in for the SERVICE binary (deploy/tests/test_runtime_contract.py)."""
import http.server, json, os, signal, sys, threading, urllib.request

SERVICE = "{service}"
FAULT = "{fault}"
PREFIX = "/account" if SERVICE == "login" else ""
host, port = os.environ["BIND"].rsplit(":", 1)

def log(**fields):
    if FAULT == "text-logs":
        print(" ".join(f"{{k}}={{v}}" for k, v in fields.items()), flush=True)
    else:
        print(json.dumps(fields), flush=True)

if len(sys.argv) > 1 and sys.argv[1] == "healthcheck":
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{{port}}{{PREFIX}}/readyz", timeout=3) as r:
            sys.exit(0 if r.status == 200 else 1)
    except Exception:
        sys.exit(1)

required = ["BIND", "DATABASE_URL", "SESSION_KEY", "COOKIE_SECURE", "LOG_FORMAT"]
missing = [k for k in required if not os.environ.get(k)]
if missing:
    sys.exit(f"missing {{missing}}")
if FAULT == "needs-home" and "HOME" not in os.environ:
    sys.exit("HOME is not set")
if FAULT == "writes-state":
    open("state.json", "w").write("{{}}")           # the working directory
if FAULT == "writes-tmp":
    open("/tmp/stand-in-cache", "w").write("x")
if FAULT == "leaks-secret":
    log(msg="starting", session_key=os.environ["SESSION_KEY"])

CSS = f"{{PREFIX}}/assets/app.0123abcd.css"
HOME = "/account/login" if SERVICE == "login" else "/"
PAGE = f'<!doctype html><html><head><link rel="stylesheet" href="{{CSS}}"></head><body>{{SERVICE}}</body></html>'
draining = threading.Event()

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def send(self, status, body=b"", ctype="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        log(route=self.path, status=status)
    def do_GET(self):
        if self.path == f"{{PREFIX}}/healthz":
            return self.send(200, b"ok")
        if self.path == f"{{PREFIX}}/readyz":
            return self.send(503 if draining.is_set() else 200, b"ok")
        if SERVICE == "login" and self.path == "/account":
            return self.send(303, headers=[("Location", "/account/login")])
        if self.path == HOME:
            return self.send(200, PAGE.encode(), "text/html; charset=utf-8")
        if self.path == CSS and FAULT != "no-css":
            return self.send(200, b"body{{}}", "text/css")
        return self.send(404, b"not found")

server = http.server.ThreadingHTTPServer((host, int(port)), Handler)

def stop(*_):
    draining.set()
    threading.Thread(target=server.shutdown).start()
signal.signal(signal.SIGTERM, stop)
log(msg="listening", bind=os.environ["BIND"])
server.serve_forever()
log(msg="stopped")
sys.exit(3 if FAULT == "bad-exit" else 0)
'''


def stand_in(tmp_path, service, fault="none"):
    path = tmp_path / f"{service}-{fault}"
    path.write_text(STAND_IN.format(service=service, fault=fault))
    path.chmod(0o755)
    return path


def contract(binary, service, **env):
    full = dict(os.environ)
    full["CONTRACT_DATABASE_URL"] = "postgres://svc:s3cr3t-pa55word@127.0.0.1:5432/svc"
    full["CONTRACT_START_SECS"] = "15"
    full["CONTRACT_SESSION_STORE_URL"] = "redis://127.0.0.1:6379"  # the stand-in never connects
    full["CONTRACT_TLS"] = "0"  # the stand-in speaks no PostgreSQL; test_tls_contract.py covers it
    full.update(env)
    return subprocess.run([str(SCRIPT), str(binary), service], capture_output=True, text=True, env=full, timeout=120, check=False)


@pytest.mark.parametrize("service", ["login", "product"])
def test_a_well_behaved_service_passes(tmp_path, service):
    r = contract(stand_in(tmp_path, service), service)
    assert r.returncode == 0, r.stderr
    assert "PASS" in r.stderr
    assert "SIGTERM -> exit 0" in r.stderr
    assert "uid 65532, read-only everywhere" in r.stderr
    home = "/account" if service == "login" else "/"
    assert f"GET {home} -> 200" in r.stderr


@pytest.mark.parametrize(
    "fault, message",
    [
        ("writes-state", "exited"),            # cwd is read-only
        ("writes-tmp", "exited"),              # so is /tmp
        ("needs-home", "exited"),              # only the documented environment
        ("bad-exit", "exit status 3 after SIGTERM"),
        ("text-logs", "the logs are not JSON lines"),
        ("leaks-secret", "appears in the logs"),
        ("no-css", "GET /account/assets/app.0123abcd.css -> 404"),
    ],
)
def test_each_broken_rule_fails_the_contract(tmp_path, fault, message):
    r = contract(stand_in(tmp_path, "login", fault), "login")
    assert r.returncode == 1, r.stderr
    assert message in r.stderr, r.stderr


def test_usage_and_inputs_are_checked(tmp_path):
    binary = stand_in(tmp_path, "product")
    assert subprocess.run([str(SCRIPT)], capture_output=True, check=False).returncode == 2
    r = contract(binary, "site")
    assert r.returncode == 1 and "login or product" in r.stderr
    r = contract(binary, "product", CONTRACT_DATABASE_URL="sqlite://data/x.db")
    assert r.returncode == 1 and "postgres://" in r.stderr
    r = contract(binary, "product", CONTRACT_SESSION_STORE_URL="")
    assert r.returncode == 1 and "CONTRACT_SESSION_STORE_URL" in r.stderr


def test_nothing_is_left_behind(tmp_path):
    before = set(os.listdir("/tmp"))
    contract(stand_in(tmp_path, "product"), "product")
    left = {p for p in set(os.listdir("/tmp")) - before if p.startswith("runtime-contract.")}
    assert not left
