"""What the templates promise, checked on the templates themselves (including
what moto cannot create: alarms, autoscaling, pipelines, the database), and the
places where they must agree with the Dockerfile, the buildspec and the
service contract."""

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml
from cfn_support import (
    REPO,
    SERVICES,
    parameter_defaults,
    ref_target,
    resources_of_type,
    substitute,
)

# The environment contract of the services (DESIGN.md, Configuration).
CONTRACT_ENV = {
    "BIND", "DATABASE_URL", "SESSION_KEY", "COOKIE_SECURE", "LOG_FORMAT", "RUST_LOG",
    "TRUSTED_PROXIES", "SHUTDOWN_TIMEOUT_SECS",
    "MARKET_SOURCE", "COINGECKO_BASE_URL", "COINGECKO_API_KEY", "COINGECKO_API_PLAN",
    "MARKET_REFRESH_SECS", "MARKET_STALE_SECS",
    "SESSION_STORE_URL", "KEEP_ALIVE_SECS",
    # Not the services' own: glibc's allocator setting (the Dockerfile sets the same).
    "GLIBC_TUNABLES",
}
PRODUCT_ONLY = {"MARKET_SOURCE", "COINGECKO_BASE_URL", "COINGECKO_API_KEY", "COINGECKO_API_PLAN",
                "MARKET_REFRESH_SECS", "MARKET_STALE_SECS"}


def containers(core):
    out = {}
    for td in resources_of_type(core, "AWS::ECS::TaskDefinition").values():
        (container,) = td["Properties"]["ContainerDefinitions"]
        out[container["Name"]] = (td["Properties"], container)
    return out


def ecs_services(core):
    return {s["Properties"]["ServiceName"]: (k, s) for k, s in resources_of_type(core, "AWS::ECS::Service").items()}


def dockerfile():
    return (REPO / "Dockerfile").read_text()


# ------------------------------------------------------------------- ECS

def test_cluster_has_container_insights(templates):
    (cluster,) = resources_of_type(templates["core.yaml"], "AWS::ECS::Cluster").values()
    settings = {s["Name"]: s["Value"] for s in cluster["Properties"]["ClusterSettings"]}
    assert settings["containerInsights"] == "enabled"


