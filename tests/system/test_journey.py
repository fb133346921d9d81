"""The journey over HTTP with a cookie jar, through nginx: register, see the signed-in header on
product pages, watch a coin, see it on the watchlist, log out, and be anonymous again."""

from __future__ import annotations

from support import Client, PASSWORD, form_for, is_anonymous, signed_in_as, unique_username


def test_the_journey(base_url):
    c = Client(base_url)
    home = c.get("/")
    assert home.status_code == 200
    assert is_anonymous(home.text), "a visitor sees Log in / Register"

    watchlist = c.get("/watchlist", allow_redirects=False)
    assert watchlist.status_code == 303
    assert watchlist.headers["Location"].endswith("/account/login?next=/watchlist") or \
        watchlist.headers["Location"].endswith("/account/login?next=%2Fwatchlist"), watchlist.headers["Location"]

    user = unique_username("journey")
    after = c.register(user)
    assert user in (signed_in_as(after.text) or ""), "registering signs the new user in"

    # Product pages read the identity from the shared session: no call to login.
    for path in ("/", "/coins/bitcoin", "/watchlist"):
        page = c.get(path)
        assert page.status_code == 200, f"{path}: {page.status_code}"
        assert user in (signed_in_as(page.text) or ""), f"{path} shows {user} in the header"

    res = c.watch("bitcoin")
    assert res.status_code == 200, res.status_code
    assert res.history and res.history[0].status_code == 303, "watching redirects back (POST/redirect/GET)"
    coin = c.get("/coins/bitcoin")
    form_for(coin.text, "/coins/bitcoin/unwatch")  # the button has turned into "unwatch"

    wl = c.get("/watchlist")
    assert wl.status_code == 200
    assert "Bitcoin" in wl.text and "/coins/bitcoin" in wl.text

    account = c.get("/account")
    assert account.status_code == 200 and user in account.text

    out = c.logout()
    assert out.status_code == 200
    home = c.get("/")
    assert is_anonymous(home.text), "after logging out the header is anonymous again"
    assert c.get("/watchlist", allow_redirects=False).status_code == 303
    assert c.get("/account", allow_redirects=False).status_code in (302, 303)

    # And back in, by email this time, landing where `next` says.
    back = c.login(f"{user}@example.com", PASSWORD, next_path="/watchlist")
    assert back.status_code == 200
    assert back.url.endswith("/watchlist"), back.url
    assert "Bitcoin" in back.text
