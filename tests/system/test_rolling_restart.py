"""A rolling deployment of product under load: for each product replica in turn, a replacement
starts and is registered with the balancer, the old one gets SIGTERM (it reports not-ready,
answers with Connection: close, stops listening, finishes what is in flight, exits 0) and is
deregistered. A bounded load runs through nginx the whole time: zero failed requests."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter

from support import Client, unique_username

THREADS = 6
PAUSE = 0.01  # seconds between one thread's requests: a few hundred requests a second in all
MAX_REQUESTS = 100_000  # bounds on the load, whatever happens
MAX_SECONDS = 240


class Load:
    """GETs through nginx from a few threads, a new connection per request, until stopped."""

    def __init__(self, host: str, port: int, paths: list[str], cookie: str | None):
        self.host, self.port, self.paths, self.cookie = host, port, paths, cookie
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failures: list[str] = []
        self.statuses: Counter = Counter()
        self.exhausted = False
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(THREADS)]

    def _one(self, path: str) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=20)
        try:
            headers = {"Cookie": self.cookie} if self.cookie and path == "/watchlist" else {}
            conn.request("GET", path, headers=headers)
            res = conn.getresponse()
            res.read()
            outcome = res.status
        except (OSError, http.client.HTTPException) as err:
            outcome = f"{type(err).__name__}: {err}"
        finally:
            conn.close()
        with self.lock:
            self.statuses[outcome] += 1
            if outcome == 200:
                self.ok += 1
            else:
                self.failures.append(f"{path}: {outcome}")

    def _run(self) -> None:
        rng = random.Random()
        while not self.stop.is_set():
            with self.lock:
                done = self.ok + len(self.failures)
            if done >= MAX_REQUESTS or time.monotonic() - self.started > MAX_SECONDS:
                self.exhausted = True
                return
            self._one(rng.choice(self.paths))
            time.sleep(PAUSE)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)

    @property
    def total(self) -> int:
        return self.ok + len(self.failures)


def test_rolling_restart_of_product_under_load_loses_no_request(base_url, cluster, state):
    c = Client(base_url)
    c.register(unique_username("roll"))
    assert c.watch("bitcoin").status_code == 200
    cookie = "; ".join(f"{k}={v}" for k, v in c.s.cookies.items())

    old = sorted(n for n, r in state["replicas"].items() if r["service"] == "product" and r.get("registered", True))
    assert len(old) >= 2, "a rolling restart needs two or more product replicas"
    host, port = base_url.removeprefix("http://").split(":")
    paths = ["/", "/coins/bitcoin", "/coins/ethereum", "/watchlist", "/healthz", "/account/login"]
    replaced: dict[str, str] = {}
    exits: dict[str, int | None] = {}

    with Load(host, int(port), paths, cookie) as load:
        time.sleep(2)
        for name in old:
            # 1. a replacement starts on a new port and becomes ready
            new = cluster.add_replica_record(state, "product")
            cluster.save_state(state)
            cluster.start_replica(state, new)
            # 2. it is registered with the balancer (a graceful nginx reload)
            cluster.nginx_reload(state)
            time.sleep(1)
            # 3. the old replica gets SIGTERM while still registered: it drains, closes its
            #    listener and exits; nginx retries on the others meanwhile
            drained_from = load.total
            exits[name] = cluster.stop_replica(state, name)
            assert load.total > drained_from, "the load kept running while the replica drained"
            # 4. and is deregistered
            state["replicas"][name]["registered"] = False
            cluster.save_state(state)
            cluster.nginx_reload(state)
            replaced[name] = new
            time.sleep(1)
        time.sleep(2)

    summary = f"{load.total} requests, statuses {dict(load.statuses)}, first failures {load.failures[:10]}"
    print(summary)
    assert load.total >= 200, f"too little load to mean anything: {summary}"
    assert not load.exhausted, f"the load reached its bound before the restart was over: {summary}"
    assert not load.failures, f"failed requests during the rolling restart: {summary}"

    for name in old:
        # Graceful: each old replica logged its drain and its stop and exited 0 (the exit code
        # is known only for a process this test started; the log says it for the others).
        log = (cluster.LOG_DIR / f"{name}.log").read_text(errors="replace")
        log = log[log.rfind("\n=== "):]  # this run of the replica (local-cluster marks each start)
        lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        messages = [entry.get("msg", "") for entry in lines if entry.get("target") != "access"]
        assert any("draining" in m for m in messages), f"{name} did not log its drain"
        assert "stopped" in messages, f"{name} did not stop gracefully:\n{log[-2000:]}"
        assert exits[name] in (0, None), f"{name} exited with {exits[name]}"

    # Leave the cluster as it was: the replacements stay, the old records go.
    state = cluster.require_state()
    for name in old:
        del state["replicas"][name]
    cluster.save_state(state)
    cluster.nginx_reload(state)
    res = Client(base_url).get("/")
    assert res.status_code == 200