@pytest.mark.parametrize("service", SERVICES)
def test_service_deploys_safely(templates, service):
    core = templates["core.yaml"]
    params = parameter_defaults(core)
    _logical, svc = ecs_services(core)[service]
    props = svc["Properties"]
    assert props["LaunchType"] == "FARGATE"
    assert min(core["Parameters"]["DesiredCount"]["AllowedValues"]) >= 2
    assert ref_target(props["DesiredCount"]) == "DesiredCount"

    deployment = props["DeploymentConfiguration"]
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert deployment["MinimumHealthyPercent"] >= 100

    # The deployment alarms exist, are this service's, and exist before it.
    alarms = deployment["Alarms"]
    assert alarms["Enable"] is True and alarms["Rollback"] is True
    names = {substitute(n, params) for n in alarms["AlarmNames"]}
    defined = {substitute(a["Properties"]["AlarmName"], params): k
               for k, a in resources_of_type(core, "AWS::CloudWatch::Alarm").items()}
    assert names <= set(defined), names - set(defined)
    assert {defined[n] for n in names} <= set(svc["DependsOn"])
    assert len(names) == 3 and all(f"-{service}-" in n for n in names)

    network = props["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert "PrivateSubnets" in json.dumps(network["Subnets"])
    assert f"{service.capitalize()}TaskSecurityGroupId" in json.dumps(network["SecurityGroups"])


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_alarms_watch_5xx_rate_p99_and_unhealthy_targets(templates, service):
    core = templates["core.yaml"]
    params = parameter_defaults(core)
    alarms = {substitute(a["Properties"]["AlarmName"], params): a["Properties"]
              for a in resources_of_type(core, "AWS::CloudWatch::Alarm").values()}
    tg = f"{service.capitalize()}TargetGroup"

    rate = alarms[f"crypto-market-{service}-5xx-rate"]
    metrics = {m["Id"]: m for m in rate["Metrics"]}
    assert metrics["errors"]["MetricStat"]["Metric"]["MetricName"] == "HTTPCode_Target_5XX_Count"
    assert metrics["requests"]["MetricStat"]["Metric"]["MetricName"] == "RequestCount"
    assert "errors" in metrics["rate"]["Expression"] and "requests" in metrics["rate"]["Expression"]
    assert [m["Id"] for m in rate["Metrics"] if m["ReturnData"]] == ["rate"]

    p99 = alarms[f"crypto-market-{service}-p99-latency"]
    assert p99["MetricName"] == "TargetResponseTime" and p99["ExtendedStatistic"] == "p99"

    unhealthy = alarms[f"crypto-market-{service}-unhealthy-hosts"]
    assert unhealthy["MetricName"] == "UnHealthyHostCount"

    for alarm in (rate, p99, unhealthy):
        assert tg in json.dumps(alarm), f"{service}: alarm is not on its own target group"


@pytest.mark.parametrize("service", SERVICES)
def test_autoscaling_tracks_cpu_and_requests_per_target(templates, service):
    core = templates["core.yaml"]
    logical, _ = ecs_services(core)[service]
    targets = {k: v["Properties"] for k, v in resources_of_type(core, "AWS::ApplicationAutoScaling::ScalableTarget").items()
               if logical in json.dumps(v["Properties"]["ResourceId"])}
    (target_id,) = targets
    assert ref_target(targets[target_id]["MinCapacity"]) == "DesiredCount"
    metrics = set()
    for policy in resources_of_type(core, "AWS::ApplicationAutoScaling::ScalingPolicy").values():
        props = policy["Properties"]
        if ref_target(props["ScalingTargetId"]) == target_id:
            assert props["PolicyType"] == "TargetTrackingScaling"
            spec = props["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]
            metrics.add(spec["PredefinedMetricType"])
            if spec["PredefinedMetricType"] == "ALBRequestCountPerTarget":
                assert f"{service.capitalize()}TargetGroup.TargetGroupFullName" in json.dumps(spec["ResourceLabel"])
    assert metrics == {"ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"}


@pytest.mark.parametrize("service", SERVICES)
def test_container_matches_the_image_and_the_contract(templates, service):
    core = templates["core.yaml"]
    task, container = containers(core)[service]
    df = dockerfile()

    assert task["RequiresCompatibilities"] == ["FARGATE"] and task["NetworkMode"] == "awsvpc"
    assert "TaskRoleArn" not in task, "the services call no AWS API; give them no role"

    # Non-root, read-only, the binary's own health check, the image's port.
    user = re.search(r"^USER\s+(\S+)", df, re.MULTILINE).group(1)
    assert container["User"] == user and not user.startswith(("0", "root"))
    assert container["ReadonlyRootFilesystem"] is True
    assert container["LinuxParameters"]["Capabilities"]["Drop"] == ["ALL"]
    assert container["HealthCheck"]["Command"] == ["CMD", "/app/service", "healthcheck"]
    assert 'CMD ["/app/service", "healthcheck"]' in df
    assert re.search(r"^EXPOSE 8080$", df, re.MULTILINE)
    assert [p["ContainerPort"] for p in container["PortMappings"]] == [8080]

    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    secrets = {s["Name"] for s in container["Secrets"] if isinstance(s, dict) and "Name" in s}
    if service == "product":
        secrets |= {"COINGECKO_API_KEY"} if "COINGECKO_API_KEY" in json.dumps(container["Secrets"]) else set()
    names = set(env) | secrets
    assert names <= CONTRACT_ENV, names - CONTRACT_ENV
    assert not (set(env) & {"DATABASE_URL", "SESSION_KEY", "COINGECKO_API_KEY"}), "secrets come from Secrets Manager"
    assert {"DATABASE_URL", "SESSION_KEY"} <= secrets
    assert env["BIND"] == "0.0.0.0:8080"
    assert env["COOKIE_SECURE"] == "true" and env["LOG_FORMAT"] == "json"
    assert env["SESSION_STORE_URL"] == {"Fn::ImportValue": {"Fn::Sub": "${AppName}-SessionStoreUrl"}}
    assert env["GLIBC_TUNABLES"] == "glibc.malloc.mmap_threshold=1048576"
    assert re.search(r"^ENV GLIBC_TUNABLES=glibc\.malloc\.mmap_threshold=1048576$", df, re.MULTILINE)
    if service == "product":
        assert {"MARKET_SOURCE", "COINGECKO_BASE_URL", "COINGECKO_API_PLAN",
                "MARKET_REFRESH_SECS", "MARKET_STALE_SECS", "COINGECKO_API_KEY"} <= names
    else:
        assert not names & PRODUCT_ONLY


@pytest.mark.parametrize("service", SERVICES)
def test_stop_timeouts_line_up(templates, service):
    """Deregistration (ALB) -> SIGTERM -> drain within SHUTDOWN_TIMEOUT_SECS -> exit,
    all before ECS's StopTimeout sends SIGKILL."""
    core = templates["core.yaml"]
    _, container = containers(core)[service]
    shutdown = int({e["Name"]: e["Value"] for e in container["Environment"]}["SHUTDOWN_TIMEOUT_SECS"])
    stop = container["StopTimeout"]
    assert shutdown < 30 and shutdown + 5 <= stop <= 120
    assert "STOPSIGNAL SIGTERM" in dockerfile()
    tg = core["Resources"][f"{service.capitalize()}TargetGroup"]["Properties"]
    delay = int({a["Key"]: a["Value"] for a in tg["TargetGroupAttributes"]}["deregistration_delay.timeout_seconds"])
    assert 5 <= delay <= 20, "a short drain at the load balancer"


@pytest.mark.parametrize("service", SERVICES)
def test_execution_role_reads_only_its_own_secrets(templates, service):
    core = templates["core.yaml"]
    task, container = containers(core)[service]
    role = core["Resources"][ref_target(task["ExecutionRoleArn"])]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    (secret_statement,) = [s for s in statements if s["Action"] == "secretsmanager:GetSecretValue"]
    granted = json.dumps(secret_statement["Resource"])
    assert "SessionKeySecretArn" in granted
    assert f"{service.capitalize()}DatabaseUrlSecretArn" in granted
    other = "Product" if service == "login" else "Login"
    assert f"{other}DatabaseUrlSecretArn" not in granted
    assert ("CoinGeckoApiKeySecretArn" in granted) == (service == "product")
    (logs,) = [s for s in statements if "logs:PutLogEvents" in s["Action"]]
    assert ref_target(logs["Resource"]) == f"{service.capitalize()}LogGroup"
    assert container["LogConfiguration"]["Options"]["awslogs-group"] == {"Ref": f"{service.capitalize()}LogGroup"}


def test_log_groups_have_retention(templates):
    for name, template in templates.items():
        for logical, group in resources_of_type(template, "AWS::Logs::LogGroup").items():
            assert "RetentionInDays" in group["Properties"], f"{name}:{logical}"


# --------------------------------------------------------- load balancer

def test_https_listener_uses_the_certificate_parameter_and_tls12_or_later(templates):
    core = templates["core.yaml"]
    (https,) = [listener["Properties"]
                for listener in resources_of_type(core, "AWS::ElasticLoadBalancingV2::Listener").values()
                if listener["Properties"]["Protocol"] == "HTTPS"]
    assert https["Certificates"] == [{"CertificateArn": {"Ref": "CertificateArn"}}]
    assert "TLS13" in https["SslPolicy"] or "TLS-1-2" in https["SslPolicy"]


def test_security_groups_chain_internet_alb_tasks_database(templates):
    net = templates["network.yaml"]
    ingress = resources_of_type(net, "AWS::EC2::SecurityGroupIngress").values()
    pairs = {(ref_target(r["Properties"]["SourceSecurityGroupId"]), ref_target(r["Properties"]["GroupId"]),
              r["Properties"]["FromPort"]) for r in ingress}
    assert pairs == {
        ("AlbSecurityGroup", "LoginTaskSecurityGroup", 8080),
        ("AlbSecurityGroup", "ProductTaskSecurityGroup", 8080),
        ("LoginTaskSecurityGroup", "DatabaseSecurityGroup", 5432),
        ("ProductTaskSecurityGroup", "DatabaseSecurityGroup", 5432),
        ("DbAdminSecurityGroup", "DatabaseSecurityGroup", 5432),
        ("LoginTaskSecurityGroup", "SessionStoreSecurityGroup", 6379),
        ("ProductTaskSecurityGroup", "SessionStoreSecurityGroup", 6379),
        ("LoginTaskSecurityGroup", "VpcEndpointSecurityGroup", 443),
        ("ProductTaskSecurityGroup", "VpcEndpointSecurityGroup", 443),
        ("DbAdminSecurityGroup", "VpcEndpointSecurityGroup", 443),
    }
    groups = resources_of_type(net, "AWS::EC2::SecurityGroup")
    for logical, group in groups.items():
        inline = group["Properties"].get("SecurityGroupIngress", [])
        if logical == "AlbSecurityGroup":
            assert sorted(r["FromPort"] for r in inline) == [80, 443]
        else:
            assert inline == [], f"{logical} takes traffic only through the rules above"


def test_network_spans_two_zones_with_a_nat_each(templates):
    net = templates["network.yaml"]
    subnets = resources_of_type(net, "AWS::EC2::Subnet")
    zones = {k: json.dumps(v["Properties"]["AvailabilityZone"]) for k, v in subnets.items()}
    assert zones["PublicSubnet1"] == zones["PrivateSubnet1"] != zones["PublicSubnet2"] == zones["PrivateSubnet2"]
    assert len(resources_of_type(net, "AWS::EC2::NatGateway")) == 2


# ------------------------------------------------------- registry, database

def test_repositories_are_immutable_and_scanned_on_push(templates):
    repos = resources_of_type(templates["registry.yaml"], "AWS::ECR::Repository")
    assert set(repos) == {"LoginRepository", "ProductRepository", "LoginBuildCacheRepository", "ProductBuildCacheRepository"}
    for logical, repo in repos.items():
        assert repo["Properties"]["ImageScanningConfiguration"] == {"ScanOnPush": True}
        mutability = "MUTABLE" if "BuildCache" in logical else "IMMUTABLE"
        assert repo["Properties"]["ImageTagMutability"] == mutability, logical


def test_base_images_come_through_a_pull_through_cache_with_credentials(templates):
    reg = templates["registry.yaml"]
    (rule,) = resources_of_type(reg, "AWS::ECR::PullThroughCacheRule").values()
    props = rule["Properties"]
    assert props["UpstreamRegistryUrl"] == "registry-1.docker.io" and props["UpstreamRegistry"] == "docker-hub"
    assert props["CredentialArn"] == {"Ref": "DockerHubCredentialsSecretArn"}
    # ECR only accepts credentials kept under this prefix.
    assert "secret:ecr-pullthroughcache/" in reg["Parameters"]["DockerHubCredentialsSecretArn"]["AllowedPattern"]


DIGEST_PINNED = re.compile(r"^[a-z0-9.-]+(/[a-z0-9._-]+)*:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$")


@pytest.mark.parametrize("name", ["RUST_IMAGE", "RUNTIME_IMAGE"])
def test_dockerfile_base_images_are_pinned_by_digest(name):
    match = re.search(rf"^ARG {name}=(\S+)$", dockerfile(), re.MULTILINE)
    assert match, f"no ARG {name}= default"
    assert DIGEST_PINNED.match(match.group(1)), f"{name}={match.group(1)} is not image:tag@sha256:<64 hex>"
    assert f"FROM ${{{name}}}" in dockerfile()
    # The docs name the way to bump them.
    assert "imagetools inspect" in dockerfile() and "crane digest" in dockerfile()


def test_dockerfile_pulls_no_frontend_image_from_docker_hub():
    assert not re.search(r"^#\s*syntax=", dockerfile(), re.MULTILINE | re.IGNORECASE)


def test_digest_pattern_rejects_tags_alone():
    for bad in ("rust:1.95-bookworm", "rust@sha256:abc", "rust:1.95@sha256:" + "0" * 63, "rust:latest@sha256:" + "G" * 64):
        assert not DIGEST_PINNED.match(bad), bad


def test_database_is_private_encrypted_and_its_password_managed(templates):
    db = templates["database.yaml"]
    (instance,) = resources_of_type(db, "AWS::RDS::DBInstance").values()
    props = instance["Properties"]
    assert props["StorageEncrypted"] is True
    assert props["PubliclyAccessible"] is False
    assert props["ManageMasterUserPassword"] is True and "MasterUserPassword" not in props
    assert ref_target(props["MultiAZ"]) == "MultiAZ"
    assert instance["DeletionPolicy"] == "Snapshot"
    (subnets,) = resources_of_type(db, "AWS::RDS::DBSubnetGroup").values()
    assert "PrivateSubnets" in json.dumps(subnets)


RDS_CA_IN_IMAGE = "/etc/ssl/certs/rds-global-bundle.pem"


def test_each_service_gets_its_own_database_url_verifying_the_server(templates):
    db = templates["database.yaml"]
    for service in SERVICES:
        url = db["Resources"][f"{service.capitalize()}DatabaseUrl"]["Properties"]["SecretString"]["Fn::Sub"]
        assert url.startswith(f"postgres://{service}:") and f"/{service}?" in url
        query = dict(pair.split("=", 1) for pair in url.split("?", 1)[1].split("&"))
        assert query == {"sslmode": "verify-full", "sslrootcert": RDS_CA_IN_IMAGE}
    # The bundle the URL names is where the image puts it.
    final = dockerfile()[dockerfile().rindex("\nFROM "):]
    assert re.search(rf"^COPY --from=rds-ca .* {re.escape(RDS_CA_IN_IMAGE)}$", final, re.MULTILINE)
    assert "truststore.pki.rds.amazonaws.com/global/global-bundle.pem" in dockerfile()


def test_database_has_performance_insights_tls_only_and_deletion_protection(templates):
    db = templates["database.yaml"]
    (instance,) = resources_of_type(db, "AWS::RDS::DBInstance").values()
    props = instance["Properties"]
    assert props["EnablePerformanceInsights"] is True and props["PerformanceInsightsRetentionPeriod"] >= 7
    assert props["DeletionProtection"] is True
    assert props["CACertificateIdentifier"].startswith("rds-ca-")
    (group,) = resources_of_type(db, "AWS::RDS::DBParameterGroup").values()
    assert group["Properties"]["Parameters"]["rds.force_ssl"] == "1"


def test_bootstrap_task_hashes_passwords_before_psql_and_verifies_the_server(templates):
    db = templates["database.yaml"]
    (task,) = resources_of_type(db, "AWS::ECS::TaskDefinition").values()
    containers_ = {c["Name"]: c for c in task["Properties"]["ContainerDefinitions"]}
    prepare, psql = containers_["prepare"], containers_["psql"]
    # Only the prepare container ever holds the role passwords ...
    assert {s["Name"] for s in prepare["Secrets"]} == {"LOGIN_DB_PASSWORD", "PRODUCT_DB_PASSWORD"}
    assert not {s["Name"] for s in psql["Secrets"]} & {"LOGIN_DB_PASSWORD", "PRODUCT_DB_PASSWORD"}
    assert "SCRAM_VERIFIER_PY" in " ".join(prepare["Command"])
    # ... and psql runs only after it succeeded, with its verifiers, over verify-full.
    assert psql["DependsOn"] == [{"ContainerName": "prepare", "Condition": "SUCCESS"}]
    assert "-f /bootstrap/verifiers.sql" in " ".join(psql["Command"])
    env = {e["Name"]: e["Value"] for e in psql["Environment"]}
    assert env["PGSSLMODE"] == "verify-full" and env["PGSSLROOTCERT"].startswith("/bootstrap/")
    for container in (prepare, psql):
        assert container["ReadonlyRootFilesystem"] is True
        assert container["LinuxParameters"]["Capabilities"]["Drop"] == ["ALL"]


def test_session_store_is_valkey_serverless_in_the_private_subnets(templates):
    db = templates["database.yaml"]
    (cache,) = resources_of_type(db, "AWS::ElastiCache::ServerlessCache").values()
    props = cache["Properties"]
    assert props["Engine"] == "valkey"
    assert "PrivateSubnets" in json.dumps(props["SubnetIds"])
    assert json.dumps(props["SecurityGroupIds"]) == json.dumps(
        [{"Fn::ImportValue": {"Fn::Sub": "${AppName}-SessionStoreSecurityGroupId"}}])
    url = db["Outputs"]["SessionStoreUrl"]["Value"]["Fn::Sub"]
    # ElastiCache Serverless is TLS-only: rediss://, the primary endpoint's port.
    assert url == "rediss://${SessionStore.Endpoint.Address}:${SessionStore.Endpoint.Port}"
    net = templates["network.yaml"]
    (store_group,) = [g for k, g in resources_of_type(net, "AWS::EC2::SecurityGroup").items() if k == "SessionStoreSecurityGroup"]
    assert store_group["Properties"]["SecurityGroupEgress"][0]["CidrIp"] == "127.0.0.1/32"


# ------------------------------------------------------------- pipelines

def workspace_path_filters(service):
    if not (REPO / "Cargo.toml").exists():
        if os.environ.get("CI"):
            pytest.fail("no Cargo.toml at the repository root")
        pytest.skip("the Rust workspace is not in this checkout")
    out = subprocess.run([str(REPO / "deploy" / "affected-services"), "--repo", str(REPO), "--graph", "toml",
                          "--path-filters", service], capture_output=True, text=True, check=True)
    return out.stdout.split()


@pytest.mark.parametrize("service", SERVICES)
def test_pipeline_triggers_on_exactly_the_paths_that_affect_the_service(templates, service):
    pipeline = templates["pipeline.yaml"]
    filters = pipeline["Mappings"]["PathFilters"][service]
    assert 1 <= len(filters) <= 3, "CodePipeline takes at most 3 push filters"
    for chunk in filters.values():
        assert 1 <= len(chunk) <= 8, "CodePipeline takes at most 8 file paths per filter"
    listed = [p for chunk in filters.values() for p in chunk]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(workspace_path_filters(service))

    (resource,) = resources_of_type(pipeline, "AWS::CodePipeline::Pipeline").values()
    condition, (trigger,), otherwise = resource["Properties"]["Triggers"]["Fn::If"]
    assert condition == "UseGitHub" and otherwise == {"Ref": "AWS::NoValue"}
    used = [p["FilePaths"]["Includes"]["Fn::FindInMap"][2] for p in trigger["GitConfiguration"]["Push"]]
    assert sorted(used) == sorted(filters)


def pipeline_for(templates, provider):
    """The pipeline's Source action and trigger as CloudFormation resolves them
    for SourceProvider=provider."""
    (resource,) = resources_of_type(templates["pipeline.yaml"], "AWS::CodePipeline::Pipeline").values()
    props = resource["Properties"]
    (source_stage,) = [s for s in props["Stages"] if s["Name"] == "Source"]
    (choice,) = source_stage["Actions"]
    condition, github, codecommit = choice["Fn::If"]
    assert condition == "UseGitHub"
    return github if provider == "GitHub" else codecommit


@pytest.mark.parametrize("provider", ["GitHub", "CodeCommit"])
def test_both_source_providers_clone_and_name_the_commit(templates, provider):
    pipeline = templates["pipeline.yaml"]
    source = pipeline_for(templates, provider)
    expected = {"GitHub": "CodeStarSourceConnection", "CodeCommit": "CodeCommit"}[provider]
    assert source["ActionTypeId"]["Provider"] == expected
    assert source["Namespace"] == "SourceVariables"
    assert source["Configuration"]["OutputArtifactFormat"] == "CODEBUILD_CLONE_REF"
    assert source["Configuration"]["BranchName"] == {"Ref": "BranchName"}
    if provider == "CodeCommit":
        assert source["Configuration"]["PollForSourceChanges"] == "false"
        (rule,) = [r for r in resources_of_type(pipeline, "AWS::Events::Rule").values() if r.get("Condition") == "UseCodeCommit"]
        pattern = rule["Properties"]["EventPattern"]
        assert pattern["source"] == ["aws.codecommit"]
        assert pattern["detail"]["referenceName"] == [{"Ref": "BranchName"}]
        assert pattern["detail"]["event"] == ["referenceCreated", "referenceUpdated"]
        (target,) = rule["Properties"]["Targets"]
        assert "${Pipeline}" in target["Arn"]["Fn::Sub"]
        role = pipeline["Resources"][ref_target(target["RoleArn"])]
        assert role.get("Condition") == "UseCodeCommit"
        (statement,) = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        assert statement["Action"] == "codepipeline:StartPipelineExecution"


def test_codecommit_pushes_are_filtered_by_the_build_as_today():
    """CodeCommit has no path filters: every push starts both pipelines, and
    the buildspec's affected-services check skips the deploy when the commit
    does not touch the service (test_buildspec.py runs that path)."""
    spec = yaml.safe_load((REPO / "buildspec.yml").read_text())
    text = json.dumps(spec["phases"])
    assert "deploy/affected-services --base" in text and "DEPLOY=false" in text


def test_failures_notify_a_topic_only_the_failure_rule_may_publish_to(templates):
    pipeline = templates["pipeline.yaml"]
    rules = resources_of_type(pipeline, "AWS::Events::Rule")
    failed = rules["PipelineFailureRule"]["Properties"]
    assert failed["EventPattern"]["detail"] == {"pipeline": [{"Ref": "Pipeline"}], "state": ["FAILED"]}
    (target,) = failed["Targets"]
    assert target["Arn"] == {"Ref": "PipelineFailureTopic"}
    (policy,) = resources_of_type(pipeline, "AWS::SNS::TopicPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["PipelineFailureRule", "Arn"]}}}
    (subscription,) = resources_of_type(pipeline, "AWS::SNS::Subscription").values()
    assert subscription["Condition"] == "HasFailureEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "PipelineFailureEmail"}


def test_pipeline_is_v2_source_build_deploy_with_a_skippable_deploy(templates):
    pipeline = templates["pipeline.yaml"]
    (resource,) = resources_of_type(pipeline, "AWS::CodePipeline::Pipeline").values()
    props = resource["Properties"]
    assert props["PipelineType"] == "V2"
    stages = {s["Name"]: s for s in props["Stages"]}
    assert list(stages) == ["Source", "Build", "Deploy"]

    (source,) = stages["Source"]["Actions"]
    assert "Fn::If" in source, "GitHub or CodeCommit (test_both_source_providers_...)"

    (build,) = stages["Build"]["Actions"]
    assert build["ActionTypeId"]["Provider"] == "CodeBuild"
    namespace = build["Namespace"]
    overrides = json.loads(build["Configuration"]["EnvironmentVariables"])
    assert overrides == [{"name": "FORCE_DEPLOY", "value": "#{variables.ForceDeploy}", "type": "PLAINTEXT"},
                         {"name": "SOURCE_COMMIT", "value": "#{SourceVariables.CommitId}", "type": "PLAINTEXT"}]
    assert {v["Name"]: v["DefaultValue"] for v in props["Variables"]} == {"ForceDeploy": "false"}

    (deploy,) = stages["Deploy"]["Actions"]
    assert deploy["ActionTypeId"]["Provider"] == "ECS"
    assert deploy["Configuration"]["FileName"] == "imagedefinitions.json"
    assert deploy["Configuration"]["ServiceName"] == {"Ref": "Service"}

    (condition,) = stages["Deploy"]["BeforeEntry"]["Conditions"]
    assert condition["Result"] == "SKIP"
    (rule,) = condition["Rules"]
    assert rule["RuleTypeId"]["Provider"] == "VariableCheck"
    assert rule["Configuration"] == {"Variable": f"#{{{namespace}.DEPLOY}}", "Operator": "EQ", "Value": "true"}


def test_codebuild_runs_the_one_buildspec_for_its_service(templates):
    pipeline = templates["pipeline.yaml"]
    (project,) = resources_of_type(pipeline, "AWS::CodeBuild::Project").values()
    props = project["Properties"]
    assert props["Source"]["BuildSpec"] == "buildspec.yml"
    env = props["Environment"]
    assert env["PrivilegedMode"] is True
    variables = {v["Name"]: v["Value"] for v in env["EnvironmentVariables"]}
    assert variables["SERVICE"] == {"Ref": "Service"}
    assert {"ECR_REPOSITORY_URI", "CLUSTER_NAME", "BUILD_CACHE_REPOSITORY_URI", "PULL_THROUGH_PREFIX"} <= set(variables)
    assert "LOCAL_DOCKER_LAYER_CACHE" not in json.dumps(props["Cache"]), "the layer cache is in ECR"


def test_buildspec_uses_the_pipeline_commit_and_fails_on_critical_findings():
    text = (REPO / "buildspec.yml").read_text()
    assert 'IMAGE_TAG="${SOURCE_COMMIT:-' in text
    assert "aws ecr wait image-scan-complete" in text
    assert "findingSeverityCounts.CRITICAL" in text
    assert "type=registry,ref=$BUILD_CACHE_REPOSITORY_URI" in text


def test_buildspec_exports_what_the_pipeline_reads():
    spec = yaml.safe_load((REPO / "buildspec.yml").read_text())
    assert spec["version"] == 0.2
    assert "DEPLOY" in spec["env"]["exported-variables"]
    assert spec["artifacts"]["files"] == ["imagedefinitions.json"]
    assert "deploy/affected-services" in json.dumps(spec["phases"])


# ------------------------------------------------------------ monitoring

def test_dashboard_is_valid_json_and_shows_the_emf_metrics(templates):
    monitoring = templates["monitoring.yaml"]
    (dashboard,) = resources_of_type(monitoring, "AWS::CloudWatch::Dashboard").values()
    body, _variables = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    rendered = re.sub(r"\$\{[^}]+\}", "0", body)
    doc = json.loads(rendered)
    text = json.dumps(doc)
    for needle in ("CryptoMarket", "RequestCount", "Latency", "MarketDataAgeSeconds",
                   "TargetResponseTime", "UnHealthyHostCount", "HTTPCode_ELB_5XX_Count"):
        assert needle in text, needle


def test_site_alarms_cover_5xx_rate_and_stale_market_data(templates):
    monitoring = templates["monitoring.yaml"]
    alarms = {k: a["Properties"] for k, a in resources_of_type(monitoring, "AWS::CloudWatch::Alarm").items()}
    rate = alarms["Site5xxRateAlarm"]
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in rate["Metrics"] if "MetricStat" in m} == {
        "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount"}
    stale = alarms["MarketDataStaleAlarm"]
    assert (stale["Namespace"], stale["MetricName"]) == ("CryptoMarket", "MarketDataAgeSeconds")
    assert stale["Dimensions"] == [{"Name": "Service", "Value": "product"}]


def test_a_month_of_market_data_calls_on_course_to_run_out_alarms(templates):
    monitoring = templates["monitoring.yaml"]
    alarms = {k: a["Properties"] for k, a in resources_of_type(monitoring, "AWS::CloudWatch::Alarm").items()}
    budget = alarms["UpstreamBudgetAlarm"]
    assert (budget["Namespace"], budget["MetricName"]) == ("CryptoMarket", "UpstreamBudgetProjectedPercent")
    assert budget["Dimensions"] == [{"Name": "Service", "Value": "product"}]
    assert budget["ComparisonOperator"] == "GreaterThanThreshold"
    assert budget["TreatMissingData"] == "notBreaching"


# ---------------------------------------------------------------- image

def test_dockerfile_builds_one_service_with_cached_dependencies():
    df = dockerfile()
    assert re.search(r"^ARG SERVICE$", df, re.MULTILINE)
    assert "cargo chef prepare" in df and "cargo chef cook --release --locked" in df
    assert 'cargo build --release --locked -p "${SERVICE}" --bin "${SERVICE}"' in df
    assert 'cargo test --locked -p "${SERVICE}"' in df
    assert "ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot@sha256:" in df
    assert 'ENTRYPOINT ["/app/service"]' in df
    final = df[df.rindex("\nFROM "):]
    assert "FROM ${RUNTIME_IMAGE}" in final
    copies = [line for line in final.splitlines() if line.startswith("COPY")]
    assert len(copies) == 2, "the runtime image holds the binary and the RDS CA bundle, nothing else"
    assert copies[0].endswith("/service /app/service") and "--from=rds-ca" in copies[1]


def test_dockerignore_keeps_the_context_small_but_complete():
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {"target", ".git", "data"} <= ignored
    for needed in ("static", "migrations", "shared-ui", "chassis", "login", "product", "site",
                   "Cargo.toml", "Cargo.lock"):
        assert needed not in ignored, needed


def test_hadolint_finds_nothing_at_warning_level():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (infra/check installs it)")
    r = subprocess.run([hadolint, "--failure-threshold", "warning", str(REPO / "Dockerfile")],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
