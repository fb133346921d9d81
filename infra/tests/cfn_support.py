"""Shared helpers of the infrastructure tests (fixtures are in conftest.py).

Templates are read with cfn-lint's decoder, which understands the short-form
intrinsic tags (!Ref, !Sub, ...) and turns them into their long form
({"Ref": ...}, {"Fn::Sub": ...}): a plain yaml.safe_load cannot read them.
"""

import json
import pathlib

from cfnlint.decode import decode

REPO = pathlib.Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
TEMPLATES = ["network.yaml", "registry.yaml", "database.yaml", "core.yaml", "pipeline.yaml", "monitoring.yaml"]
SERVICES = ("login", "product")


def _plain(node):
    """cfn-lint's node types -> plain dict/list/str (for json and comparisons)."""
    return json.loads(json.dumps(node))


def load_template(name: str) -> dict:
    template, problems = decode(str(INFRA / name))
    assert not problems, f"{name} does not parse: {problems}"
    return _plain(template)


def resources_of_type(template: dict, type_name: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_name}


def ref_target(value):
    """The logical id a {"Ref": id} or {"Fn::GetAtt": [id, ...]} points at."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    return None


def substitute(value, params: dict):
    """Resolve a plain string or a simple Fn::Sub against parameter values."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        out = value["Fn::Sub"]
        for key, val in params.items():
            out = out.replace("${" + key + "}", str(val))
        return out
    if isinstance(value, dict) and "Ref" in value and value["Ref"] in params:
        return params[value["Ref"]]
    raise AssertionError(f"cannot resolve {value!r} statically")


def parameter_defaults(template: dict) -> dict:
    return {k: v.get("Default") for k, v in template.get("Parameters", {}).items()}


# ------------------------------------------------------------------ routes

ROUTES_HELP = (
    "ROUTES_JSON is not set. The routing-consistency tests compare the ALB rules "
    "of infra/core.yaml with the routing table that lives in the Rust code. "
    "Produce it with `target/debug/site routes > routes.json` (or `cargo run -q -p site -- routes`) "
    "and run with ROUTES_JSON=routes.json, or pass the file to infra/check."
)


def load_routes(path: str) -> list:
    with open(path) as f:
        doc = json.load(f)
    routes = doc.get("routes")
    assert isinstance(routes, list) and routes, f"{path}: expected {{\"routes\": [...]}}, got {doc!r}"
    for route in routes:
        assert {"service", "prefix", "path_patterns"} <= set(route), f"{path}: incomplete route {route!r}"
        assert isinstance(route["path_patterns"], list), route
    defaults = [r for r in routes if r.get("default")]
    assert len(defaults) == 1, f"{path}: exactly one route must be the default, got {defaults!r}"
    return routes


def health_path(prefix: str, probe: str = "readyz") -> str:
    """The design's rule: each service serves its health under its own prefix."""
    return prefix.rstrip("/") + "/" + probe
