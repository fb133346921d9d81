"""Sessions on the shared store, seen through nginx with separate processes:

- an account deleted while every product replica is stopped loses its watchlist rows once
  product is back (the event waits in the stream for product's consumer group), and its other
  sessions are over on every replica;
- the session store killed and restarted under load: no 500 anywhere, pages say that signing
  in is unavailable, and signing in works again seconds after the store returns.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import requests
from support import PASSWORD, Client, is_anonymous, signed_in_as, unique_username, wait_until

LOAD_THREADS = 4
LOAD_MAX_SECONDS = 120  # bounds on the load, whatever happens
LOAD_MAX_REQUESTS = 20_000


def user_id(cluster, state, username: str) -> int:
    out = cluster.psql(state, f"SELECT id FROM users WHERE username = '{username}'", db="coinwatch_login").stdout
    return int(out.strip())


def watchlist_rows(cluster, state, uid: int) -> int:
    out = cluster.psql(state, f"SELECT count(*) FROM watchlist WHERE user_id = {uid}", db="coinwatch_product").stdout
    return int(out.strip())


def test_an_account_deleted_while_product_is_down_loses_its_watchlist_when_product_returns(base_url, cluster, state):
    laptop = Client(base_url)
    user = unique_username("gone")
    laptop.register(user)
    assert laptop.watch("bitcoin").status_code == 200
    assert laptop.watch("ethereum").status_code == 200
    phone = Client(base_url)
    assert phone.login(user).status_code == 200
    uid = user_id(cluster, state, user)
    assert watchlist_rows(cluster, state, uid) == 2

    products = sorted(n for n, r in state["replicas"].items() if r["service"] == "product")
    try:
        for name in products:
            cluster.stop_replica(state, name)
        res = laptop.submit(
            "/account",
            "/account/delete",
            {"current_password": PASSWORD, "confirm_username": user},
            allow_redirects=False,
        )
        assert res.status_code == 303, res.text[:500]
        # Nobody is left to remove the rows yet.
        time.sleep(3)
        assert watchlist_rows(cluster, state, uid) == 2
    finally:
        for name in products:
            cluster.start_replica(state, name, wait=False)
        for name in products:
            cluster.wait_replica_ready(state, name)

    wait_until("product to drop the deleted account's watchlist",
               lambda: watchlist_rows(cluster, state, uid) == 0, timeout=60, interval=1)
    # The other session is over on every product replica.
    for _ in range(4):
        assert is_anonymous(phone.get("/").text)
    assert phone.get("/account", allow_redirects=False).status_code == 303


class Load:
    """Signed-in and anonymous GETs through nginx from a few threads until stopped; counts
    statuses per path."""

    def __init__(self, base: str, cookies: dict, paths: list[str]):
        self.base, self.cookies, self.paths = base, cookies, paths
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.errors: list[str] = []
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(LOAD_THREADS)]

    def _run(self, i: int) -> None:
        session = requests.Session()
        session.cookies.update(self.cookies)
        n = 0
        while not self.stop.is_set() and time.monotonic() - self.started < LOAD_MAX_SECONDS:
            with self.lock:
                if sum(self.statuses.values()) >= LOAD_MAX_REQUESTS:
                    return
            path = self.paths[(i + n) % len(self.paths)]
            n += 1
            try:
                res = session.get(self.base + path, allow_redirects=False, timeout=20)
                outcome = res.status_code
            except requests.RequestException as err:
                outcome = type(err).__name__
            with self.lock:
                self.statuses[(path, outcome)] += 1
                if not isinstance(outcome, int) or outcome >= 500:
                    self.errors.append(f"{path}: {outcome}")
            time.sleep(0.02)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)


def test_the_session_store_killed_under_load_gives_no_500_and_signing_in_returns(base_url, cluster, state):
    c = Client(base_url)
    user = unique_username("store")
    c.register(user)
    assert user in (signed_in_as(c.get("/").text) or "")
    paths = ["/", "/coins/bitcoin", "/watchlist", "/account/login", "/account"]
    try:
        with Load(base_url, c.s.cookies.get_dict(), paths) as load:
            time.sleep(2)
            cluster.valkey_stop(state)
            time.sleep(6)
            during = Client(base_url)
            home = during.get("/")
            assert home.status_code == 200
            assert "Signing in is unavailable" in home.text
            login_page = during.get("/account/login")
            assert login_page.status_code == 200
            res = during.submit("/account/login", "/account/login", {"login": user, "password": PASSWORD},
                                allow_redirects=False)
            assert res.status_code == 503, res.status_code
            assert "error-status" in res.text
            # product stays ready: it still serves prices.
            for name, rec in state["replicas"].items():
                if rec["service"] == "product":
                    assert cluster.http_get(cluster.readyz_url(rec))[0] == 200, name
            cluster.valkey_start(state)
            time.sleep(4)
        assert not load.errors, f"server errors during the outage: {load.errors[:20]} {dict(load.statuses)}"
        assert sum(load.statuses.values()) > 50, dict(load.statuses)
    finally:
        if not cluster.valkey_running(state):
            cluster.valkey_start(state)

    # The store came back empty (nothing persisted): signing in works again within seconds.
    def signed_in_again():
        fresh = Client(base_url)
        if fresh.login(user).status_code != 200:
            return False
        return user in (signed_in_as(fresh.get("/").text) or "")

    wait_until("signing in to work again", signed_in_again, timeout=30, interval=1)
