"""The edge (WAF, ALB access logs and deletion protection, keep-alive order),
the network's VPC endpoints, the data tier's alarms, and the confused-deputy
conditions on every role's trust policy."""

import json

import pytest
from cfn_support import TEMPLATES, parameter_defaults, ref_target, resources_of_type

# Services whose calls to sts:AssumeRole carry aws:SourceArn (AWS's
# confused-deputy guidance for each); all carry aws:SourceAccount.
SOURCE_ARN_SERVICES = {
    "ecs-tasks.amazonaws.com": "arn:${AWS::Partition}:ecs:",
    "vpc-flow-logs.amazonaws.com": "arn:${AWS::Partition}:ec2:",
    "codebuild.amazonaws.com": "arn:${AWS::Partition}:codebuild:",
    "codepipeline.amazonaws.com": "arn:${AWS::Partition}:codepipeline:",
    "events.amazonaws.com": "arn:${AWS::Partition}:events:",
}


def trust_problems(role_name: str, role: dict) -> list[str]:
    problems = []
    for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
        services = statement.get("Principal", {}).get("Service")
        if services is None:
            problems.append(f"{role_name}: a trust statement without a service principal")
            continue
        for service in [services] if isinstance(services, str) else services:
            condition = statement.get("Condition", {})
            if condition.get("StringEquals", {}).get("aws:SourceAccount") != {"Ref": "AWS::AccountId"}:
                problems.append(f"{role_name}: {service} without aws:SourceAccount = this account")
            if service not in SOURCE_ARN_SERVICES:
                problems.append(f"{role_name}: {service} is not known to this test; say whether it supports aws:SourceArn")
                continue
            arn = condition.get("ArnLike", {}).get("aws:SourceArn", {})
            arn = arn.get("Fn::Sub") if isinstance(arn, dict) else arn
            if not isinstance(arn, str) or not arn.startswith(SOURCE_ARN_SERVICES[service]) \
                    or "${AWS::AccountId}" not in arn:
                problems.append(f"{role_name}: {service} without aws:SourceArn in this account")
    return problems


def all_roles(templates):
    return {f"{name}:{logical}": role for name, template in templates.items()
            for logical, role in resources_of_type(template, "AWS::IAM::Role").items()}


def test_every_role_trusts_only_its_service_acting_for_this_account(templates):
    roles = all_roles(templates)
    assert len(roles) >= 7
    problems = [p for name, role in roles.items() for p in trust_problems(name, role)]
    assert problems == []


