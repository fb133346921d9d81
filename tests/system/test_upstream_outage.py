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
        for mode in ("error", "error-object", "garbage", "ratelimit"):
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
        assert "Bitcoin" in page.text and "Ethereum" in page.text
        coin = c.get("/coins/bitcoin")
        assert coin.status_code == 200 and banners(coin.text), "the coin page shows the banner too"
    finally:
        cluster.mock_mode(state, "ok")

    wait_until("the banner to go once the API answers again", fresh, timeout=fresh_wait + 30)
