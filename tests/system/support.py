"""Helpers for the system tests: a cookie-jar client that reads forms like a browser, and what
pages say about who is signed in."""

from __future__ import annotations

import random
import re
import time
import uuid
from html.parser import HTMLParser

import requests

TIMEOUT = 15


def fake_client_ip() -> str:
    """A random client address from 198.18.0.0/15 (set aside for tests). nginx appends the real
    peer (127.0.0.1, a trusted proxy) to X-Forwarded-For, so the services take this address as
    the client's: tests keep their per-address login throttling apart with it."""
    return f"198.{random.randint(18, 19)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def unique_username(prefix: str = "sys") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


PASSWORD = "Quartz-harbor-tulip-19"


class Form:
    def __init__(self, action: str, method: str):
        self.action = action
        self.method = method
        self.fields: dict[str, str] = {}
        self.buttons: list[str] = []


class PageParser(HTMLParser):
    """Forms with their inputs, and the text of the site header."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._in_button = False
        self._header_depth = 0
        self.header_text: list[str] = []
        self.banners: list[str] = []
        self._banner_depth = 0
        self.title = ""
        self._in_title = False
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = Form(a.get("action", ""), (a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and a.get("name"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._form.fields[a["name"]] = a.get("value") or ""
        elif tag == "button" and self._form is not None:
            self._in_button = True
            self._form.buttons.append("")
        elif tag == "header":
            self._header_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href", ""))
        if tag == "div" and "banner" in (a.get("class") or "").split():
            self._banner_depth = 1
            self.banners.append("")
        elif tag == "div" and self._banner_depth:
            self._banner_depth += 1

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "button":
            self._in_button = False
        elif tag == "header" and self._header_depth:
            self._header_depth -= 1
        elif tag == "title":
            self._in_title = False
        elif tag == "div" and self._banner_depth:
            self._banner_depth -= 1

    def handle_data(self, data):
        if self._in_button and self._form is not None:
            self._form.buttons[-1] += data.strip()
        if self._header_depth:
            self.header_text.append(data)
        if self._in_title:
            self.title += data
        if self._banner_depth:
            self.banners[-1] += data


def parse(html: str) -> PageParser:
    p = PageParser()
    p.feed(html)
    return p


def header(html: str) -> str:
    return " ".join(" ".join(parse(html).header_text).split())


def signed_in_as(html: str) -> str | None:
    """The user named in the header when it offers "Log out", else None."""
    page = parse(html)
    text = " ".join(" ".join(page.header_text).split())
    logout = any(f.action.endswith("/account/logout") for f in page.forms)
    if not logout:
        return None
    return text


def is_anonymous(html: str) -> bool:
    text = header(html)
    return "Log in" in text and not any(f.action.endswith("/account/logout") for f in parse(html).forms)


def csrf_token(html: str) -> str:
    for form in parse(html).forms:
        if "csrf_token" in form.fields:
            return form.fields["csrf_token"]
    m = re.search(r'name="csrf_token"\s+value="([^"]+)"', html)
    if not m:
        raise AssertionError("no csrf_token on the page")
    return m.group(1)


def form_for(html: str, action_suffix: str) -> Form:
    for form in parse(html).forms:
        if form.action.endswith(action_suffix):
            return form
    actions = [f.action for f in parse(html).forms]
    raise AssertionError(f"no form posting to *{action_suffix} on the page; forms: {actions}")


def is_styled_page(html: str) -> bool:
    """A page of ours: a full HTML document with the site's stylesheet."""
    page = parse(html)
    return html.lstrip().lower().startswith("<!doctype html") and any("/assets/app." in s for s in page.stylesheets)


def is_alb_page(res: requests.Response) -> bool:
    """The load balancer's own error page (deploy/nginx/html), not a service's."""
    return res.status_code in (502, 503, 504) and "load balancer's own page" in res.text


class Client:
    """A browser-like HTTP client with a cookie jar, through nginx unless told otherwise."""

    def __init__(self, base_url: str, client_ip: str | None = None):
        self.base = base_url.rstrip("/")
        self.s = requests.Session()
        self.client_ip = client_ip or fake_client_ip()
        self.s.headers["X-Forwarded-For"] = self.client_ip
        self.s.headers["User-Agent"] = "coinwatch-system-tests"
        self.last: requests.Response | None = None

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    def get(self, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", TIMEOUT)
        self.last = self.s.get(self.url(path), **kw)
        return self.last

    def post(self, path: str, data: dict, **kw) -> requests.Response:
        kw.setdefault("timeout", TIMEOUT)
        self.last = self.s.post(self.url(path), data=data, **kw)
        return self.last

    def submit(self, page_path: str, action_suffix: str, values: dict, **kw) -> requests.Response:
        """Loads a page, fills the form that posts to `action_suffix`, and submits it."""
        page = self.get(page_path)
        assert page.status_code == 200, f"GET {page_path}: {page.status_code}"
        form = form_for(page.text, action_suffix)
        data = dict(form.fields)
        data.update(values)
        return self.post(form.action, data, **kw)

    def register(self, username: str, password: str = PASSWORD, email: str | None = None) -> requests.Response:
        res = self.submit(
            "/account/register",
            "/account/register",
            {"username": username, "email": email or f"{username}@example.com", "password": password,
             "password_confirm": password},
        )
        assert res.status_code == 200, f"register {username}: {res.status_code}\n{res.text[:2000]}"
        return res

    def login(self, login: str, password: str = PASSWORD, next_path: str | None = None, **kw) -> requests.Response:
        path = "/account/login" + (f"?next={next_path}" if next_path else "")
        return self.submit(path, "/account/login", {"login": login, "password": password}, **kw)

    def logout(self) -> requests.Response:
        page = self.get("/")
        form = form_for(page.text, "/account/logout")
        return self.post(form.action, form.fields)

    def watch(self, coin: str) -> requests.Response:
        page = self.get(f"/coins/{coin}")
        assert page.status_code == 200, f"GET /coins/{coin}: {page.status_code}"
        form = form_for(page.text, f"/coins/{coin}/watch")
        return self.post(form.action, form.fields)


def wait_until(what: str, check, timeout: float = 30, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
