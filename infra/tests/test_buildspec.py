"""buildspec.yml, run the way CodeBuild runs it (every command of every phase
in one bash, in order) in a throwaway git repository, with `aws` and `docker`
replaced by stubs that answer like ECS/ECR and record what they were asked.
"""

import json
import os
import shutil
import subprocess

import pytest
import yaml
from cfn_support import REPO

REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
REPOSITORY = REGISTRY + "/crypto-market/{service}"
CACHE_REPOSITORY = REGISTRY + "/crypto-market/{service}-build-cache"

STUB_AWS = r"""#!/usr/bin/env bash
# aws, as far as buildspec.yml uses it. State comes from STUB_* variables.
echo "aws $*" >> "$STUB_LOG"
case "$1 $2" in
  "ecs describe-services")
    echo "${STUB_TASK_DEFINITION:-None}" ;;
  "ecs describe-task-definition")
    echo "$STUB_DEPLOYED_IMAGE" ;;
  "ecr describe-images")
    [ "${STUB_IMAGE_EXISTS:-false}" = true ] && exit 0
    echo "ImageNotFoundException" >&2; exit 254 ;;
  "ecr get-login-password")
    echo "password" ;;
  "ecr wait")
    exit "${STUB_SCAN_WAIT_RC:-0}" ;;
  "ecr describe-image-scan-findings")
    echo "${STUB_CRITICAL:-None}" ;;
  *) echo "stub aws: unexpected $*" >&2; exit 99 ;;
esac
"""

STUB_DOCKER = r"""#!/usr/bin/env bash
echo "docker $*" >> "$STUB_LOG"
[ "$1" = login ] && cat >/dev/null
[ "$1 $2" = "buildx build" ] && [ "${STUB_TESTS_FAIL:-false}" = true ] && [[ " $* " == *" --target test "* ]] && exit 101
exit 0
"""

WORKSPACE = {
    "Cargo.toml": '[workspace]\nmembers = ["shared-ui", "chassis", "login", "product", "site"]\n'
                  '[workspace.dependencies]\nchassis = { path = "chassis" }\nshared-ui = { path = "shared-ui" }\n',
    "shared-ui/Cargo.toml": '[package]\nname = "shared-ui"\nversion = "0.1.0"\n',
    "chassis/Cargo.toml": '[package]\nname = "chassis"\nversion = "0.1.0"\n',
    "login/Cargo.toml": '[package]\nname = "login"\nversion = "0.1.0"\n[dependencies]\nchassis.workspace = true\nshared-ui.workspace = true\n',
    "product/Cargo.toml": '[package]\nname = "product"\nversion = "0.1.0"\n[dependencies]\nchassis.workspace = true\nshared-ui.workspace = true\n',
    "site/Cargo.toml": '[package]\nname = "site"\nversion = "0.1.0"\n[dependencies]\nlogin = { path = "../login" }\nproduct = { path = "../product" }\n',
    "login/src/main.rs": "fn main() {}\n",
    "product/src/main.rs": "fn main() {}\n",
    "docs/DEPLOY.md": "# deploy\n",
}


def git(root, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e")
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=env).stdout.strip()


def commit(root, path, text):
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"change {path}")
    return git(root, "rev-parse", "HEAD")


@pytest.fixture()
def checkout(tmp_path):
    root = tmp_path / "src"
    for rel, text in WORKSPACE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "deploy").mkdir()
    shutil.copy(REPO / "deploy" / "affected-services", root / "deploy" / "affected-services")
    shutil.copy(REPO / "buildspec.yml", root / "buildspec.yml")
    shutil.copy(REPO / "Dockerfile", root / "Dockerfile")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("aws", STUB_AWS), ("docker", STUB_DOCKER)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    return root, bin_dir


