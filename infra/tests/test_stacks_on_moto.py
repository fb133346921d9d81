"""Deploy every stack (network, registry, database, core, both pipelines,
monitoring) to moto (a local fake of the AWS APIs) and look at what
CloudFormation created, through the same ecs / elbv2 / ec2 / ecr / rds / s3 /
events APIs an operator would use.

moto's CloudFormation does not know every resource type and attribute. What it
lacks is listed below, explicitly: the test fails if a template starts using
anything else moto cannot create, so a gap never hides. Those resources are
still checked by cfn-lint, checkov and test_templates.py. Properties moto
accepts but does not record (cluster settings, ECR scan configuration, the ECS
services' load balancers and deployment configuration) are checked there too.
"""

import json
import os
import re
import warnings

import boto3
import pytest
from cfn_support import health_path, load_template
from moto import mock_aws
from moto.cloudformation.parsing import get_model_map
from test_routing import service_target_groups

# moto warns each time it meets a type of MOTO_SKIPS; those are accounted for.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported by moto.s CloudFormation:UserWarning")

REGION = "eu-west-1"
APP = "crypto-market"
TAGS = {"login": "1111111111111111111111111111111111111111", "product": "2222222222222222222222222222222222222222"}

# Resource types moto's CloudFormation skips, and why that is acceptable.
MOTO_SKIPS = {
    "AWS::EC2::SecurityGroupEgress": "egress rules; the ingress side of each pair is created and checked",
    "AWS::CloudWatch::Alarm": "alarms; test_templates.py checks them and their wiring into the services",
    "AWS::ApplicationAutoScaling::ScalableTarget": "autoscaling; checked by test_templates.py",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "autoscaling; checked by test_templates.py",
    "AWS::ElastiCache::ServerlessCache": "moto has no ElastiCache Serverless in CloudFormation; test_templates.py checks TLS-only placement and its group",
    "AWS::WAFv2::WebACL": "moto's CloudFormation has no WAFv2; test_templates.py checks the rules, scope-down and logging",
    "AWS::WAFv2::WebACLAssociation": "no WAFv2 in moto's CloudFormation (see WebACL)",
    "AWS::WAFv2::LoggingConfiguration": "no WAFv2 in moto's CloudFormation (see WebACL)",
    "AWS::S3::BucketPolicy": "moto's CloudFormation has no bucket policies; test_templates.py checks the log-delivery and TLS-only statements",
    "AWS::ECR::PullThroughCacheRule": "moto's CloudFormation has no pull-through cache rules; test_templates.py checks the upstream and credentials",
    "AWS::SecretsManager::Secret": "moto's CloudFormation has no Secrets Manager secrets (nor dynamic references); test_templates.py checks the URLs",
    "AWS::CodeBuild::Project": "moto's CloudFormation has no CodeBuild; test_templates.py and test_buildspec.py check the project and the buildspec",
    "AWS::CodePipeline::Pipeline": "moto's CloudFormation has no CodePipeline; test_templates.py checks both source providers",
    "AWS::SNS::TopicPolicy": "moto's CloudFormation has no topic policies; test_templates.py checks that only the failure rule publishes",
    "AWS::SNS::Subscription": "moto's CloudFormation has no subscriptions; conditional on an email parameter anyway",
}
# Fn::GetAtt attributes moto does not implement; replaced by a placeholder.
MOTO_MISSING_ATTRIBUTES = {
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerFullName"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "CanonicalHostedZoneID"),
    ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupFullName"),
    ("AWS::RDS::DBInstance", "MasterUserSecret.SecretArn"),
}

# Properties dropped before moto sees them, and why (moto bugs, not template ones).
MOTO_DROPPED_PROPERTIES = {
    ("AWS::RDS::DBInstance", "DBParameterGroupName"):
        "moto's RDS receives the parameter group object for a Ref and fails on it; test_templates.py checks the group",
}


