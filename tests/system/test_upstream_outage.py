"""Upstream outage: when the market API (the local mock CoinGecko) fails, pages keep the last
good snapshot and show the stale banner with its as-of time; when it comes back, the banner
goes."""

from __future__ import annotations

import pytest

from support import Client, parse, wait_until


def banners(html: str) -> list[str]:
    return [" ".join(b.split()) for b in parse(html).banners]


def test_pages_keep_the_last_snapshot_and_say_it_is_stale(base_url, cluster, state):
    s = state["settings"]
    if s["market_source"] != "coingecko":
        pytest.skip("the cluster runs the demo feed; the upstream outage needs the mock CoinGecko")
    c = Client(base_url)
    fresh_wait = s["market_refresh_secs"] * 2 + 15
    stale_wait = s["market_stale_secs"] + s["market_refresh_secs"] * 2 + 15

    def fresh():
        page = c.get("/")
        return page.status_code == 200 and "Bitcoin" in page.text and not banners(page.text) and page

    wait_until("a fresh snapshot with no banner", fresh, timeout=fresh_wait)
    before = cluster.mock_state(state)["counts"].get("markets", 0)
    assert before > 0, "the product fetched /coins/markets from the mock"
    assert cluster.mock_state(state)["api_key_headers"].get("x-cg-demo-api-key"), "the demo API key header was sent"

    try:
        for mode in ("error", "error-object", "ratelimit", "unavailable"):
            cluster.mock_mode(state, mode)
            seen = cluster.mock_state(state)["counts"].get("markets", 0)
            wait_until(f"the product to hit the mock in {mode} mode",
                       lambda seen=seen: cluster.mock_state(state)["counts"].get("markets", 0) > seen,
                       timeout=s["market_refresh_secs"] * 4 + 30)
            for path in ("/", "/coins/bitcoin"):
                page = c.get(path)
                assert page.status_code == 200, f"{path} in {mode} mode: {page.status_code}"
                assert "Bitcoin" in page.text, f"{path} lost the snapshot in {mode} mode"

        def stale():
            page = c.get("/")
            return page.status_code == 200 and any("stale" in b.lower() or "as of" in b.lower() for b in banners(page.text)) and page

        page = wait_until("the stale banner", stale, timeout=stale_wait)
        for name in ("Bitcoin", "Ethereum", "XRP", "Shiba Inu"):
            assert name in page.text, f"{name} left the listing during the outage"
        coin = c.get("/coins/bitcoin")
        assert coin.status_code == 200 and banners(coin.text), "the coin page shows the banner too"
    finally:
        cluster.mock_mode(state, "ok")

    wait_until("the banner to go once the API answers again", fresh, timeout=fresh_wait + 30)


def test_a_malformed_answer_keeps_the_last_good_data(base_url, cluster, state):
    """An answer with nulls, missing fields and exponent numbers (the mock's `garbage` mode:
    Bitcoin's price null, Ethereum's name missing, XRP's id null) must not take coins or
    prices off the site: the last good snapshot stays."""
    s = state["settings"]
    if s["market_source"] != "coingecko":
        pytest.skip("the cluster runs the demo feed")
    c = Client(base_url)
    fresh_wait = s["market_refresh_secs"] * 2 + 15
    good = wait_until("a fresh snapshot", lambda: (p := c.get("/coins/bitcoin")).status_code == 200 and not banners(p.text) and p,
                      timeout=fresh_wait)
    price_before = parse_price(good.text)
    try:
        cluster.mock_mode(state, "garbage")
        seen = cluster.mock_state(state)["counts"].get("markets", 0)
        wait_until("two fetches of the malformed answer",
                   lambda: cluster.mock_state(state)["counts"].get("markets", 0) >= seen + 2,
                   timeout=s["market_refresh_secs"] * 4 + 30)
        problems = []
        for coin in ("ethereum", "ripple", "bitcoin"):
            page = c.get(f"/coins/{coin}")
            if page.status_code != 200:
                problems.append(f"/coins/{coin} answered {page.status_code}")
        listing = c.get("/").text
        for name in ("Ethereum", "XRP"):
            if name not in listing:
                problems.append(f"{name} left the listing")
        btc = c.get("/coins/bitcoin")
        if btc.status_code == 200 and parse_price(btc.text) in (None, "\u2014", "-"):
            problems.append(f"Bitcoin's price went from {price_before} to {parse_price(btc.text)!r}")
        assert not problems, "a malformed upstream answer changed the site: " + "; ".join(problems)
    finally:
        cluster.mock_mode(state, "ok")


def parse_price(html: str) -> str | None:
    import re

    m = re.search(r'class="coin-price"[^>]*>(?:<span class="visually-hidden">[^<]*</span>)?\s*([^<]*)<', html)
    return m.group(1).strip() if m else None