def test_the_trust_check_catches_a_missing_condition(templates):
    (name, role), *_ = all_roles(templates).items()
    bare = json.loads(json.dumps(role))
    for statement in bare["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
        statement.pop("Condition")
    assert len(trust_problems(name, bare)) == 2
    other_account = json.loads(json.dumps(role))
    other_account["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]["StringEquals"][
        "aws:SourceAccount"] = "111122223333"
    assert any("aws:SourceAccount" in p for p in trust_problems(name, other_account))


def test_every_template_is_checked():
    assert set(TEMPLATES) == {"network.yaml", "registry.yaml", "database.yaml", "core.yaml", "pipeline.yaml",
                              "monitoring.yaml"}


# ------------------------------------------------------------------ WAF

def waf_rules(core):
    (acl,) = resources_of_type(core, "AWS::WAFv2::WebACL").values()
    return acl["Properties"], {r["Name"]: r for r in acl["Properties"]["Rules"]}


def test_waf_runs_aws_common_and_known_bad_inputs(templates):
    props, rules = waf_rules(templates["core.yaml"])
    assert props["Scope"] == "REGIONAL" and "Allow" in props["DefaultAction"]
    managed = {r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in rules.values()
               if "ManagedRuleGroupStatement" in r["Statement"]}
    assert managed == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    for rule in rules.values():
        if "ManagedRuleGroupStatement" in rule["Statement"]:
            assert rule["OverrideAction"] == {"None": {}}, "the groups block, they do not only count"


def test_waf_rate_limits_the_password_pages_per_address(templates):
    core = templates["core.yaml"]
    _, rules = waf_rules(core)
    (rate,) = [r for r in rules.values() if "RateBasedStatement" in r["Statement"]]
    statement = rate["Statement"]["RateBasedStatement"]
    assert statement["Limit"] == {"Ref": "AccountRateLimit"}
    assert statement["EvaluationWindowSec"] == {"Ref": "AccountRateWindowSecs"}
    assert statement["AggregateKeyType"] == "IP"
    matches = statement["ScopeDownStatement"]["OrStatement"]["Statements"]
    paths = {m["ByteMatchStatement"]["SearchString"] for m in matches}
    assert paths == {"/account/login", "/account/register"}
    for m in matches:
        match = m["ByteMatchStatement"]
        assert match["FieldToMatch"] == {"UriPath": {}}
        # /ACCOUNT/Login or %2Faccount... must not slip past the rule.
        assert {t["Type"] for t in match["TextTransformations"]} == {"URL_DECODE", "LOWERCASE"}
    assert rate["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    assert rate["Priority"] < min(r["Priority"] for r in rules.values() if r is not rate)
    params = core["Parameters"]
    assert params["AccountRateLimit"]["MinValue"] >= 10 and params["AccountRateWindowSecs"]["AllowedValues"]


def test_waf_is_attached_and_logs_without_cookies(templates):
    core = templates["core.yaml"]
    (association,) = resources_of_type(core, "AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["ResourceArn"] == {"Ref": "LoadBalancer"}
    (logging,) = resources_of_type(core, "AWS::WAFv2::LoggingConfiguration").values()
    redacted = {f["SingleHeader"]["Name"] for f in logging["Properties"]["RedactedFields"]}
    assert {"cookie", "authorization"} <= redacted
    group = core["Resources"]["WafLogGroup"]["Properties"]
    assert group["LogGroupName"]["Fn::Sub"].startswith("aws-waf-logs-")
    assert "${WafLogGroup}" in logging["Properties"]["LogDestinationConfigs"][0]["Fn::Sub"]


# ------------------------------------------------------- load balancer

def lb_attributes(core):
    (lb,) = resources_of_type(core, "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    return {a["Key"]: a["Value"] for a in lb["Properties"]["LoadBalancerAttributes"]}


def test_access_logs_go_to_an_encrypted_expiring_private_bucket(templates):
    core = templates["core.yaml"]
    attributes = lb_attributes(core)
    assert attributes["access_logs.s3.enabled"] == "true"
    bucket_id = ref_target(attributes["access_logs.s3.bucket"])
    bucket = core["Resources"][bucket_id]["Properties"]
    (sse,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"  # the only kind ALB logs support
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == {"Ref": "AccessLogRetentionDays"}
    (policy,) = resources_of_type(core, "AWS::S3::BucketPolicy").values()
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    write = statements["AlbWritesItsLogs"]
    assert write["Action"] == "s3:PutObject"
    assert write["Resource"]["Fn::Sub"].endswith("/alb/AWSLogs/${AWS::AccountId}/*")
    assert statements["DenyPlainHttp"]["Effect"] == "Deny"


def test_deletion_protection_is_a_parameter_on_by_default(templates):
    core = templates["core.yaml"]
    assert lb_attributes(core)["deletion_protection.enabled"] == {"Ref": "LoadBalancerDeletionProtection"}
    assert parameter_defaults(core)["LoadBalancerDeletionProtection"] == "true"


@pytest.mark.parametrize("service", ["login", "product"])
def test_the_load_balancer_closes_idle_connections_before_the_service(templates, service):
    """The ALB's idle timeout must be below the service's keep-alive (default
    75 s), or the ALB may send a request on a connection the service is just
    closing (a 502)."""
    core = templates["core.yaml"]
    idle = int(lb_attributes(core)["idle_timeout.timeout_seconds"])
    (task,) = [t for t in resources_of_type(core, "AWS::ECS::TaskDefinition").values()
               if t["Properties"]["ContainerDefinitions"][0]["Name"] == service]
    env = {e["Name"]: e["Value"] for e in task["Properties"]["ContainerDefinitions"][0]["Environment"]}
    keep_alive = env["KEEP_ALIVE_SECS"]
    if isinstance(keep_alive, dict):  # a parameter: its default is what deploys
        keep_alive = parameter_defaults(core)[ref_target(keep_alive)]
    assert int(keep_alive) == 75
    assert idle < int(keep_alive), f"ALB idle timeout {idle}s is not below KEEP_ALIVE_SECS {keep_alive}s"


# ----------------------------------------------------------- network

def test_vpc_endpoints_are_on_by_default_and_reachable_from_the_tasks_only(templates):
    net = templates["network.yaml"]
    assert parameter_defaults(net)["EnableVpcEndpoints"] == "true"
    endpoints = resources_of_type(net, "AWS::EC2::VPCEndpoint")
    services = {e["Properties"]["ServiceName"]["Fn::Sub"].rsplit("}.", 1)[1]: e for e in endpoints.values()}
    assert set(services) == {"s3", "ecr.api", "ecr.dkr", "logs", "secretsmanager"}
    for name, endpoint in services.items():
        assert endpoint["Condition"] == "UseVpcEndpoints"
        props = endpoint["Properties"]
        if name == "s3":
            assert props["VpcEndpointType"] == "Gateway"
            assert {ref_target(r) for r in props["RouteTableIds"]} == {"PrivateRouteTable1", "PrivateRouteTable2"}
        else:
            assert props["VpcEndpointType"] == "Interface" and props["PrivateDnsEnabled"] is True
            assert {ref_target(s) for s in props["SubnetIds"]} == {"PrivateSubnet1", "PrivateSubnet2"}
            assert [ref_target(g) for g in props["SecurityGroupIds"]] == ["VpcEndpointSecurityGroup"]


# ----------------------------------------------------------- data tier

def test_data_tier_alarms(templates):
    monitoring = templates["monitoring.yaml"]
    alarms = {a["Properties"]["MetricName"]: a["Properties"]
              for a in resources_of_type(monitoring, "AWS::CloudWatch::Alarm").values() if "MetricName" in a["Properties"]}
    rds = {"CPUUtilization": "GreaterThanThreshold", "FreeStorageSpace": "LessThanThreshold",
           "DatabaseConnections": "GreaterThanThreshold", "FreeableMemory": "LessThanThreshold"}
    for metric, comparison in rds.items():
        alarm = alarms[metric]
        assert alarm["Namespace"] == "AWS/RDS" and alarm["ComparisonOperator"] == comparison
        assert alarm["Dimensions"] == [{"Name": "DBInstanceIdentifier",
                                        "Value": {"Fn::ImportValue": {"Fn::Sub": "${AppName}-DatabaseInstanceId"}}}]
    for metric in ("ElastiCacheProcessingUnits", "BytesUsedForCache"):
        alarm = alarms[metric]
        assert alarm["Namespace"] == "AWS/ElastiCache"
        assert alarm["Dimensions"] == [{"Name": "clusterId",
                                        "Value": {"Fn::ImportValue": {"Fn::Sub": "${AppName}-SessionStoreName"}}}]
    for alarm in alarms.values():
        assert alarm["AlarmActions"], alarm["MetricName"]


def test_session_store_alarms_sit_at_80_percent_of_its_ceilings(templates):
    limits = parameter_defaults(templates["database.yaml"])
    alarms = parameter_defaults(templates["monitoring.yaml"])
    assert int(alarms["SessionStoreEcpuPerMinuteAlarm"]) == int(0.8 * int(limits["SessionStoreMaxEcpuPerSecond"]) * 60)
    assert int(alarms["SessionStoreBytesAlarm"]) == int(0.8 * int(limits["SessionStoreMaxDataGB"]) * 10**9)
