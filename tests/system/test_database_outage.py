"""Database outage: with PostgreSQL stopped, pages that need it answer the styled 503, market
pages keep serving from memory, and readiness fails. Started again, everything recovers
without restarting any service."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from support import Client, is_styled_page, parse, signed_in_as, unique_username, wait_until


def readyz(rec) -> int:
    prefix = "/account" if rec["service"] == "login" else ""
    try:
        return requests.get(f"http://127.0.0.1:{rec['port']}{prefix}/readyz", timeout=10).status_code
    except requests.RequestException:
        return 0


def test_a_database_outage_degrades_and_recovers(base_url, cluster, state):
    c = Client(base_url)
    user = unique_username("dbout")
    c.register(user)
    assert c.watch("bitcoin").status_code == 200
    pids = {n: r["pid"] for n, r in state["replicas"].items()}

    cluster.pg_stop(state)
    try:
        # Readiness fails on every replica of both services, and through the balancer.
        for name, rec in state["replicas"].items():
            assert readyz(rec) == 503, f"{name} still reports ready"
        assert c.get("/readyz").status_code == 503
        assert c.get("/account/readyz").status_code == 503

        # Market pages render from the in-memory snapshot, still signed in.
        for path in ("/", "/coins/bitcoin"):
            page = c.get(path)
            assert page.status_code == 200, f"{path} answered {page.status_code} without the database"
            assert "Bitcoin" in page.text
            assert user in (signed_in_as(page.text) or "")

        # Pages that need the database say so with the styled 503.
        wl = c.get("/watchlist")
        assert wl.status_code == 503, wl.status_code
        assert wl.headers["Content-Type"].startswith("text/html") and is_styled_page(wl.text)
        # Many at once: each is the service's styled 503, never the balancer's 502 (a retried
        # 503 would count against the replicas until nginx marked them all down).
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: c.get("/watchlist"), range(6)))
        assert [(r.status_code, is_styled_page(r.text)) for r in answers] == [(503, True)] * 6
        for path in ("/", "/coins/bitcoin"):
            assert c.get(path).status_code == 200, f"{path} after a burst of 503s"
        page = c.get("/coins/ethereum")
        form = [f for f in parse(page.text).forms if f.action.endswith("/watch")]
        if form:
            res = c.post(form[0].action, form[0].fields)
            assert res.status_code == 503 and is_styled_page(res.text)
        other = Client(base_url)
        res = other.login(user)
        assert res.status_code == 503, res.status_code
        assert is_styled_page(res.text)
    finally:
        cluster.pg_start(state)

    for name, rec in state["replicas"].items():
        wait_until(f"{name} ready again", lambda rec=rec: readyz(rec) == 200, timeout=30)
    wl = wait_until("the watchlist back", lambda: (r := c.get("/watchlist")).status_code == 200 and r, timeout=30)
    assert "Bitcoin" in wl.text
    assert Client(base_url).login(user).status_code == 200
    state = cluster.require_state()
    assert {n: r["pid"] for n, r in state["replicas"].items()} == pids, "no service was restarted"