def for_moto(template: dict) -> tuple[dict, set]:
    """The template as moto can take it, and what had to change."""
    models = get_model_map()
    types = {logical: res["Type"] for logical, res in template["Resources"].items()}
    changes = set()

    def supported(logical, attribute):
        model = models.get(types.get(logical))
        if model is None or (types[logical], attribute) in MOTO_MISSING_ATTRIBUTES:
            return False
        return hasattr(model, "get_cfn_attribute") and model.has_cfn_attr(attribute)

    def sub_text(text):
        def replace(match):
            logical, attribute = match.group(1), match.group(2)
            if logical in types and not supported(logical, attribute):
                changes.add((types[logical], attribute))
                return f"moto-placeholder-{logical}-{attribute}"
            return match.group(0)
        def replace_ref(match):
            logical = match.group(1)
            if logical in types and types[logical] not in models:
                changes.add((types[logical], "Ref"))
                return skipped_ref(logical)
            return match.group(0)
        text = re.sub(r"\$\{([A-Za-z0-9]+)\.([A-Za-z0-9.]+)\}", replace, text)
        return re.sub(r"\$\{([A-Za-z0-9]+)\}", replace_ref, text)

    def skipped_ref(logical):
        return f"arn:aws:moto-placeholder:{REGION}:123456789012:{logical}"

    def walk(node):
        if isinstance(node, dict):
            if "Fn::Sub" in node and len(node) == 1:
                sub = node["Fn::Sub"]
                if isinstance(sub, str):
                    return {"Fn::Sub": sub_text(sub)}
                return {"Fn::Sub": [sub_text(sub[0]), walk(sub[1])]}
            if "Ref" in node and len(node) == 1 and node["Ref"] in types and types[node["Ref"]] not in models:
                changes.add((types[node["Ref"]], "Ref"))
                return skipped_ref(node["Ref"])
            if "Fn::GetAtt" in node and len(node) == 1:
                logical, attribute = node["Fn::GetAtt"]
                if not supported(logical, attribute):
                    changes.add((types[logical], attribute))
                    return f"moto-placeholder-{logical}-{attribute}"
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    adapted = dict(template)
    # Resources moto skips are left in (moto ignores them with a warning);
    # only attributes read from supported resources and outputs are replaced.
    def drop(res):
        props = {k: v for k, v in res.get("Properties", {}).items()
                 if (res["Type"], k) not in MOTO_DROPPED_PROPERTIES}
        changes.update((res["Type"], k) for k in res.get("Properties", {}) if (res["Type"], k) in MOTO_DROPPED_PROPERTIES)
        return {**res, "Properties": props} if "Properties" in res else res

    adapted["Resources"] = {
        logical: (walk(drop(res)) if res["Type"] in models else res)
        for logical, res in template["Resources"].items()
    }
    adapted["Outputs"] = walk(template.get("Outputs", {}))
    skipped = {t for t in types.values() if t not in models}
    return adapted, changes, skipped


def stub_database_exports():
    """What database.yaml exports (RDS and Secrets Manager in moto's CloudFormation
    are not needed to check the core stack)."""
    arn = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:{APP}"
    return {
        "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {
            "LoginDatabaseUrlSecretArn": {"Value": f"{arn}/login/database-url-AbCdEf",
                                          "Export": {"Name": f"{APP}-LoginDatabaseUrlSecretArn"}},
            "ProductDatabaseUrlSecretArn": {"Value": f"{arn}/product/database-url-AbCdEf",
                                            "Export": {"Name": f"{APP}-ProductDatabaseUrlSecretArn"}},
        },
    }


REGISTRY_PARAMETERS = {
    "DockerHubCredentialsSecretArn": f"arn:aws:secretsmanager:{REGION}:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf",
}

PIPELINE_PARAMETERS = {
    # login from GitHub, product from CodeCommit: both source providers deploy.
    "login": {"Service": "login", "SourceProvider": "GitHub",
              "ConnectionArn": f"arn:aws:codeconnections:{REGION}:123456789012:connection/0a1b2c3d",
              "FullRepositoryId": "example/crypto-market", "PipelineFailureEmail": "ops@example.com"},
    "product": {"Service": "product", "SourceProvider": "CodeCommit", "CodeCommitRepositoryName": "crypto-market"},
}

