"""CODEOWNERS: every tracked path has an owner, and the owners agree with
what deploy/affected-services says the path deploys."""

import subprocess

import pytest
from affected_support import REPO

TEAMS = {
    "login": "@crypto-market/login",
    "product": "@crypto-market/product",
    "platform": "@crypto-market/platform",
    "marketing": "@crypto-market/marketing",
}


def parse(text: str) -> list[tuple[str, list[str]]]:
    rules = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            pattern, *owners = line.split()
            rules.append((pattern, owners))
    return rules


def matches(pattern: str, path: str) -> bool:
    """The subset of GitHub's CODEOWNERS patterns this file uses."""
    if pattern == "*":
        return True
    assert pattern.startswith("/") and "*" not in pattern, f"unsupported pattern {pattern!r}"
    body = pattern[1:]
    if body.endswith("/"):
        return path.startswith(body)
    return path == body or path.startswith(body + "/")


def owners_of(rules, path: str) -> list[str]:
    found = []
    for pattern, owners in rules:  # the last match wins
        if matches(pattern, path):
            found = owners
    return found


def tracked_paths() -> list[str]:
    out = subprocess.run(["git", "-C", str(REPO), "ls-files"], capture_output=True, text=True, check=True).stdout
    return sorted(set(out.split()) | {"CODEOWNERS"})


def problems(rules, paths, affected, packages) -> list[str]:
    bad = []
    for path in paths:
        owners = owners_of(rules, path)
        if not owners:
            bad.append(f"{path}: no owner")
            continue
        unknown = set(owners) - set(TEAMS.values())
        if unknown:
            bad.append(f"{path}: unknown owners {sorted(unknown)}")
        services, _reason = affected.classify(path, packages)
        if services == set(affected.SERVICES):
            wanted = TEAMS["platform"]
        elif len(services) == 1:
            wanted = TEAMS[next(iter(services))]
        else:
            wanted = None
        if wanted and wanted not in owners:
            bad.append(f"{path}: deploys {sorted(services)} but is owned by {owners}")
        for service in affected.SERVICES:
            if TEAMS[service] in owners and services and service not in services:
                bad.append(f"{path}: owned by {TEAMS[service]} but deploys {sorted(services)}")
    return bad


@pytest.fixture(scope="module")
def packages(affected):
    return affected.load_graph(str(REPO), "toml")


@pytest.fixture(scope="module")
def rules():
    return parse((REPO / "CODEOWNERS").read_text())


def test_every_tracked_path_has_an_owner_matching_what_it_deploys(affected, packages, rules):
    paths = tracked_paths()
    assert len(paths) > 50
    assert problems(rules, paths, affected, packages) == []


def test_every_top_level_path_has_an_owner(rules):
    top = sorted({p.split("/", 1)[0] for p in tracked_paths()})
    for entry in top:
        assert owners_of(rules, entry), entry


@pytest.mark.parametrize(
    "path, team",
    [
        ("login/src/lib.rs", "login"),
        ("migrations/login/postgres/x/up.sql", "login"),
        ("product/src/lib.rs", "product"),
        ("migrations/product/postgres/x/up.sql", "product"),
        ("chassis/src/lib.rs", "platform"),
        ("infra/core.yaml", "platform"),
        ("deploy/affected-services", "platform"),
        ("Dockerfile", "platform"),
        ("buildspec.yml", "platform"),
    ],
)
def test_the_issue_assignments(rules, path, team):
    assert TEAMS[team] in owners_of(rules, path)


@pytest.mark.parametrize(
    "path, team",
    [
        ("login/templates/copy.txt", "login"),
        ("product/templates/copy.txt", "product"),
        ("shared-ui/templates/base.html", "platform"),
        ("static/app.css", "platform"),
    ],
)
def test_marketing_shares_templates_copy_and_static_with_the_owning_team(rules, path, team):
    owners = owners_of(rules, path)
    assert TEAMS["marketing"] in owners and TEAMS[team] in owners


def test_the_check_fails_on_a_wrong_owner(affected, packages, rules):
    # product's migrations handed to the login team: caught both ways round.
    wrong = rules + [("/migrations/product/", [TEAMS["login"]])]
    found = problems(wrong, ["migrations/product/postgres/x/up.sql"], affected, packages)
    assert any("deploys ['product']" in p for p in found)
    assert any("owned by @crypto-market/login" in p for p in found)
    # No catch-all and no rule: an owner is missing.
    assert problems([("/login/", [TEAMS["login"]])], ["README.md"], affected, packages) == ["README.md: no owner"]