def run_phases(buildspec: dict, cwd, env: dict) -> tuple[int, str, dict]:
    """Run the buildspec's commands the way CodeBuild does: in order, each
    command seeing the environment the previous one left; a failing install or
    pre_build command ends the build, a failing build command still lets
    post_build run with CODEBUILD_BUILD_SUCCEEDING=0. Each command runs in its
    own bash, the stricter of the two ways a build host may run them (a shell
    variable that is not exported would be lost)."""
    state = dict(env)
    for key, value in buildspec["env"]["variables"].items():
        state.setdefault(key, str(value))
    output, status = [], 0
    dump = os.path.join(str(cwd), "..", "env.dump")
    for phase in ("install", "pre_build", "build", "post_build"):
        if status and phase != "post_build":
            continue
        for command in buildspec["phases"].get(phase, {}).get("commands", []):
            r = subprocess.run(["bash", "-c", f'{command}\nenv -0 > "{dump}"'], cwd=cwd, env=state,
                               capture_output=True, text=True, check=False)
            output.append(r.stdout + r.stderr)
            if r.returncode != 0:
                output.append(f"PHASE {phase} FAILED ({r.returncode})")
                status = r.returncode
                state["CODEBUILD_BUILD_SUCCEEDING"] = "0"
                break
            with open(dump) as f:
                state = dict(item.split("=", 1) for item in f.read().split("\0") if "=" in item)
        if status and phase in ("install", "pre_build"):
            break
    exports = {name: state.get(name, "") for name in buildspec["env"]["exported-variables"]}
    return status, "\n".join(output), exports


def run_build(checkout, service, head, source_commit="same", **stub):
    root, bin_dir = checkout
    spec = yaml.safe_load((root / "buildspec.yml").read_text())
    log = root.parent / "calls.log"
    log.write_text("")
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "HOME": str(root.parent),  # no rustup toolchain here, like CodeBuild's image
        "SERVICE": service,
        "ECR_REPOSITORY_URI": REPOSITORY.format(service=service),
        "CLUSTER_NAME": "crypto-market",
        "CODEBUILD_RESOLVED_SOURCE_VERSION": head,
        "SOURCE_COMMIT": head if source_commit == "same" else source_commit,
        "BUILD_CACHE_REPOSITORY_URI": CACHE_REPOSITORY.format(service=service),
        "PULL_THROUGH_PREFIX": "docker-hub",
        "CODEBUILD_BUILD_SUCCEEDING": "1",
        "STUB_LOG": str(log),
    }
    env.update(stub)  # a None removes the variable
    env = {k: v for k, v in env.items() if v is not None}
    rc, out, exports = run_phases(spec, root, env)
    definitions = root / "imagedefinitions.json"
    return {
        "rc": rc,
        "out": out,
        "exports": exports,
        "calls": log.read_text().splitlines(),
        "imagedefinitions": json.loads(definitions.read_text()) if definitions.exists() else None,
    }


def deployed(service, commit_id):
    return {"STUB_TASK_DEFINITION": f"arn:aws:ecs:eu-west-1:123456789012:task-definition/crypto-market-{service}:7",
            "STUB_DEPLOYED_IMAGE": f"{REPOSITORY.format(service=service)}:{commit_id}"}


def docker_builds(result):
    return [c for c in result["calls"] if c.startswith("docker buildx build")]


def test_a_change_to_the_service_is_tested_built_pushed_and_deployed(checkout):
    root, _ = checkout
    base = git(root, "rev-parse", "HEAD")
    head = commit(root, "login/src/main.rs", "fn main() { /* new */ }\n")
    r = run_build(checkout, "login", head, **deployed("login", base))
    assert r["rc"] == 0, r["out"]
    assert r["exports"]["DEPLOY"] == "true"
    assert r["exports"]["IMAGE_TAG"] == head
    image = f"{REPOSITORY.format(service='login')}:{head}"
    builds = docker_builds(r)
    assert len(builds) == 2
    assert "--target test" in builds[0] and "SERVICE=login" in builds[0]
    assert "SERVICE=login" in builds[1] and f"--tag {image}" in builds[1] and "--push" in builds[1]
    assert r["imagedefinitions"] == [{"name": "login", "imageUri": image}]
    # The pushed image was scanned and its findings read before it ships.
    assert any(c.startswith("aws ecr wait image-scan-complete") and f"imageTag={head}" in c for c in r["calls"])
    assert any(c.startswith("aws ecr describe-image-scan-findings") for c in r["calls"])