CORE_PARAMETERS = {
    "CertificateArn": None,  # requested from (moto's) ACM first, as an operator would
    "LoginImageTag": TAGS["login"],
    "ProductImageTag": TAGS["product"],
    "SessionKeySecretArn": f"arn:aws:secretsmanager:{REGION}:123456789012:secret:{APP}/session-key-AbCdEf",
    "CoinGeckoApiKeySecretArn": f"arn:aws:secretsmanager:{REGION}:123456789012:secret:{APP}/coingecko-AbCdEf",
}


@pytest.fixture(scope="module")
def aws():
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with mock_aws():
            cfn = boto3.client("cloudformation", region_name=REGION)
            acm = boto3.client("acm", region_name=REGION)
            CORE_PARAMETERS["CertificateArn"] = acm.request_certificate(
                DomainName="market.example.com", ValidationMethod="DNS")["CertificateArn"]
            report = {}

            def deploy(name, template, parameters=None):
                body, changes, skipped = for_moto(template)
                report[name] = (changes, skipped)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # moto warns about every skipped type
                    cfn.create_stack(
                        StackName=name,
                        TemplateBody=json.dumps(body),
                        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
                        Capabilities=["CAPABILITY_IAM"],
                    )
                return cfn.describe_stacks(StackName=name)["Stacks"][0]

            stacks = {
                "network": deploy(f"{APP}-network", load_template("network.yaml")),
                "registry": deploy(f"{APP}-registry", load_template("registry.yaml"), REGISTRY_PARAMETERS),
                "database": deploy(f"{APP}-database", load_template("database.yaml")),
                "core": deploy(f"{APP}-core", load_template("core.yaml"), CORE_PARAMETERS),
                "pipeline-login": deploy(f"{APP}-pipeline-login", load_template("pipeline.yaml"),
                                         PIPELINE_PARAMETERS["login"]),
                "pipeline-product": deploy(f"{APP}-pipeline-product", load_template("pipeline.yaml"),
                                           PIPELINE_PARAMETERS["product"]),
                "monitoring": deploy(f"{APP}-monitoring", load_template("monitoring.yaml")),
            }
            yield {
                "stacks": stacks,
                "report": report,
                "cfn": cfn,
                "ecs": boto3.client("ecs", region_name=REGION),
                "elbv2": boto3.client("elbv2", region_name=REGION),
                "ec2": boto3.client("ec2", region_name=REGION),
                "ecr": boto3.client("ecr", region_name=REGION),
                "rds": boto3.client("rds", region_name=REGION),
                "s3": boto3.client("s3", region_name=REGION),
                "events": boto3.client("events", region_name=REGION),
                "iam": boto3.client("iam", region_name=REGION),
                "cloudwatch": boto3.client("cloudwatch", region_name=REGION),
            }
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def outputs(stack):
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def physical_ids(aws, stack_name):
    resources = aws["cfn"].describe_stack_resources(StackName=stack_name)["StackResources"]
    # moto lists the resources it skipped without ids.
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources if "LogicalResourceId" in r}


def test_stacks_are_created(aws):
    for name, stack in aws["stacks"].items():
        assert stack["StackStatus"] == "CREATE_COMPLETE", (name, stack.get("StackStatusReason"))


def test_only_the_known_moto_gaps_were_worked_around(aws):
    for stack, (changes, skipped) in aws["report"].items():
        # A Ref to (or an attribute of) a resource moto skips reads as a placeholder.
        known = MOTO_MISSING_ATTRIBUTES | set(MOTO_DROPPED_PROPERTIES)
        known |= {c for c in changes if c[0] in MOTO_SKIPS}
        assert changes <= known, (stack, changes - known)
        assert skipped <= set(MOTO_SKIPS), (stack, skipped - set(MOTO_SKIPS))


def test_cluster_exists(aws):
    # Container Insights: moto drops ClusterSettings; test_templates.py checks it.
    (cluster,) = aws["ecs"].describe_clusters(clusters=[APP])["clusters"]
    assert cluster["status"] == "ACTIVE"


def test_two_services_with_at_least_two_tasks(aws):
    ecs = aws["ecs"]
    arns = ecs.list_services(cluster=APP)["serviceArns"]
    services = ecs.describe_services(cluster=APP, services=arns)["services"]
    assert sorted(s["serviceName"] for s in services) == ["login", "product"]
    for service in services:
        assert service["desiredCount"] >= 2, service["serviceName"]


