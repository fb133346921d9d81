#!/usr/bin/env python3
"""Generates the nginx ALB stand-in's configuration from the one routing table.

The routing table is what `site routes` prints (chassis/src/routing.rs):

    {"routes":[{"service":"login","prefix":"/account","path_patterns":["/account","/account/*"]},
               {"service":"product","prefix":"/","default":true,"path_patterns":[]}]}

Each non-default route's ALB path patterns become nginx locations, in table order; the one
default route becomes `location /`. Every service in the table needs at least one upstream
address.

Usage:
  deploy/nginx/generate.py --routes ROUTES.json|- --upstream login=127.0.0.1:18101,127.0.0.1:18102 \\
      --upstream product=127.0.0.1:18121,127.0.0.1:18122 --listen 127.0.0.1:18080 \\
      --state-dir .cluster/nginx --log-dir .cluster/logs [--out nginx.conf]

Only the standard library: the cluster script imports this module.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "nginx.conf.template"
HTML_DIR = HERE / "html"

# Passive health checks (see the template). A replica is skipped for FAIL_TIMEOUT seconds after
# MAX_FAILS failed attempts within FAIL_TIMEOUT.
MAX_FAILS = 2
FAIL_TIMEOUT_SECS = 5
# What counts as a failed attempt that an idempotent request is retried after.
NEXT_UPSTREAM = "error timeout http_502 http_504"

_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")
_PLAIN_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()+,;=:@/%-]*$")


class RoutingError(ValueError):
    """The routing table cannot be turned into nginx locations."""


def load_routes(text: str) -> list[dict]:
    """Parses and checks `site routes` output; returns the routes in table order."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise RoutingError(f"the routing table is not JSON: {err}") from err
    routes = doc.get("routes") if isinstance(doc, dict) else None
    if not isinstance(routes, list) or not routes:
        raise RoutingError('the routing table has no "routes" list')
    defaults = [r for r in routes if r.get("default")]
    if len(defaults) != 1:
        raise RoutingError(f"the routing table needs exactly one default route, it has {len(defaults)}")
    if not routes[-1].get("default"):
        raise RoutingError("the default route must come last")
    seen = set()
    for route in routes:
        service = route.get("service")
        if not isinstance(service, str) or not _SERVICE_NAME.match(service):
            raise RoutingError(f"bad service name {service!r}")
        if service in seen:
            raise RoutingError(f"service {service!r} appears twice")
        seen.add(service)
        patterns = route.get("path_patterns", [])
        if not isinstance(patterns, list):
            raise RoutingError(f"{service}: path_patterns must be a list")
        if not route.get("default") and not patterns:
            raise RoutingError(f"{service}: a non-default route needs path patterns")
        for pattern in patterns:
            location_for(pattern)  # raises on what we cannot translate
    return routes


def location_for(pattern: str) -> str:
    """An ALB path pattern as an nginx location modifier and path.

    `/a/b` (no wildcard) matches exactly that path: `location = /a/b`.
    `/a/b/*` matches everything under `/a/b/`: `location ^~ /a/b/` (a prefix that beats regexes).
    """
    if not isinstance(pattern, str) or not pattern.startswith("/"):
        raise RoutingError(f"path pattern {pattern!r} must start with /")
    if pattern.endswith("/*") and "*" not in pattern[:-1] and "?" not in pattern:
        prefix = pattern[:-1]
        if not _PLAIN_PATH.match(prefix):
            raise RoutingError(f"path pattern {pattern!r} has characters nginx locations would need quoted")
        return f"^~ {prefix}"
    if "*" in pattern or "?" in pattern:
        raise RoutingError(
            f"path pattern {pattern!r}: only exact paths and a trailing /* are translated; extend {__file__}"
        )
    if not _PLAIN_PATH.match(pattern):
        raise RoutingError(f"path pattern {pattern!r} has characters nginx locations would need quoted")
    return f"= {pattern}"


