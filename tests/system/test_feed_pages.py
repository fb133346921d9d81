"""The whole market over several pages of the feed: when one page of `/coins/markets` fails,
the coins it covers keep their last good figures and say how old they are, while the other
pages stay fresh. The mock CoinGecko grows to 300 coins (two pages of 250) for the test."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from support import Client, wait_until


def mock_control(cluster, state, path: str) -> dict:
    req = urllib.request.Request(f"{cluster.mock_url(state)}{path}", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=5) as res:  # noqa: S310 (the local mock)
        return json.loads(res.read())


def row(html: str, coin: str) -> str | None:
    """The listing row of `coin`, from its name cell to the end of the row."""
    at = html.find(f'href="/coins/{coin}"')
    if at < 0:
        return None
    return html[at : html.find("</tr>", at)]


def price(row_html: str) -> str:
    match = re.search(r'class="num price"[^>]*>([^<]*)', row_html)
    assert match, row_html
    return match.group(1)


def test_a_failing_page_keeps_its_rows_with_their_time_while_the_others_stay_fresh(base_url, cluster, state):
    s = state["settings"]
    if s["market_source"] != "coingecko":
        pytest.skip("the cluster runs the demo feed; pages of the feed need the mock CoinGecko")
    c = Client(base_url)
    # Pages after the first are refreshed four times less often than the top page.
    page_wait = s["market_refresh_secs"] * 4 * 2 + 20
    top, tail = "/?per_page=100", "/?per_page=100&page=3"

    try:
        mock_control(cluster, state, "/__mock/market?coins=300")
        wait_until("rank 280 (the feed's second page) on the listing",
                   lambda: row(c.get(tail).text, "extra-coin-280"), timeout=page_wait)

        mock_control(cluster, state, "/__mock/fail-page?page=2")
        kept = wait_until(
            "the second page's coins to keep their figures with their own time",
            lambda: (r := row(c.get(tail).text, "extra-coin-280")) and "kept-as-of" in r and r,
            timeout=page_wait,
        )
        assert price(kept).startswith("$"), "the kept row still has its price"

        before = price(row(c.get(top).text, "bitcoin"))
        moved = wait_until(
            "the first page to stay fresh (Bitcoin's price moves, with no time of its own)",
            lambda: (r := row(c.get(top).text, "bitcoin")) and price(r) != before and r,
            timeout=s["market_refresh_secs"] * 4 + 20,
        )
        assert "kept-as-of" not in moved, moved

        def still_kept_on_every_replica():
            # Four reads in a row, so both replicas behind nginx answer.
            rows = [row(c.get(tail).text, "extra-coin-280") for _ in range(4)]
            return all(r and "kept-as-of" in r for r in rows) and rows

        wait_until("the failed page's rows to stay listed, marked, on every replica",
                   still_kept_on_every_replica, timeout=s["market_refresh_secs"] * 4 + 20)
    finally:
        mock_control(cluster, state, "/__mock/fail-page?page=0")
        mock_control(cluster, state, "/__mock/market?coins=12")

    def back_to_a_dozen():
        return all("extra-coin" not in c.get(path).text for path in (top, tail, top, tail))

    wait_until("the listing back to the mock's dozen coins", back_to_a_dozen, timeout=page_wait)