@pytest.mark.parametrize("service", ["login", "product"])
def test_task_definition_runs_the_image_as_the_contract_says(aws, service):
    ecs = aws["ecs"]
    (svc,) = ecs.describe_services(cluster=APP, services=[service])["services"]
    task = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    (container,) = task["containerDefinitions"]
    repository = outputs(aws["stacks"]["registry"])[f"{service.capitalize()}RepositoryUri"]

    assert container["name"] == service
    assert container["image"] == f"{repository}:{TAGS[service]}"
    assert [p["containerPort"] for p in container["portMappings"]] == [8080]
    assert container["user"] == "65532:65532"
    assert container["readonlyRootFilesystem"] is True
    assert container["stopTimeout"] == 30
    assert container["healthCheck"]["command"] == ["CMD", "/app/service", "healthcheck"]

    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["BIND"] == "0.0.0.0:8080"
    assert env["COOKIE_SECURE"] == "true"
    assert env["LOG_FORMAT"] == "json"
    assert int(env["SHUTDOWN_TIMEOUT_SECS"]) < container["stopTimeout"]
    network = outputs(aws["stacks"]["network"])
    assert env["TRUSTED_PROXIES"] == network["PublicSubnetCidrs"]

    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert secrets["SESSION_KEY"] == CORE_PARAMETERS["SessionKeySecretArn"]
    database = outputs(aws["stacks"]["database"])
    assert secrets["DATABASE_URL"] == database[f"{service.capitalize()}DatabaseUrlSecretArn"]
    assert env["SESSION_STORE_URL"] == database["SessionStoreUrl"]
    assert env["SESSION_STORE_URL"].startswith("rediss://")
    assert int(env["KEEP_ALIVE_SECS"]) == 75
    assert env["GLIBC_TUNABLES"] == "glibc.malloc.mmap_threshold=1048576"
    if service == "product":
        assert env["MARKET_SOURCE"] in ("coingecko", "demo")
        assert secrets["COINGECKO_API_KEY"] == CORE_PARAMETERS["CoinGeckoApiKeySecretArn"]
    else:
        assert not any(k.startswith(("MARKET_", "COINGECKO_")) for k in {**env, **secrets})

    logs = container["logConfiguration"]
    assert logs["logDriver"] == "awslogs"
    assert logs["options"]["awslogs-group"] == f"/ecs/{APP}/{service}"


def _load_balancer(aws):
    (lb,) = aws["elbv2"].describe_load_balancers()["LoadBalancers"]
    return lb


def test_load_balancer_is_public_in_the_public_subnets(aws):
    lb = _load_balancer(aws)
    assert lb["Scheme"] == "internet-facing"
    public = set(outputs(aws["stacks"]["network"])["PublicSubnets"].split(","))
    assert {az["SubnetId"] for az in lb["AvailabilityZones"]} == public
    assert lb["SecurityGroups"] == [outputs(aws["stacks"]["network"])["AlbSecurityGroupId"]]


def test_target_groups_check_each_service_on_its_own_prefix(aws):
    elbv2 = aws["elbv2"]
    ids = physical_ids(aws, f"{APP}-core")
    expected = {"LoginTargetGroup": "/account/readyz", "ProductTargetGroup": "/readyz"}
    for logical, path in expected.items():
        (tg,) = elbv2.describe_target_groups(TargetGroupArns=[ids[logical]])["TargetGroups"]
        assert tg["HealthCheckPath"] == path
        assert tg["TargetType"] == "ip"
        assert tg["Port"] == 8080
        assert tg["LoadBalancerArns"] == [_load_balancer(aws)["LoadBalancerArn"]]


def _listeners(aws):
    listeners = aws["elbv2"].describe_listeners(LoadBalancerArn=_load_balancer(aws)["LoadBalancerArn"])["Listeners"]
    return {listener["Port"]: listener for listener in listeners}