def parse_upstreams(specs: list[str]) -> dict[str, list[str]]:
    """`service=host:port,host:port` arguments into a dict."""
    upstreams: dict[str, list[str]] = {}
    for spec in specs:
        service, _, addrs = spec.partition("=")
        servers = [a.strip() for a in addrs.split(",") if a.strip()]
        if not service or not servers:
            raise RoutingError(f"--upstream {spec!r}: expected service=host:port[,host:port...]")
        for addr in servers:
            if not re.match(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$", addr):
                raise RoutingError(f"--upstream {spec!r}: {addr!r} is not host:port")
        upstreams.setdefault(service, []).extend(servers)
    return upstreams


def render(
    routes: list[dict],
    upstreams: dict[str, list[str]],
    *,
    listen: str,
    state_dir: str,
    log_dir: str,
    html_dir: str = str(HTML_DIR),
    run_as_user: str | None = None,
    next_upstream: str = NEXT_UPSTREAM,
) -> str:
    """The complete nginx.conf."""
    services = [r["service"] for r in routes]
    missing = [s for s in services if not upstreams.get(s)]
    if missing:
        raise RoutingError(f"no upstream addresses for {', '.join(missing)}")
    unknown = sorted(set(upstreams) - set(services))
    if unknown:
        raise RoutingError(f"upstreams for services not in the routing table: {', '.join(unknown)}")

    upstream_blocks = []
    for service in services:
        lines = [
            f"    upstream {service} {{",
            "        # round robin (the default), like an ALB target group; the zone shares the",
            "        # balancing and failure state between nginx's workers",
            f"        zone upstream_{service} 64k;",
        ]
        for addr in upstreams[service]:
            lines.append(f"        server {addr} max_fails={MAX_FAILS} fail_timeout={FAIL_TIMEOUT_SECS}s;")
        lines += [
            "        # The ALB keeps idle connections to targets open and reuses them. This holds them",
            "        # a little longer than the ALB's 60 s, so that a target that closes an idle",
            "        # connection before the balancer does (the cause of the ALB's 502s) shows here.",
            "        keepalive 16;",
            "        keepalive_timeout 70s;",
            "    }",
        ]
        upstream_blocks.append("\n".join(lines))

    location_blocks = []
    for route in routes:
        service = route["service"]
        if route.get("default"):
            continue
        location_blocks.append(f"        # {service}: {', '.join(route['path_patterns'])}")
        for pattern in route["path_patterns"]:
            location_blocks.append(f"        location {location_for(pattern)} {{\n            proxy_pass http://{service};\n        }}")
    default = next(r for r in routes if r.get("default"))
    location_blocks.append(f"        # {default['service']}: the default rule, everything else")
    location_blocks.append(f"        location / {{\n            proxy_pass http://{default['service']};\n        }}")

    user = f"user {run_as_user};" if run_as_user else "# (not started as root: no user directive)"
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in {
        "@@STATE_DIR@@": state_dir,
        "@@LOG_DIR@@": log_dir,
        "@@HTML_DIR@@": html_dir,
        "@@USER_DIRECTIVE@@": user,
        "@@LISTEN@@": listen,
        "@@NEXT_UPSTREAM@@": next_upstream,
        "@@UPSTREAMS@@": "\n\n".join(upstream_blocks),
        "@@LOCATIONS@@": "\n\n".join(location_blocks),
    }.items():
        text = text.replace(key, value)
    leftover = re.findall(r"@@[A-Z_]+@@", text)
    if leftover:
        raise RoutingError(f"template placeholders left unfilled: {leftover}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--routes", required=True, help="`site routes` JSON file, or - for stdin")
    parser.add_argument("--upstream", action="append", default=[], help="service=host:port[,host:port...]")
    parser.add_argument("--listen", default="127.0.0.1:18080")
    parser.add_argument("--state-dir", required=True, help="pid file and temp folders go here")
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("--html-dir", default=str(HTML_DIR))
    parser.add_argument("--user", default=None, help="worker user (only when nginx starts as root)")
    parser.add_argument("--out", default="-")
    args = parser.parse_args(argv)
    try:
        text = sys.stdin.read() if args.routes == "-" else Path(args.routes).read_text(encoding="utf-8")
        conf = render(
            load_routes(text),
            parse_upstreams(args.upstream),
            listen=args.listen,
            state_dir=os.path.abspath(args.state_dir),
            log_dir=os.path.abspath(args.log_dir),
            html_dir=os.path.abspath(args.html_dir),
            run_as_user=args.user,
        )
    except (RoutingError, OSError) as err:
        print(f"generate.py: {err}", file=sys.stderr)
        return 2
    if args.out == "-":
        sys.stdout.write(conf)
    else:
        Path(args.out).write_text(conf, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
