"""Reading docker/compose.yml, docker/Dockerfile, .env.example and the Makefile the way Docker and make would
(no Docker engine runs here): YAML with merge keys, ${VAR} interpolation, Dockerfile stages and apt lists."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker" / "compose.yml"
DOCKERFILE = REPO / "docker" / "Dockerfile"
ENV_EXAMPLE = REPO / ".env.example"
MAKEFILE = REPO / "Makefile"

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}; $$ is a literal $
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text("utf-8"))


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text("utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def required_variables() -> set[str]:
    """The variables compose refuses to start without (``${VAR:?message}``)."""
    return {m.group(1) for m in _VAR.finditer(COMPOSE.read_text("utf-8")) if m.group(2) in (":?", "?")}


def filled_env() -> dict[str, str]:
    """.env.example with the required blanks filled in, as an operator must before `compose up`."""
    required = required_variables()
    return {name: value or (f"x{name.lower()}0" if name in required else "") for name, value in env_example().items()}


def variables(value) -> set[str]:
    """Every ${VAR} a compose value interpolates."""
    if isinstance(value, dict):
        return set().union(*(variables(v) for v in value.values()), *(variables(k) for k in value)) if value else set()
    if isinstance(value, list):
        return set().union(*(variables(v) for v in value)) if value else set()
    if isinstance(value, str):
        return {m.group(1) or m.group(4) for m in _VAR.finditer(value) if m.group(0) != "$$"}
    return set()


def interpolate(value, env: dict[str, str]):
    """Compose's interpolation: a missing required variable raises, as `docker compose config` would fail."""
    if isinstance(value, dict):
        return {interpolate(k, env): interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group(1) or m.group(4), m.group(2), m.group(3)
        current = env.get(name)
        if op in (":-", "-"):
            return current if current or (op == "-" and current is not None) else arg
        if op in (":?", "?") and (current is None or (op == ":?" and not current)):
            raise KeyError(f"{name}: {arg}")
        return current or ""

    return _VAR.sub(one, value)


def dockerfile_stages() -> list[tuple[str, list[str]]]:
    """(FROM line, instructions) per stage; continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text("utf-8"))
    stages: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append((line, []))
        elif stages:
            stages[-1][1].append(line)
    return stages


def apt_packages(instructions: list[str]) -> set[str]:
    packages = set()
    for line in instructions:
        for command in re.split(r"&&|;", line):
            words = shlex.split(command)
            if "apt-get" in words and "install" in words:
                after = words[words.index("install") + 1:]
                packages |= {w for w in after if not w.startswith("-")}
    return packages


def makefile_debs() -> set[str]:
    match = re.search(r"^DEBS\s*:?=\s*(.+)$", MAKEFILE.read_text("utf-8"), re.M)
    return set(match.group(1).split())


def exec_form(line: str, keyword: str) -> list[str] | None:
    import json

    if line.upper().startswith(keyword + " "):
        return json.loads(line[len(keyword) + 1:].strip())
    return None