def test_https_listener_defaults_to_product_and_sends_the_login_prefix_to_login(aws):
    elbv2 = aws["elbv2"]
    ids = physical_ids(aws, f"{APP}-core")
    https = _listeners(aws)[443]
    assert https["Protocol"] == "HTTPS"
    assert https["Certificates"][0]["CertificateArn"] == CORE_PARAMETERS["CertificateArn"]
    (default,) = https["DefaultActions"]
    assert default["Type"] == "forward" and default["TargetGroupArn"] == ids["ProductTargetGroup"]

    rules = [r for r in elbv2.describe_rules(ListenerArn=https["ListenerArn"])["Rules"] if not r["IsDefault"]]
    (rule,) = rules
    (condition,) = rule["Conditions"]
    patterns = condition.get("PathPatternConfig", {}).get("Values") or condition.get("Values")
    assert sorted(patterns) == ["/account", "/account/*"]
    (action,) = rule["Actions"]
    assert action["Type"] == "forward" and action["TargetGroupArn"] == ids["LoginTargetGroup"]


def test_http_listener_redirects_to_https(aws):
    http = _listeners(aws)[80]
    (action,) = http["DefaultActions"]
    assert action["Type"] == "redirect"
    assert action["RedirectConfig"]["Protocol"] == "HTTPS"
    assert action["RedirectConfig"]["StatusCode"] == "HTTP_301"


def test_deployed_rules_match_the_routing_table(aws, routes):
    """The same check as test_routing.py, on what was created."""
    elbv2 = aws["elbv2"]
    ids = physical_ids(aws, f"{APP}-core")
    tg_of = {svc: ids[logical] for svc, logical in service_target_groups(load_template("core.yaml")).items()}
    https = _listeners(aws)[443]
    found = set()
    for rule in elbv2.describe_rules(ListenerArn=https["ListenerArn"])["Rules"]:
        (action,) = rule["Actions"]
        if rule["IsDefault"]:
            default_tg = action["TargetGroupArn"]
            continue
        (condition,) = rule["Conditions"]
        patterns = condition.get("PathPatternConfig", {}).get("Values") or condition.get("Values")
        found.add((frozenset(patterns), action["TargetGroupArn"]))
    wanted = {(frozenset(r["path_patterns"]), tg_of[r["service"]]) for r in routes if not r.get("default")}
    assert found == wanted
    (default_route,) = [r for r in routes if r.get("default")]
    assert default_tg == tg_of[default_route["service"]]
    for route in routes:
        (tg,) = elbv2.describe_target_groups(TargetGroupArns=[tg_of[route["service"]]])["TargetGroups"]
        assert tg["HealthCheckPath"] == health_path(route["prefix"])


def _ingress(aws, group_id):
    (group,) = aws["ec2"].describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    rules = set()
    for perm in group["IpPermissions"]:
        for pair in perm.get("UserIdGroupPairs", []):
            rules.add((perm.get("FromPort"), perm.get("ToPort"), pair["GroupId"]))
        for cidr in perm.get("IpRanges", []):
            rules.add((perm.get("FromPort"), perm.get("ToPort"), cidr["CidrIp"]))
    return rules


def test_security_groups_only_let_the_next_hop_in(aws):
    net = outputs(aws["stacks"]["network"])
    alb, login, product = net["AlbSecurityGroupId"], net["LoginTaskSecurityGroupId"], net["ProductTaskSecurityGroupId"]
    admin, database = net["DbAdminSecurityGroupId"], net["DatabaseSecurityGroupId"]
    assert _ingress(aws, alb) == {(443, 443, "0.0.0.0/0"), (80, 80, "0.0.0.0/0")}
    assert _ingress(aws, login) == {(8080, 8080, alb)}
    assert _ingress(aws, product) == {(8080, 8080, alb)}
    assert _ingress(aws, database) == {(5432, 5432, login), (5432, 5432, product), (5432, 5432, admin)}
    assert _ingress(aws, admin) == set()


def test_tasks_run_in_private_subnets_in_two_zones(aws):
    net = outputs(aws["stacks"]["network"])
    subnets = aws["ec2"].describe_subnets(SubnetIds=net["PrivateSubnets"].split(","))["Subnets"]
    assert len({s["AvailabilityZone"] for s in subnets}) == 2
    assert not any(s["MapPublicIpOnLaunch"] for s in subnets)


