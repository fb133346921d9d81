"""Failed logins are throttled per account and per client address, and the count lives in the
login database: failures on one replica block the next attempt on another."""

from __future__ import annotations

from support import Client, PASSWORD, fake_client_ip, is_styled_page, unique_username


def replica_urls(state) -> list[str]:
    urls = sorted(f"http://127.0.0.1:{r['port']}" for r in state["replicas"].values() if r["service"] == "login")
    assert len(urls) >= 2, "throttling across replicas needs two login replicas"
    return urls


def login_attempt(c: Client, base: str, login: str, password: str):
    page = c.get(base + "/account/login")
    assert page.status_code in (200, 429), page.status_code
    from support import form_for

    if page.status_code == 429:
        return page
    form = form_for(page.text, "/account/login")
    data = dict(form.fields, login=login, password=password)
    return c.post(base + "/account/login", data, allow_redirects=False)


def test_account_throttling_holds_across_two_login_replicas(base_url, state):
    first, second = replica_urls(state)[:2]
    owner = Client(base_url)
    user = unique_username("thr")
    owner.register(user)
    owner.logout()

    attacker = Client(base_url)  # one client address, only ever talking to the first replica
    blocked_after = None
    for attempt in range(1, 16):
        res = login_attempt(attacker, first, user, "wrong-password-123")
        if res.status_code == 429:
            blocked_after = attempt
            break
        assert res.status_code in (200, 401, 422), res.status_code
    assert blocked_after is not None, "15 wrong passwords on one replica never got a 429"

    # The second replica has seen none of those failures, yet it refuses too: even the right
    # password, from another client address.
    other = Client(base_url)
    res = login_attempt(other, second, user, PASSWORD)
    assert res.status_code == 429, f"the second replica let the account in ({res.status_code})"
    assert int(res.headers["Retry-After"]) > 0
    assert is_styled_page(res.text), "the 429 is the styled page"

    # And through the balancer, whichever replica answers.
    for _ in range(2):
        res = login_attempt(Client(base_url), base_url, user, PASSWORD)
        assert res.status_code == 429


def test_address_throttling_holds_across_two_login_replicas(base_url, state):
    urls = replica_urls(state)
    ip = fake_client_ip()
    c = Client(base_url, client_ip=ip)
    blocked_after = None
    for attempt in range(1, 41):
        # A different unknown account each time, alternating replicas: only the address counts.
        res = login_attempt(c, urls[attempt % 2], unique_username("nobody"), "wrong-password-123")
        if res.status_code == 429:
            blocked_after = attempt
            break
    assert blocked_after is not None, "40 failures from one address over two replicas never got a 429"
    assert blocked_after > 2
    # Blocked on both replicas for that address, for a real account too; others are not.
    for url in urls:
        assert login_attempt(Client(base_url, client_ip=ip), url, unique_username("nobody"), "x" * 12).status_code == 429
    res = login_attempt(Client(base_url), urls[0], unique_username("nobody"), "wrong-password-123")
    assert res.status_code != 429


def test_a_burst_split_over_two_replicas_verifies_at_most_the_account_limit(base_url, state):
    """60 wrong passwords sent at once from one address, a third through nginx and a third
    straight to each login replica: every attempt is reserved in the shared database before
    its password is checked, so at most the account limit (5) are verified (answered 401);
    every other answer is the 429."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from support import form_for

    first, second = replica_urls(state)[:2]
    user = unique_username("burst")
    owner = Client(base_url)
    owner.register(user)
    owner.logout()

    ip = fake_client_ip()
    targets = [base_url, first, second]
    prepared = []
    for n in range(60):
        c = Client(base_url, client_ip=ip)
        page = c.get("/account/login")
        assert page.status_code == 200, page.status_code
        form = form_for(page.text, "/account/login")
        prepared.append((c, targets[n % 3], dict(form.fields, login=user, password="wrong-password-123")))

    start = threading.Barrier(len(prepared))

    def attempt(item):
        c, target, data = item
        start.wait()
        return c.s.post(target + "/account/login", data=data, allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=len(prepared)) as pool:
        statuses = list(pool.map(attempt, prepared))

    wrong = statuses.count(401)
    throttled = statuses.count(429)
    assert wrong + throttled == 60, f"unexpected answers: {sorted(statuses)}"
    assert wrong <= 5, f"{wrong} of the burst's passwords were verified (limit 5)"
    assert wrong >= 1, "the burst was refused outright; nothing was checked"
    # The right password is refused now too, on both replicas.
    for url in (first, second):
        res = login_attempt(Client(base_url), url, user, PASSWORD)
        assert res.status_code == 429, res.status_code