def test_a_change_to_the_other_service_builds_nothing_and_skips_the_deploy(checkout):
    root, _ = checkout
    base = git(root, "rev-parse", "HEAD")
    head = commit(root, "login/src/main.rs", "fn main() { /* new */ }\n")
    r = run_build(checkout, "product", head, **deployed("product", base))
    assert r["rc"] == 0, r["out"]
    assert r["exports"]["DEPLOY"] == "false"
    assert not [c for c in r["calls"] if c.startswith("docker")]
    # The running image, should anyone deploy this artifact by hand.
    assert r["imagedefinitions"] == [{"name": "product", "imageUri": f"{REPOSITORY.format(service='product')}:{base}"}]


def test_the_comparison_is_with_the_deployed_commit_not_the_parent(checkout):
    root, _ = checkout
    base = git(root, "rev-parse", "HEAD")
    commit(root, "product/src/main.rs", "fn main() { /* product */ }\n")
    head = commit(root, "docs/DEPLOY.md", "# only docs\n")
    r = run_build(checkout, "product", head, **deployed("product", base))
    assert r["exports"]["DEPLOY"] == "true", r["out"]


def test_nothing_deployed_yet_builds(checkout):
    root, _ = checkout
    head = commit(root, "docs/DEPLOY.md", "# only docs\n")
    r = run_build(checkout, "login", head)
    assert r["rc"] == 0, r["out"]
    assert r["exports"]["DEPLOY"] == "true"
    assert len(docker_builds(r)) == 2


def test_an_image_already_pushed_for_the_commit_is_not_rebuilt(checkout):
    root, _ = checkout
    base = git(root, "rev-parse", "HEAD")
    head = commit(root, "chassis/src/lib.rs", "// shared\n")
    r = run_build(checkout, "product", head, STUB_IMAGE_EXISTS="true", **deployed("product", base))
    assert r["rc"] == 0, r["out"]
    assert r["exports"]["DEPLOY"] == "true"
    assert docker_builds(r) == []
    assert r["imagedefinitions"][0]["imageUri"].endswith(f":{head}")


def test_force_deploy(checkout):
    root, _ = checkout
    base = git(root, "rev-parse", "HEAD")
    head = commit(root, "docs/DEPLOY.md", "# docs\n")
    r = run_build(checkout, "login", head, FORCE_DEPLOY="true", **deployed("login", base))
    assert r["exports"]["DEPLOY"] == "true", r["out"]


def test_failing_tests_fail_the_build_and_write_no_definitions(checkout):
    root, _ = checkout
    base = git(root, "rev-parse", "HEAD")
    head = commit(root, "login/src/main.rs", "fn main() { broken }\n")
    r = run_build(checkout, "login", head, STUB_TESTS_FAIL="true", **deployed("login", base))
    assert r["rc"] != 0
    assert "PHASE build FAILED" in r["out"] and "PHASE post_build FAILED" in r["out"]
    assert not [c for c in r["calls"] if "--push" in c]
    assert r["imagedefinitions"] is None


def test_an_unknown_service_is_refused(checkout):
    root, _ = checkout
    r = run_build(checkout, "site", git(root, "rev-parse", "HEAD"))
    assert r["rc"] != 0 and "SERVICE must be login or product" in r["out"]


