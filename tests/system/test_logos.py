"""Coin logos served by us, through the ALB stand-in: product fetches each coin's picture from
the mock CoinGecko's image host (or draws the demo's own), re-encodes it, and pages point at our
copy under /coins/logos/, never at a third party."""

from __future__ import annotations

import hashlib
import re

import requests
from support import wait_until

LOGO = re.compile(r'<img class="coin-logo" src="(/coins/logos/([0-9a-f]{64})\.png)"')


def test_the_listing_shows_logos_from_our_own_origin_cached_for_a_year(base_url):
    def logos_shown():
        html = requests.get(base_url + "/", timeout=10).text
        return LOGO.findall(html)

    logos = wait_until("logos on the listing", logos_shown, timeout=60)
    html = requests.get(base_url + "/", timeout=10).text
    assert not re.search(r'<img[^>]+src="https?:', html), "no image from another origin"
    path, digest = logos[0]

    # Every replica serves it: followers load what the leader stored.
    def served_by_both():
        answers = [requests.get(base_url + path, timeout=10) for _ in range(4)]
        return all(res.status_code == 200 for res in answers) and answers

    for res in wait_until(f"{path} from every replica", served_by_both, timeout=30):
        assert res.headers["content-type"] == "image/png"
        assert res.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert hashlib.sha256(res.content).hexdigest() == digest
    again = requests.get(base_url + path, headers={"If-None-Match": f'"{digest}"'}, timeout=10)
    assert again.status_code == 304
