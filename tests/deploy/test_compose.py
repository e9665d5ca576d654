"""docker/compose.yml, docker/Dockerfile and .env.example, checked as far as possible without a Docker engine:
they parse, refer only to services/volumes/networks that exist, set only settings svidok reads (and every one
the scale-out stack needs), run only real `svidok` commands, and install the Makefile's Debian packages."""
from __future__ import annotations

import tomllib
import warnings
from collections.abc import Mapping

import click
import pytest
from elastic_transport.client_utils import url_to_node_config
from sqlalchemy.engine import make_url

from archive_schema.settings import Settings
from search_api.cli import cli
from tests.deploy.compose_file import (
    REPO, apt_packages, dockerfile_stages, env_example, exec_form, filled_env, interpolate, load_compose, makefile_debs,
    variables,
)

#: what the scale-out stack must set, or svidok would quietly run embedded inside each container
REQUIRED = {"SVIDOK_HOME", "SVIDOK_DATABASE_URL", "SVIDOK_BROKER_URL", "SVIDOK_SEARCH_URL", "SVIDOK_BLOB_URL",
            "SVIDOK_SECRET_KEY"}
FILLED = filled_env()


class Recording(Mapping):
    """An environment that remembers which names were looked up."""

    def __init__(self, values: dict[str, str]):
        self.values, self.read = values, set()

    def __getitem__(self, name):
        self.read.add(name)
        return self.values[name]

    def get(self, name, default=None):
        self.read.add(name)
        return self.values.get(name, default)

    def __iter__(self):
        return iter(self.values)

    def __len__(self):
        return len(self.values)


@pytest.fixture(scope="module")
def compose() -> dict:
    return interpolate(load_compose(), FILLED)


def svidok_services(compose: dict) -> dict[str, dict]:
    return {name: s for name, s in compose["services"].items() if s.get("build", {}).get("dockerfile") ==
            "docker/Dockerfile"}


def parse_svidok(args: list[str]) -> list[str]:
    """Parse args as `svidok` would (unknown commands and options raise); returns the command path."""
    with warnings.catch_warnings():  # click 8.2 deprecates protected_args, where a group leaves its subcommand
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx = cli.make_context("svidok", list(args))
        path, command = ["svidok"], cli
        rest = [*ctx.protected_args, *ctx.args]
        while isinstance(command, click.Group):
            name, command, rest = command.resolve_command(ctx, rest)
            ctx = command.make_context(name, list(rest), parent=ctx)
            rest = [*getattr(ctx, "protected_args", []), *ctx.args]
            path.append(name)
    return path


def test_every_reference_points_at_something_defined(compose):
    services, volumes, networks = compose["services"], compose.get("volumes", {}), compose.get("networks", {})
    assert {"app", "worker", "postgres", "redis", "elasticsearch", "minio"} <= set(services)
    for name, service in services.items():
        assert "image" in service, f"{name} has no pinned image"
        image = service["image"]
        assert ":" in image and not image.endswith(":latest") or name in svidok_services(compose), image
        for dep in service.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown service {dep}"
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in volumes, f"{name} mounts unknown volume {source}"
        for net in service.get("networks", []):
            assert net in networks, f"{name} joins unknown network {net}"
    used = {m.split(":", 1)[0] for s in services.values() for m in s.get("volumes", [])}
    assert set(volumes) <= used, f"volumes nobody mounts: {set(volumes) - used}"


def test_depends_on_has_no_cycle_and_setup_jobs_finish_before_svidok_starts(compose):
    services = compose["services"]

    def visit(name, stack=()):
        assert name not in stack, f"dependency cycle: {' -> '.join((*stack, name))}"
        for dep in services[name].get("depends_on", {}):
            visit(dep, (*stack, name))

    for name in services:
        visit(name)
    for name in ("app", "worker"):
        deps = services[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully"
        assert deps["minio-setup"]["condition"] == "service_completed_successfully"
        assert deps["es-setup"]["condition"] == "service_completed_successfully"


def test_env_example_defines_exactly_what_compose_interpolates():
    raw = load_compose()
    used = variables(raw)
    defined = set(env_example())
    assert used <= defined, f"compose uses variables .env.example does not mention: {used - defined}"
    assert defined <= used, f".env.example has variables compose never uses: {defined - used}"
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):  # a blank secret stops `compose up`
        interpolate(raw, {**FILLED, "POSTGRES_PASSWORD": ""})


