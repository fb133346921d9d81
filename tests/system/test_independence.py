"""Independence: with every login replica stopped, product pages (the watchlist included) still
answer and still know who is signed in; /account/* gets the load balancer's own error page.
Started again, login works as before."""

from __future__ import annotations

from support import Client, is_alb_page, signed_in_as, unique_username, wait_until


def test_product_keeps_working_while_login_is_down(base_url, cluster, state):
    c = Client(base_url)
    user = unique_username("indep")
    c.register(user)
    assert c.watch("ethereum").status_code == 200

    logins = sorted(n for n, r in state["replicas"].items() if r["service"] == "login")
    assert len(logins) >= 1
    try:
        for name in logins:
            cluster.stop_replica(state, name)

        for path in ("/", "/coins/bitcoin", "/coins/ethereum", "/watchlist"):
            page = c.get(path)
            assert page.status_code == 200, f"{path} answered {page.status_code} with login down"
            assert user in (signed_in_as(page.text) or ""), f"{path} still shows {user}"
        assert "Ethereum" in c.get("/watchlist").text
        # Watching still works: it is product's own state.
        assert c.watch("solana").status_code == 200
        assert "Solana" in c.get("/watchlist").text

        for path in ("/account", "/account/login", "/account/register", "/account/healthz"):
            res = c.get(path, allow_redirects=False)
            assert is_alb_page(res), f"{path}: {res.status_code} {res.text[:300]}"
        res = c.post("/account/logout", {"csrf_token": "x"})
        assert is_alb_page(res)
    finally:
        for name in logins:
            cluster.start_replica(state, name, wait=False)
        for name in logins:
            cluster.wait_replica_ready(state, name)

    # Everything works again, with the same session, once the balancer's passive check lets
    # the replicas back in (fail_timeout; the ALB's healthy threshold plays that part).
    page = wait_until("login back behind the balancer", lambda: (r := c.get("/account")).status_code == 200 and r,
                      timeout=20)
    assert user in page.text
    assert c.get("/account/healthz").status_code == 200
    assert c.logout().status_code == 200
    assert c.login(user).status_code == 200
    assert user in (signed_in_as(c.get("/watchlist").text) or "")
