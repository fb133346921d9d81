#!/usr/bin/env python3
"""A local stand-in for the CoinGecko API v3, for the production topology on one machine.

Serves, under an optional /api/v3 prefix:
  GET /ping
  GET /coins/markets?vs_currency=usd&ids=&per_page=&page=&sparkline=true&price_change_percentage=1h,24h,7d
  GET /coins/{id}/market_chart?vs_currency=usd&days=N
  GET /global                               whole-market figures
  GET /coins/list                           id, symbol and name of every coin it knows
  GET /exchange_rates                       rates per bitcoin, as CoinGecko gives them
  GET /img/{id}.png                         a small coin logo, a PNG (what the "image" fields point at)

Deterministic data for a dozen coins (or more, generated, on request); prices move a little with each successful markets answer
(so a refresh is visible) unless the mode is `frozen`.

Control (for tests; answers JSON):
  GET  /__mock/state                         mode, request counts per endpoint, api key headers seen
  POST /__mock/mode?mode=NAME                switch mode; also GET for curl convenience
  POST /__mock/reset                         mode ok, counts zeroed, the market back to a dozen coins
  POST /__mock/market?coins=N                ranks 13 to N are generated coins ("Extra Coin 13"…), so
                                             the market spans several pages of 250 (N >= 12)
  POST /__mock/fail-page?page=N              page N of /coins/markets (by page, not by ids) answers
                                             500 in every mode; page=0 ends that

Modes:
  ok           normal answers
  frozen       normal answers, prices do not move
  error        HTTP 500 with an HTML body
  unavailable  HTTP 503
  ratelimit    HTTP 429 with Retry-After: 5 and CoinGecko's error object
  error-object HTTP 200 with {"status":{"error_code":..., "error_message":...}} where a list is expected
  garbage      HTTP 200 with nulls, missing fields and numbers in exponent form
  hang         accepts the request and answers only after 30 s (client timeouts)

Only the standard library. Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import colorsys
import json
import math
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MODES = {"ok", "frozen", "error", "unavailable", "ratelimit", "error-object", "garbage", "hang"}

# id, symbol, name, price (USD), circulating supply, max supply (None = unlimited)
COINS = [
    ("bitcoin", "btc", "Bitcoin", 97_234.12, 19_790_000, 21_000_000),
    ("ethereum", "eth", "Ethereum", 3_412.55, 120_400_000, None),
    ("tether", "usdt", "Tether", 1.0002, 140_000_000_000, None),
    ("solana", "sol", "Solana", 238.41, 475_000_000, None),
    ("binancecoin", "bnb", "BNB", 642.10, 144_000_000, 200_000_000),
    ("ripple", "xrp", "XRP", 1.43, 57_000_000_000, 100_000_000_000),
    ("usd-coin", "usdc", "USDC", 0.9998, 38_000_000_000, None),
    ("dogecoin", "doge", "Dogecoin", 0.3871, 147_000_000_000, None),
    ("cardano", "ada", "Cardano", 0.9812, 35_100_000_000, 45_000_000_000),
    ("tron", "trx", "TRON", 0.2011, 86_200_000_000, None),
    ("chainlink", "link", "Chainlink", 17.84, 626_800_000, 1_000_000_000),
    ("shiba-inu", "shib", "Shiba Inu", 0.00002481, 589_000_000_000_000, None),
]


class MockState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.mode = "ok"
        self.counts: dict[str, int] = {}
        self.api_key_headers: dict[str, int] = {}
        self.generation = 0
        self.coins = len(COINS)
        self.failing_page = 0

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "mode": self.mode,
                "coins": self.coins,
                "failing_page": self.failing_page,
                "counts": dict(self.counts),
                "api_key_headers": dict(self.api_key_headers),
                "generation": self.generation,
            }


STATE = MockState()


def _wave(seed: int, i: int, amplitude: float) -> float:
    return 1.0 + amplitude * math.sin((i + seed) / 7.0) + amplitude / 3 * math.sin((i * 3 + seed) / 5.0)


def market_coins(count: int) -> list[tuple]:
    """The dozen real-looking coins, then generated ones up to rank `count`."""
    extra = [
        (f"extra-coin-{rank}", f"x{rank}", f"Extra Coin {rank}", 100.0 / rank, 1_000_000, None)
        for rank in range(len(COINS) + 1, count + 1)
    ]
    return COINS + extra


def market_rows(base_url: str, ids: list[str] | None, generation: int, count: int = len(COINS)) -> list[dict]:
    now = time.time()
    iso = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now))
    rows = []
    for rank, (cid, symbol, name, price, supply, max_supply) in enumerate(market_coins(count), start=1):
        if ids and cid not in ids:
            continue
        seed = sum(map(ord, cid))
        # A small deterministic move per successful answer, so refreshes are visible.
        current = price * (1.0 + 0.001 * math.sin(generation + seed))
        sparkline = [round(current * _wave(seed, i, 0.03), 8) for i in range(168)]
        sparkline[-1] = current
        change_24h = 4.0 * math.sin(seed)
        rows.append(
            {
                "id": cid,
                "symbol": symbol,
                "name": name,
                "image": f"{base_url}/img/{cid}.png",
                "current_price": current,
                "market_cap": round(current * supply),
                "market_cap_rank": rank,
                "fully_diluted_valuation": round(current * (max_supply or supply)),
                "total_volume": round(current * supply * 0.04),
                "high_24h": current * 1.02,
                "low_24h": current * 0.97,
                "price_change_24h": current * change_24h / 100,
                "price_change_percentage_24h": change_24h,
                "market_cap_change_24h": current * supply * change_24h / 100,
                "market_cap_change_percentage_24h": change_24h,
                "circulating_supply": float(supply),
                "total_supply": float(max_supply or supply),
                "max_supply": float(max_supply) if max_supply else None,
                "ath": current * 1.3,
                "ath_change_percentage": -23.1,
                "ath_date": "2024-12-17T15:02:41.429Z",
                "atl": current * 0.001,
                "atl_change_percentage": 99_900.0,
                "atl_date": "2013-07-06T00:00:00.000Z",
                "roi": None,
                "last_updated": iso,
                "sparkline_in_7d": {"price": sparkline},
                "price_change_percentage_1h_in_currency": 0.3 * math.cos(seed),
                "price_change_percentage_24h_in_currency": change_24h,
                "price_change_percentage_7d_in_currency": 9.0 * math.sin(seed / 3),
            }
        )
    return rows


def garbage_rows(base_url: str) -> list[dict]:
    rows = market_rows(base_url, None, 0)
    rows[0]["current_price"] = None
    del rows[1]["name"]
    rows[2]["market_cap"] = "1.2e+11"
    rows[3]["current_price"] = 2.3841e2
    rows[4]["sparkline_in_7d"] = None
    rows[5] = {"id": None}
    return rows


def market_chart(coin: str, days: str) -> dict | None:
    found = next((c for c in COINS if c[0] == coin), None)
    if found is None:
        return None
    price = found[3]
    seed = sum(map(ord, coin))
    now_ms = int(time.time() * 1000)
    if days == "max":
        n_days = 3650.0
    else:
        try:
            n_days = max(float(days), 0.0)
        except ValueError:
            n_days = 1.0
    # CoinGecko's automatic granularity: 5 minutes for 1 day, hourly up to 90 days, daily beyond.
    if n_days <= 1:
        step_ms = 5 * 60 * 1000
    elif n_days <= 90:
        step_ms = 3600 * 1000
    else:
        step_ms = 86_400 * 1000
    points = max(int(n_days * 86_400 * 1000 / step_ms), 2)
    start = now_ms - points * step_ms
    prices, caps, volumes = [], [], []
    for i in range(points + 1):
        t = start + i * step_ms
        p = price * _wave(seed, i, 0.05)
        prices.append([t, p])
        caps.append([t, p * found[4]])
        volumes.append([t, p * found[4] * 0.04])
    prices[-1][1] = price
    return {"prices": prices, "market_caps": caps, "total_volumes": volumes}


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def coin_png(coin: str, side: int = 48) -> bytes:
    """A disc in a colour of the coin's own with a white ring, as an RGBA PNG (zlib + struct)."""
    hue = sum(map(ord, coin)) % 360 / 360
    red, green, blue = (round(c * 255) for c in colorsys.hls_to_rgb(hue, 0.45, 0.6))
    centre, radius = (side - 1) / 2, side / 2
    rows = []
    for y in range(side):
        row = bytearray(b"\x00")  # filter type: none
        for x in range(side):
            d = math.hypot(x - centre, y - centre)
            if d > radius:
                row += b"\x00\x00\x00\x00"
            elif radius * 0.45 < d < radius * 0.6:
                row += b"\xff\xff\xff\xff"
            else:
                row += bytes((red, green, blue, 255))
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


