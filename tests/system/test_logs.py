"""What the services log behind the balancer: the ALB's trace id as the request id, one JSON
object a line, and never a password, a cookie, the session key or a database password."""

from __future__ import annotations

import json
import re
import time

from support import Client, unique_username, wait_until


def replica_logs(cluster, state) -> str:
    return "".join(
        (cluster.LOG_DIR / f"{name}.log").read_text(errors="replace")
        for name in state["replicas"]
        if (cluster.LOG_DIR / f"{name}.log").exists()
    )


def test_the_trace_id_of_the_balancer_is_the_request_id(base_url, cluster, state):
    c = Client(base_url)
    root = f"Root=1-{int(time.time()):08x}-{'a1b2c3d4e5f6' * 2}"
    res = c.get("/coins/bitcoin", headers={"X-Amzn-Trace-Id": root})
    echoed = res.headers["X-Request-Id"]
    assert re.fullmatch(re.escape(root) + r";Self=1-[0-9a-f]{8}-[0-9a-f]{24}", echoed), echoed
    generated = c.get("/account/login").headers["X-Request-Id"]
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", generated), generated

    def logged():
        for line in replica_logs(cluster, state).splitlines():
            if echoed in line:
                return json.loads(line)
        return None

    entry = wait_until("the access line with the trace id", logged, timeout=10)
    assert entry["request_id"] == echoed
    assert entry["status"] == 200 and entry["route"] == "/coins/{id}"


def test_logs_hold_no_secrets(base_url, cluster, state):
    c = Client(base_url)
    user = unique_username("logs")
    password = f"Secret-{unique_username('pw')}-Pass"
    c.register(user, password=password)
    c.logout()
    c.login(user, "Wrong-" + password)
    c.login(user, password)
    cookies = [v for v in c.s.cookies.values() if len(v) > 16]
    assert cookies, "a session cookie was set"
    secrets = cluster.load_secrets()
    logs = replica_logs(cluster, state)
    for label, value in [
        ("the password", password),
        ("the session cookie", cookies[0]),
        ("the session key", secrets["session_key"]),
        ("login's database password", secrets["login_svc_password"]),
        ("product's database password", secrets["product_svc_password"]),
    ]:
        assert value not in logs, f"{label} appears in a service log"
    # One JSON object a line (LOG_FORMAT=json), but for local-cluster's own start markers.
    bad = [line for line in logs.splitlines() if line and not line.startswith("=== ") and not line.startswith("{")]
    assert not bad, f"lines that are not JSON: {bad[:3]}"
