"""SIGTERM on a replica, watched from outside: readiness turns 503 while pages still answer
with `Connection: close`, the listener then closes, and the process exits 0."""

from __future__ import annotations

import signal
import time

import pytest
import requests


@pytest.mark.parametrize("service", ["product", "login"])
def test_sigterm_drains_then_exits_zero(cluster, state, service):
    prefix = "/account" if service == "login" else ""
    page = "/account/login" if service == "login" else "/"
    name = cluster.add_replica_record(state, service)
    state["replicas"][name]["registered"] = False  # outside the balancer: only this test talks to it
    cluster.save_state(state)
    try:
        rec = cluster.start_replica(state, name)
        base = f"http://127.0.0.1:{rec['port']}"
        assert requests.get(base + prefix + "/readyz", timeout=5).status_code == 200

        sent = time.monotonic()
        import os

        os.kill(rec["pid"], signal.SIGTERM)
        time.sleep(0.5)
        ready = requests.get(base + prefix + "/readyz", timeout=5)
        assert ready.status_code == 503, "readiness turns 503 as soon as the drain starts"
        res = requests.get(base + page, timeout=5)
        assert res.status_code == 200, "pages are still served while draining"
        assert res.headers.get("Connection", "").lower() == "close", "draining answers ask to close the connection"
        assert requests.get(base + prefix + "/healthz", timeout=5).status_code == 200, "still alive while draining"

        drain = state["settings"]["shutdown_drain_secs"]
        code = cluster.stop_replica(state, name, timeout=drain + state["settings"]["shutdown_timeout_secs"] + 10)
        took = time.monotonic() - sent
        assert code == 0, f"{name} exited with {code}"
        assert took >= drain - 0.5, f"it stopped after {took:.1f}s, before the {drain}s drain was over"
        with pytest.raises(requests.ConnectionError):
            requests.get(base + prefix + "/healthz", timeout=2)
    finally:
        cluster.stop_replica(state, name)
        state = cluster.require_state()
        state["replicas"].pop(name, None)
        cluster.save_state(state)


def test_sigterm_flushes_the_metrics_of_the_last_interval(cluster, state, monkeypatch):
    """The flusher writes EMF once an hour here, so what comes out was written at exit."""
    import json

    monkeypatch.setenv("CLUSTER_PRODUCT_ENV", "METRICS=emf;METRICS_FLUSH_SECS=3600")
    name = cluster.add_replica_record(state, "product")
    state["replicas"][name]["registered"] = False
    cluster.save_state(state)
    try:
        rec = cluster.start_replica(state, name)
        base = f"http://127.0.0.1:{rec['port']}"
        for _ in range(7):
            assert requests.get(base + "/", timeout=5).status_code == 200
        code = cluster.stop_replica(state, name, timeout=state["settings"]["shutdown_drain_secs"] + 30)
        assert code == 0
        log_text = (cluster.LOG_DIR / f"{name}.log").read_text(errors="replace")
        this_run = log_text.rsplit("\n=== ", 1)[-1]
        docs = []
        for line in this_run.splitlines():
            if line.startswith("{") and '"_aws"' in line:
                docs.append(json.loads(line))
        count = sum(d.get("RequestCount", 0) for d in docs if d.get("Route") == "/" and d.get("StatusClass") == "2xx")
        latencies = sum(len(d["Latency"]) for d in docs if d.get("Route") == "/" and "Latency" in d)
        assert count == 7, f"request count at exit: {count} in {docs}"
        assert latencies == 7, "every request's latency is flushed at exit"
    finally:
        cluster.stop_replica(state, name)
        state = cluster.require_state()
        state["replicas"].pop(name, None)
        cluster.save_state(state)