def dockerfile_default(name):
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if line.startswith(f"ARG {name}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"no ARG {name}= in the Dockerfile")


def test_base_images_are_the_pinned_defaults_and_rust_comes_through_the_pull_through_cache(checkout):
    root, _ = checkout
    head = commit(root, "login/src/main.rs", "fn main() { /* new */ }\n")
    r = run_build(checkout, "login", head)
    assert r["rc"] == 0, r["out"]
    rust, runtime = dockerfile_default("RUST_IMAGE"), dockerfile_default("RUNTIME_IMAGE")
    for build in docker_builds(r):
        assert f"RUST_IMAGE={REGISTRY}/docker-hub/library/{rust}" in build
        assert f"RUNTIME_IMAGE={runtime}" in build
    (create,) = [c for c in r["calls"] if c.startswith("docker buildx create")]
    assert f"image={REGISTRY}/docker-hub/moby/buildkit:" in create and "--driver docker-container" in create


def test_layers_are_cached_in_the_service_cache_repository(checkout):
    root, _ = checkout
    head = commit(root, "product/src/main.rs", "fn main() { /* new */ }\n")
    r = run_build(checkout, "product", head)
    assert r["rc"] == 0, r["out"]
    cache = CACHE_REPOSITORY.format(service="product")
    test_build, image_build = docker_builds(r)
    for build, key in ((test_build, "test"), (image_build, "image")):
        assert f"--cache-from type=registry,ref={cache}:{key}" in build
        assert f"--cache-to type=registry,ref={cache}:{key},mode=max,image-manifest=true" in build


@pytest.mark.parametrize("exists", ["false", "true"])
def test_critical_scan_findings_fail_the_build(checkout, exists):
    root, _ = checkout
    head = commit(root, "login/src/main.rs", "fn main() { /* new */ }\n")
    r = run_build(checkout, "login", head, STUB_CRITICAL="2", STUB_IMAGE_EXISTS=exists)
    assert r["rc"] != 0
    assert "2 CRITICAL finding(s)" in r["out"]
    assert r["imagedefinitions"] is None


def test_a_scan_that_does_not_complete_fails_the_build(checkout):
    root, _ = checkout
    head = commit(root, "login/src/main.rs", "fn main() { /* new */ }\n")
    r = run_build(checkout, "login", head, STUB_SCAN_WAIT_RC="255")
    assert r["rc"] != 0 and r["imagedefinitions"] is None


def test_no_scan_when_nothing_is_deployed(checkout):
    root, _ = checkout
    base = git(root, "rev-parse", "HEAD")
    head = commit(root, "login/src/main.rs", "fn main() { /* new */ }\n")
    r = run_build(checkout, "product", head, STUB_CRITICAL="5", **deployed("product", base))
    assert r["rc"] == 0, r["out"]
    assert not [c for c in r["calls"] if "scan" in c]


def test_the_commit_comes_from_the_pipeline_source_variable(checkout):
    root, _ = checkout
    head = commit(root, "login/src/main.rs", "fn main() { /* new */ }\n")
    # CodeBuild's own variable missing: SOURCE_COMMIT is enough.
    r = run_build(checkout, "login", head, CODEBUILD_RESOLVED_SOURCE_VERSION=None)
    assert r["rc"] == 0, r["out"]
    assert r["exports"]["IMAGE_TAG"] == head
    # By hand, outside the pipeline: CodeBuild's variable is the fallback.
    r = run_build(checkout, "login", head, source_commit=None)
    assert r["rc"] == 0, r["out"]
    assert r["exports"]["IMAGE_TAG"] == head


@pytest.mark.parametrize("source_commit", ["", "abc123", "0" * 40])
def test_a_missing_short_or_foreign_commit_is_refused(checkout, source_commit):
    root, _ = checkout
    head = commit(root, "login/src/main.rs", "fn main() { /* new */ }\n")
    r = run_build(checkout, "login", head, source_commit=source_commit, CODEBUILD_RESOLVED_SOURCE_VERSION=None)
    assert r["rc"] != 0
    assert not docker_builds(r) and r["imagedefinitions"] is None