def test_svidok_services_set_only_settings_svidok_reads_and_all_it_needs(compose):
    probe = Recording({})
    Settings.from_env(probe)
    readable = {name for name in probe.read if name.startswith("SVIDOK_")}
    for name, service in svidok_services(compose).items():
        env = {k: str(v) for k, v in service["environment"].items()}
        set_here = {k for k in env if k.startswith("SVIDOK_")}
        assert set_here <= readable, f"{name} sets settings svidok never reads: {set_here - readable}"
        assert REQUIRED <= set_here, f"{name} leaves {REQUIRED - set_here} at the embedded default"
        settings = Settings.from_env(env)
        assert make_url(settings.database_url).get_dialect().name == "postgresql"
        assert settings.broker_url.startswith("redis://") and not settings.broker_is_embedded
        assert settings.blob_url.startswith("s3://svidok-blobs/")
        assert env["AWS_ENDPOINT_URL"] == "http://minio:9000"  # boto3 reads it: the blobs go to MinIO
        # the search URL carries the app user's credentials; the client turns them into basic auth
        node = url_to_node_config(settings.search_url, use_default_ports_for_scheme=True)
        assert (node.host, node.port) == ("elasticsearch", 9200)
        assert node.headers["authorization"].startswith("Basic ")


def test_svidok_containers_run_real_svidok_commands(compose):
    stages = dockerfile_stages()
    runtime = stages[-1][1]
    entrypoint = next(filter(None, (exec_form(i, "ENTRYPOINT") for i in runtime)))
    default = next(filter(None, (exec_form(i, "CMD") for i in runtime)))
    assert entrypoint == ["svidok"]
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert "svidok" in scripts  # the console script the entrypoint runs
    assert parse_svidok(default)[:2] == ["svidok", "serve"]
    commands = {name: parse_svidok(s["command"]) for name, s in svidok_services(compose).items()}
    assert commands["app"] == ["svidok", "serve"]
    assert commands["worker"] == ["svidok", "worker"]
    assert commands["migrate"] == ["svidok", "db", "upgrade"]
    with pytest.raises(click.UsageError):  # the check can fail: an option svidok does not have
        parse_svidok(["worker", "--no-such-option"])


def test_dockerfile_is_multi_stage_non_root_with_the_makefile_packages_and_a_healthcheck():
    stages = dockerfile_stages()
    assert len(stages) >= 2
    base = (REPO / "docker" / "Dockerfile").read_text("utf-8")
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in base
    assert all(line.startswith("FROM ${PYTHON_IMAGE} AS ") for line, _ in stages)
    assert "AS builder" in stages[0][0] and "AS runtime" in stages[-1][0]
    runtime = stages[-1][1]
    assert apt_packages(runtime) == makefile_debs() - {"chromium"}
    users = [i.split()[1] for i in runtime if i.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(i.startswith("COPY --from=builder") for i in runtime)
    health = [i for i in runtime if i.upper().startswith("HEALTHCHECK ")]
    assert len(health) == 1 and " CMD " in health[0]
    code = exec_form(health[0][health[0].index("CMD "):], "CMD")
    compile(code[2], "healthcheck", "exec")  # the probe is valid Python
    # everything the image copies exists, and every package pyproject installs is copied
    copied = {w for i in stages[0][1] if i.startswith("COPY ") for w in i.split()[1:-1]}
    assert all((REPO / name).exists() for name in copied)
    packages = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"]
    assert {p.rstrip("*") for p in packages["find"]["include"]} <= copied


def test_worker_healthcheck_is_valid_python(compose):
    test = compose["services"]["worker"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "worker-healthcheck", "exec")
