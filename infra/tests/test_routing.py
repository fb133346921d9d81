"""The ALB rules of infra/core.yaml are the routing table of the Rust code.

ROUTES_JSON names a file written by `site routes`:
  {"routes": [{"service": "login", "prefix": "/account",
               "path_patterns": ["/account", "/account/*"]},
              {"service": "product", "prefix": "/", "default": true, "path_patterns": []}]}
"""

from cfn_support import health_path, ref_target, resources_of_type


def https_listener(core):
    listeners = resources_of_type(core, "AWS::ElasticLoadBalancingV2::Listener")
    https = [k for k, v in listeners.items() if v["Properties"]["Protocol"] == "HTTPS"]
    assert len(https) == 1, https
    return https[0], listeners[https[0]]


def service_target_groups(core):
    """service name -> logical id of the target group its ECS service registers in."""
    out = {}
    task_defs = resources_of_type(core, "AWS::ECS::TaskDefinition")
    for logical_id, svc in resources_of_type(core, "AWS::ECS::Service").items():
        props = svc["Properties"]
        name = props["ServiceName"]
        (lb,) = props["LoadBalancers"]
        assert lb["ContainerName"] == name, f"{logical_id}: container {lb['ContainerName']} != service {name}"
        containers = task_defs[ref_target(props["TaskDefinition"])]["Properties"]["ContainerDefinitions"]
        assert [c["Name"] for c in containers] == [name]
        out[name] = ref_target(lb["TargetGroupArn"])
    return out


def forward_target(action):
    assert action["Type"] == "forward", action
    if "TargetGroupArn" in action:
        return ref_target(action["TargetGroupArn"])
    (tg,) = action["ForwardConfig"]["TargetGroups"]
    return ref_target(tg["TargetGroupArn"])


def listener_rules(core, listener_id):
    rules = {}
    for logical_id, rule in resources_of_type(core, "AWS::ElasticLoadBalancingV2::ListenerRule").items():
        props = rule["Properties"]
        if ref_target(props["ListenerArn"]) != listener_id:
            continue
        (condition,) = props["Conditions"]
        assert condition["Field"] == "path-pattern", f"{logical_id}: only path rules belong to the routing table"
        values = condition.get("PathPatternConfig", {}).get("Values") or condition.get("Values")
        (action,) = props["Actions"]
        rules[logical_id] = (frozenset(values), forward_target(action), props["Priority"])
    return rules


def test_every_routed_service_has_an_ecs_service_and_back(templates, routes):
    tgs = service_target_groups(templates["core.yaml"])
    assert {r["service"] for r in routes} == set(tgs)


def test_default_action_forwards_to_the_default_service(templates, routes):
    core = templates["core.yaml"]
    tgs = service_target_groups(core)
    (default,) = [r for r in routes if r.get("default")]
    _, listener = https_listener(core)
    (action,) = listener["Properties"]["DefaultActions"]
    assert forward_target(action) == tgs[default["service"]]


def test_listener_rules_are_exactly_the_prefix_routes(templates, routes):
    core = templates["core.yaml"]
    tgs = service_target_groups(core)
    listener_id, _ = https_listener(core)
    rules = listener_rules(core, listener_id)
    wanted = {(frozenset(r["path_patterns"]), tgs[r["service"]]) for r in routes if not r.get("default")}
    found = {(patterns, tg) for patterns, tg, _ in rules.values()}
    assert found == wanted, f"ALB rules {found} != routing table {wanted}"
    priorities = [p for _, _, p in rules.values()]
    assert len(priorities) == len(set(priorities))


def test_target_group_health_checks_follow_the_prefixes(templates, routes):
    core = templates["core.yaml"]
    tgs = service_target_groups(core)
    for route in routes:
        tg = core["Resources"][tgs[route["service"]]]["Properties"]
        assert tg["HealthCheckPath"] == health_path(route["prefix"]), route["service"]
        assert tg["TargetType"] == "ip" and tg["Port"] == 8080


def test_plain_http_only_redirects(templates):
    core = templates["core.yaml"]
    listeners = resources_of_type(core, "AWS::ElasticLoadBalancingV2::Listener")
    (http_id,) = [k for k, v in listeners.items() if v["Properties"]["Protocol"] == "HTTP"]
    (action,) = listeners[http_id]["Properties"]["DefaultActions"]
    assert action["Type"] == "redirect"
    assert action["RedirectConfig"]["Protocol"] == "HTTPS"
    assert action["RedirectConfig"]["StatusCode"] == "HTTP_301"
    assert listener_rules(core, http_id) == {}