def test_repositories_are_immutable_and_the_caches_are_separate(aws):
    # Scan on push: moto drops it when created by CloudFormation; test_templates.py checks it.
    repos = {r["repositoryName"]: r for r in aws["ecr"].describe_repositories()["repositories"]}
    assert sorted(repos) == [f"{APP}/login", f"{APP}/login-build-cache", f"{APP}/product", f"{APP}/product-build-cache"]
    for service in ("login", "product"):
        assert repos[f"{APP}/{service}"]["imageTagMutability"] == "IMMUTABLE"
        # The BuildKit cache is overwritten by every build: mutable, and apart.
        assert repos[f"{APP}/{service}-build-cache"]["imageTagMutability"] == "MUTABLE"


def test_session_store_group_admits_only_the_two_services(aws):
    net = outputs(aws["stacks"]["network"])
    store = net["SessionStoreSecurityGroupId"]
    assert _ingress(aws, store) == {(6379, 6379, net["LoginTaskSecurityGroupId"]),
                                    (6379, 6379, net["ProductTaskSecurityGroupId"])}


def test_vpc_endpoints_for_ecr_s3_logs_and_secrets(aws):
    net = outputs(aws["stacks"]["network"])
    endpoints = aws["ec2"].describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [net["VpcId"]]}])["VpcEndpoints"]
    by_service = {e["ServiceName"].rsplit(".", 2)[-2] + "." + e["ServiceName"].rsplit(".", 1)[-1]
                  if e["ServiceName"].endswith((".api", ".dkr")) else e["ServiceName"].rsplit(".", 1)[-1]: e
                  for e in endpoints}
    assert set(by_service) == {"ecr.api", "ecr.dkr", "s3", "logs", "secretsmanager"}
    assert by_service["s3"]["VpcEndpointType"] == "Gateway"
    private = set(net["PrivateSubnets"].split(","))
    for name in ("ecr.api", "ecr.dkr", "logs", "secretsmanager"):
        endpoint = by_service[name]
        assert endpoint["VpcEndpointType"] == "Interface" and endpoint["PrivateDnsEnabled"] is True
        assert set(endpoint["SubnetIds"]) == private


def test_database_is_private_encrypted_and_watched(aws):
    (db,) = aws["rds"].describe_db_instances()["DBInstances"]
    assert db["Engine"] == "postgres"
    assert db["StorageEncrypted"] is True and db["PubliclyAccessible"] is False
    # Deletion protection and Performance Insights: moto's CloudFormation drops
    # them; test_templates.py checks both on the template.
    assert db["AllocatedStorage"] == 20
    assert outputs(aws["stacks"]["database"])["DatabaseInstanceId"] == db["DBInstanceIdentifier"]


def test_access_log_bucket_is_created_encrypted(aws):
    ids = physical_ids(aws, f"{APP}-core")
    bucket = ids["AccessLogBucket"]
    s3 = aws["s3"]
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    # The lifecycle rule: moto's CloudFormation does not apply it; test_templates.py checks it.
    # The load balancer's attributes (access logs into this bucket, deletion
    # protection, idle timeout): moto's CloudFormation does not apply them;
    # test_templates.py checks them on the template.
    # Its public access block: likewise not applied by moto; checked there.


def test_codecommit_pipeline_is_started_by_an_eventbridge_rule_on_its_branch(aws):
    rules = {r["Name"]: r for r in aws["events"].list_rules()["Rules"]}
    push = rules[f"{APP}-product-push"]
    pattern = json.loads(push["EventPattern"])
    assert pattern["source"] == ["aws.codecommit"]
    assert pattern["detail"]["referenceName"] == ["main"] and pattern["detail"]["referenceType"] == ["branch"]
    assert pattern["resources"] == [f"arn:aws:codecommit:{REGION}:123456789012:crypto-market"]
    (target,) = aws["events"].list_targets_by_rule(Rule=push["Name"])["Targets"]
    assert target["Arn"].startswith(f"arn:aws:codepipeline:{REGION}:123456789012:")
    # The GitHub pipeline has none: CodePipeline's own trigger filters by path.
    assert f"{APP}-login-push" not in rules
    for service in ("login", "product"):
        failed = json.loads(rules[f"{APP}-{service}-pipeline-failed"]["EventPattern"])
        assert failed["detail"]["state"] == ["FAILED"]