class Handler(BaseHTTPRequestHandler):
    server_version = "mock-coingecko/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args) -> None:  # one line per request on stderr
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {self.address_string()} {fmt % args} mode={STATE.mode}\n")

    def _send(self, status: int, body: bytes, content_type: str = "application/json", headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value, headers: dict | None = None):
        self._send(status, json.dumps(value).encode(), headers=headers)

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._control()

    def do_GET(self):  # noqa: N802
        url = urlsplit(self.path)
        if url.path.startswith("/__mock/"):
            return self._control()
        path = url.path
        if path.startswith("/api/v3/"):
            path = path[len("/api/v3") :]
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        base_url = f"http://{self.headers.get('Host') or '127.0.0.1'}"

        # Images are the CDN's, not the API's: not counted.
        if path.startswith("/img/") and path.endswith(".png"):
            return self._send(200, coin_png(path[5:-4]), "image/png", {"Cache-Control": "max-age=3600"})

        endpoint = "markets" if path == "/coins/markets" else "market_chart" if path.endswith("/market_chart") else path
        with STATE.lock:
            STATE.counts[endpoint] = STATE.counts.get(endpoint, 0) + 1
            for header in ("x-cg-demo-api-key", "x-cg-pro-api-key"):
                if self.headers.get(header):
                    STATE.api_key_headers[header] = STATE.api_key_headers.get(header, 0) + 1
            mode = STATE.mode

        if path == "/ping":
            return self._json(200, {"gecko_says": "(V3) To the Moon!"})
        if mode == "hang":
            time.sleep(30)
            return self._json(504, {"error": "timeout"})
        if mode == "error":
            return self._send(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")
        if mode == "unavailable":
            return self._send(503, b"<html><body><h1>503 Service Unavailable</h1></body></html>", "text/html")
        if mode == "ratelimit":
            return self._json(
                429,
                {"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit."}},
                {"Retry-After": "5"},
            )
        if mode == "error-object":
            return self._json(200, {"status": {"error_code": 10002, "error_message": "API Key Missing"}})

        if path == "/coins/markets":
            if not query.get("vs_currency"):
                return self._json(400, {"error": "Missing parameter vs_currency"})
            if mode == "garbage":
                return self._json(200, garbage_rows(base_url))
            ids = [i for i in query.get("ids", "").split(",") if i] or None
            try:
                per_page = min(max(int(query.get("per_page", "100")), 1), 250)
                page = max(int(query.get("page", "1")), 1)
            except ValueError:
                return self._json(400, {"error": "invalid paging"})
            with STATE.lock:
                if ids is None and page == STATE.failing_page:
                    failing = True
                else:
                    failing = False
                    if mode != "frozen":
                        STATE.generation += 1
                generation = STATE.generation
                count = STATE.coins
            if failing:
                return self._send(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")
            rows = market_rows(base_url, ids, generation, count)
            return self._json(200, rows[(page - 1) * per_page : page * per_page])

        if path == "/global":
            caps = sum(price * supply for _, _, _, price, supply, _ in COINS)
            btc = COINS[0][3] * COINS[0][4]
            return self._json(200, {"data": {
                "active_cryptocurrencies": len(COINS),
                "total_market_cap": {"usd": caps},
                "total_volume": {"usd": caps * 0.04},
                "market_cap_percentage": {"btc": 100.0 * btc / caps},
            }})
        if path == "/coins/list":
            return self._json(200, [{"id": cid, "symbol": sym, "name": name} for cid, sym, name, *_ in COINS])
        if path == "/exchange_rates":
            usd_per_btc = COINS[0][3]
            per_usd = {"usd": 1.0, "eur": 0.92, "gbp": 0.79, "jpy": 150.0, "btc": 1 / usd_per_btc,
                       "eth": 1 / COINS[1][3]}
            return self._json(200, {"rates": {code: {"value": rate * usd_per_btc} for code, rate in per_usd.items()}})

        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "coins" and parts[2] == "market_chart":
            if mode == "garbage":
                return self._json(200, {"prices": [[None, "1e3"], [1, None]], "market_caps": None})
            chart = market_chart(parts[1], query.get("days", "1"))
            if chart is None:
                return self._json(404, {"error": "coin not found"})
            return self._json(200, chart)
        return self._json(404, {"error": "Not Found"})

    def _control(self):
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path == "/__mock/state":
            return self._json(200, STATE.snapshot())
        if url.path == "/__mock/mode":
            mode = query.get("mode", "")
            if mode not in MODES:
                return self._json(400, {"error": f"mode must be one of {sorted(MODES)}"})
            with STATE.lock:
                STATE.mode = mode
            return self._json(200, STATE.snapshot())
        if url.path == "/__mock/reset":
            with STATE.lock:
                STATE.mode = "ok"
                STATE.counts.clear()
                STATE.api_key_headers.clear()
                STATE.coins = len(COINS)
                STATE.failing_page = 0
            return self._json(200, STATE.snapshot())
        if url.path in ("/__mock/market", "/__mock/fail-page"):
            key = "coins" if url.path == "/__mock/market" else "page"
            try:
                value = int(query.get(key, ""))
            except ValueError:
                return self._json(400, {"error": f"{key} must be a whole number"})
            with STATE.lock:
                if key == "coins":
                    STATE.coins = min(max(value, len(COINS)), 5_000)
                else:
                    STATE.failing_page = max(value, 0)
            return self._json(200, STATE.snapshot())
        return self._json(404, {"error": "unknown control endpoint"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="mock CoinGecko API")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", default="ok", choices=sorted(MODES))
    args = parser.parse_args(argv)
    STATE.mode = args.mode
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    sys.stderr.write(f"mock CoinGecko listening on http://127.0.0.1:{args.port}/api/v3 (mode {args.mode})\n")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
