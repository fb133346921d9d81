"""The templates' CloudFormation `Rules`, evaluated here the way
CloudFormation evaluates them at validation time (create-stack,
create-change-set), for every combination of allowed parameter values:
each rule rejects exactly the impossible combinations and accepts the rest.

CloudFormation's rule functions are Fn::And, Fn::Or, Fn::Not, Fn::Equals,
Fn::Contains (and a few list functions these templates do not use); a Ref
inside a rule yields the parameter's value as a string. The evaluator below
knows that subset and refuses anything else, so a rule written with another
function fails this test instead of being misjudged."""

import itertools

import pytest
from cfn_support import parameter_defaults


class UnknownFunction(Exception):
    pass


def evaluate(node, params: dict):
    """A rule condition or assertion -> bool (or the value of an operand)."""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return [evaluate(item, params) for item in node]
    if isinstance(node, dict) and len(node) == 1:
        (function, args), = node.items()
        if function == "Ref":
            return str(params[args])
        if function == "Fn::And":
            assert 2 <= len(args) <= 10, "Fn::And takes 2 to 10 conditions"
            return all(evaluate(a, params) for a in args)
        if function == "Fn::Or":
            assert 2 <= len(args) <= 10, "Fn::Or takes 2 to 10 conditions"
            return any(evaluate(a, params) for a in args)
        if function == "Fn::Not":
            (inner,) = args
            return not evaluate(inner, params)
        if function == "Fn::Equals":
            left, right = args
            return evaluate(left, params) == evaluate(right, params)
        if function == "Fn::Contains":
            haystack, needle = args
            return evaluate(needle, params) in evaluate(haystack, params)
    raise UnknownFunction(f"not a rule function this evaluator knows: {node!r}")


def failing_rules(template: dict, overrides: dict) -> set[str]:
    """The names of the rules whose assertions fail for these parameters."""
    params = {k: ("" if v is None else v) for k, v in parameter_defaults(template).items()}
    params.update(overrides)
    failed = set()
    for name, rule in template.get("Rules", {}).items():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], params):
            continue
        if not all(evaluate(a["Assert"], params) for a in rule["Assertions"]):
            failed.add(name)
    return failed


def allowed(template, name):
    return [str(v) for v in template["Parameters"][name]["AllowedValues"]]


# Fargate's task sizes for Linux (AWS documentation, "Task CPU and memory"):
# memory in MiB per CPU unit.
def fargate_offers(cpu: int, memory: int) -> bool:
    if cpu == 256:
        return memory in (512, 1024, 2048)
    if cpu == 512:
        return 1024 <= memory <= 4096 and memory % 1024 == 0
    if cpu == 1024:
        return 2048 <= memory <= 8192 and memory % 1024 == 0
    if cpu == 2048:
        return 4096 <= memory <= 16384 and memory % 1024 == 0
    if cpu == 4096:
        return 8192 <= memory <= 30720 and memory % 1024 == 0
    return False


def test_the_defaults_pass_every_rule(templates):
    # pipeline.yaml has no usable default source: its rules need the repository.
    required = {"pipeline.yaml": {"ConnectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/x",
                                  "FullRepositoryId": "o/r"}}
    for name, template in templates.items():
        assert failing_rules(template, required.get(name, {})) == set(), name
    assert set(templates["core.yaml"]["Rules"]) == {"FargateCpuMemoryPair", "MaxCountAtLeastDesiredCount"}
    assert set(templates["database.yaml"]["Rules"]) == {"StorageCeilingAboveAllocation"}


def test_fargate_cpu_memory_pairs_for_every_allowed_combination(templates):
    core = templates["core.yaml"]
    combos = list(itertools.product(allowed(core, "TaskCpu"), allowed(core, "TaskMemory")))
    assert len(combos) >= 40
    accepted = 0
    for cpu, memory in combos:
        ok = "FargateCpuMemoryPair" not in failing_rules(core, {"TaskCpu": cpu, "TaskMemory": memory})
        assert ok == fargate_offers(int(cpu), int(memory)), (cpu, memory)
        accepted += ok
    assert 0 < accepted < len(combos)


@pytest.mark.parametrize("cpu, memory, ok", [
    ("512", "512", False), ("2048", "2048", False), ("256", "4096", False),  # the examples
    ("256", "512", True), ("512", "1024", True), ("2048", "16384", True),
])
def test_fargate_pair_examples(templates, cpu, memory, ok):
    core = templates["core.yaml"]
    assert ("FargateCpuMemoryPair" not in failing_rules(core, {"TaskCpu": cpu, "TaskMemory": memory})) == ok


def test_max_count_never_below_desired_count(templates):
    core = templates["core.yaml"]
    for desired, maximum in itertools.product(allowed(core, "DesiredCount"), allowed(core, "MaxCount")):
        failed = failing_rules(core, {"DesiredCount": desired, "MaxCount": maximum})
        assert ("MaxCountAtLeastDesiredCount" not in failed) == (int(maximum) >= int(desired)), (desired, maximum)
    assert failing_rules(core, {"DesiredCount": "4", "MaxCount": "3"}) == {"MaxCountAtLeastDesiredCount"}
    assert failing_rules(core, {"DesiredCount": "4", "MaxCount": "4"}) == set()


def test_storage_ceiling_at_least_ten_percent_above_allocation(templates):
    db = templates["database.yaml"]
    for allocated, ceiling in itertools.product(allowed(db, "AllocatedStorageGiB"), allowed(db, "MaxAllocatedStorageGiB")):
        failed = failing_rules(db, {"AllocatedStorageGiB": allocated, "MaxAllocatedStorageGiB": ceiling})
        assert ("StorageCeilingAboveAllocation" not in failed) == (int(ceiling) >= 1.1 * int(allocated)), (allocated, ceiling)
    # The example: a ceiling equal to the allocation.
    assert failing_rules(db, {"AllocatedStorageGiB": "100", "MaxAllocatedStorageGiB": "100"}) == {"StorageCeilingAboveAllocation"}
    assert failing_rules(db, {"AllocatedStorageGiB": "100", "MaxAllocatedStorageGiB": "200"}) == set()


@pytest.mark.parametrize("overrides, failed", [
    ({"SourceProvider": "GitHub"}, {"GitHubSourceIsComplete"}),  # the defaults are empty
    ({"SourceProvider": "GitHub", "ConnectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/x"},
     {"GitHubSourceIsComplete"}),
    ({"SourceProvider": "GitHub", "ConnectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/x",
      "FullRepositoryId": "o/r"}, set()),
    ({"SourceProvider": "CodeCommit"}, {"CodeCommitSourceIsComplete"}),
    ({"SourceProvider": "CodeCommit", "CodeCommitRepositoryName": "crypto-market"}, set()),
])
def test_the_chosen_source_provider_is_complete(templates, overrides, failed):
    pipeline = templates["pipeline.yaml"]
    assert failing_rules(pipeline, {"Service": "login", **overrides}) == failed


def test_the_evaluator_refuses_what_it_does_not_know():
    with pytest.raises(UnknownFunction):
        evaluate({"Fn::EachMemberEquals": [["a"], "a"]}, {})
    assert evaluate({"Fn::Not": [{"Fn::Equals": [{"Ref": "X"}, "1"]}]}, {"X": 1}) is False
    assert evaluate({"Fn::Contains": [["1", "2"], {"Ref": "X"}]}, {"X": 2}) is True
