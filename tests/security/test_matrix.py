"""Must-show 1: the authorisation matrix, generated from the app's route table and the CLI's command tree.

Every route (each method) x every kind of actor (anonymous; each role outside and inside the case) x every item
classification x inside/outside the case. A route or command without a policy action fails here; so does any
answer that lets someone in who should be refused, or refuses someone who should be let in:

- not allowed to do the action at all: 401 when anonymous (the sign-in page on web paths), else 403;
- an item or case the actor may not see: exactly the answer for an id that does not exist (404; no IDOR);
- otherwise: neither 401 nor 403, and never a 5xx.

Who may see which item is written out in ``conftest.expected_to_see`` (the issue's matrix), not taken from the
policy module; which role may do which action is the policy's documented table (``policy.ROLE_ACTIONS``).
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import delete

from archive_schema import policy
from archive_schema.models import Outbox
from search_api.auth import endpoint_action
from search_api.cli import cli
from search_api.commands.users import COMMAND_ACTIONS, iter_commands

from .conftest import ACTORS, CLASSIFICATIONS, csrf_for, expected_to_see

MISSING_ID = "0190aaaa-0000-7000-8000-000000000000"  # well-formed, never issued
DEFAULTS = {"number": 1, "code": "en", "filename": "nothing.css", "username": "nobody", "entity_id": MISSING_ID,
            "other_id": MISSING_ID, "inquiry_id": MISSING_ID}


def routes(app) -> list[tuple[object, str]]:
    """(rule, method) for every route; signing out last, so the others keep their session."""
    found = [(rule, method) for rule in app.url_map.iter_rules()
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda rm: ("sign_out" in rm[0].endpoint, rm[0].rule, rm[1]))


def actor_of(world, name: str) -> policy.Actor:
    if name == "anonymous":
        return policy.ANONYMOUS
    role = name.removesuffix("-member")
    return policy.Actor(name, role, cases={world.case_id: "lead"} if name.endswith("-member") else {})


def variants(world, rule) -> list[tuple[dict, str | None, bool | None]]:
    """Path values to try: (values, classification of the item, whether it is in the case)."""
    base = {name: DEFAULTS.get(name, "x") for name in rule.arguments}
    if "case_id" in rule.arguments:
        base["case_id"] = world.case_id
    if "exhibit_id" in rule.arguments:
        base["exhibit_id"] = world.exhibit_id
    if "item_id" not in rule.arguments:
        return [(base, None, None)]
    return [({**base, "item_id": world.items[(c, in_case)]}, c, in_case)
            for c in CLASSIFICATIONS for in_case in (True, False)]


def request(client, method: str, url: str, csrf: str | None):
    headers = {"X-CSRF-Token": csrf} if csrf and method != "GET" else {}
    return client.open(url, method=method, headers=headers)


def refused_anonymously(response, url: str) -> bool:
    if response.status_code == 401:
        return True
    return url.startswith("/api/") is False and response.status_code in (302, 303) and \
        "sign-in" in response.headers.get("Location", "")


def test_every_route_and_command_declares_a_policy_action(world):
    undeclared = sorted({rule.endpoint for rule, _ in routes(world.app)
                         if endpoint_action(world.app, rule.endpoint) is None})
    assert not undeclared, f"routes without a policy action (decorate them with auth.requires): {undeclared}"
    commands = [path for path, _ in iter_commands(cli)]
    assert "user add" in commands and "audit verify" in commands
    missing = sorted(set(commands) - set(COMMAND_ACTIONS))
    assert not missing, f"commands without a policy action (add them to COMMAND_ACTIONS): {missing}"
    assert set(COMMAND_ACTIONS.values()) <= set(policy.ACTIONS)


@pytest.mark.parametrize("who", ACTORS)
def test_route_matrix(world, who):
    app, client = world.app, world.clients[who]
    actor = actor_of(world, who)
    member = who.endswith("-member")
    csrf = csrf_for(client)
    adapter = app.url_map.bind("localhost")
    wrong = []
    for rule, method in routes(app):
        action = endpoint_action(app, rule.endpoint)
        for values, classification, in_case in variants(world, rule):
            url = adapter.build(rule.endpoint, values, method=method)
            response = request(client, method, url, csrf)
            status = response.status_code
            where = f"{who} {method} {url} ({action}, {classification}, in case: {in_case}) -> {status}"
            if status >= 500:
                wrong.append(f"{where}: server error")
            elif action is None or not policy.may(actor, action):
                if who == "anonymous" and not refused_anonymously(response, url):
                    wrong.append(f"{where}: anonymous not refused with 401")
                elif who != "anonymous" and status != 403:
                    wrong.append(f"{where}: expected 403")
            elif classification is not None and not expected_to_see(who, classification, in_case):
                missing = request(client, method, adapter.build(rule.endpoint, {**values, "item_id": MISSING_ID},
                                                                method=method), csrf)
                if status != missing.status_code or status < 300:
                    wrong.append(f"{where}: a hidden item must answer as a missing one ({missing.status_code})")
            elif "case_id" in values and not (member or actor.is_admin):
                missing = request(client, method, adapter.build(rule.endpoint, {**values, "case_id": MISSING_ID},
                                                                method=method), csrf)
                if status != missing.status_code or status < 300:
                    wrong.append(f"{where}: someone else's case must answer as a missing one ({missing.status_code})")
            elif status == 403 or (status == 401 and action != policy.PUBLIC):  # a failed sign-in is a 401
                wrong.append(f"{where}: refused, but the policy allows it")
            elif classification is not None and method == "GET" and url.startswith("/api/") and status == 404:
                wrong.append(f"{where}: a visible item answered 404")
    assert not wrong, "\n".join(wrong[:40]) + (f"\n… and {len(wrong) - 40} more" if len(wrong) > 40 else "")


def test_the_matrix_covers_every_classification_and_membership(world):
    """The corners the issue names: under_seal only for admins and the case's members; viewers only public."""
    for classification in CLASSIFICATIONS:
        for in_case in (True, False):
            item = world.items[(classification, in_case)]
            seen = {who for who in ACTORS
                    if world.clients[who].get(f"/api/v1/items/{item}").status_code == 200}
            assert seen == {who for who in ACTORS if expected_to_see(who, classification, in_case)}, (
                classification, in_case)
    sealed_outside = world.items[("under_seal", False)]
    assert {who for who in ACTORS if world.clients[who].get(f"/api/v1/items/{sealed_outside}").status_code == 200
            } == {"admin", "admin-member"}


def test_status_counts_only_the_items_the_caller_may_see(world):
    """How many sealed or confidential items exist is not for everyone to learn from /status.

    Other tests add items to this archive, so each actor's count is held against what that actor may list;
    the listing itself is checked against the written-out matrix above.
    """
    totals = {}
    for who in ACTORS:
        response = world.clients[who].get("/api/v1/status")
        if response.status_code != 200:
            continue  # not allowed to read the status at all
        body = response.get_json()
        listed = world.clients[who].get("/api/v1/items", query_string={"size": 1}).get_json()["total"]
        assert body["total"] == listed, who
        assert sum(body["stages"]["extract"].values()) == listed, who
        totals[who] = listed
    hidden_from_viewers = sum(not expected_to_see("viewer", c, in_case)
                              for c in CLASSIFICATIONS for in_case in (True, False))
    assert totals["admin"] - totals["viewer"] >= hidden_from_viewers == 4


def test_status_counts_pending_work_only_for_items_the_caller_may_see(world):
    """Work waiting for a sealed item is not counted for a viewer: it would tell them the item exists."""
    db = world.app.extensions["svidok"].db

    def promise(item: str) -> int:
        with db.sessions.begin() as session:
            row = Outbox(topic="index", key=item, payload={})
            session.add(row)
            session.flush()
            return row.id

    def pending(who: str) -> int:
        return world.clients[who].get("/api/v1/status").get_json()["outbox_pending"]

    before = {who: pending(who) for who in ("admin", "viewer")}
    added = [promise(world.items[("under_seal", False)])]
    try:
        assert (pending("admin"), pending("viewer")) == (before["admin"] + 1, before["viewer"])
        added.append(promise(world.items[("public", False)]))
        assert (pending("admin"), pending("viewer")) == (before["admin"] + 2, before["viewer"] + 1)
    finally:
        with db.sessions.begin() as session:
            session.execute(delete(Outbox).where(Outbox.id.in_(added)))


# --- the CLI ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_env(world):
    return {"SVIDOK_HOME": str(world.home), "SVIDOK_STAGES": "extract"}


class Allowed(Exception):
    """Raised where a command would start running: the policy let it through."""


@pytest.mark.parametrize("role", [r for r in ACTORS if r != "anonymous" and not r.endswith("-member")])
def test_command_matrix(world, cli_env, role, monkeypatch):
    """Every command run ``--as`` each role is refused exactly when the policy refuses the role its action.

    Nothing runs: the step after the policy check (``policy.acting_as`` around the command's own code) is
    replaced by raising ``Allowed``."""
    from search_api.commands import users

    def stop(actor):
        raise Allowed(actor.name)

    monkeypatch.setattr(users.policy, "acting_as", stop)
    runner = CliRunner()
    actor = actor_of(world, role)
    wrong = []
    for path, command in iter_commands(cli):
        action = COMMAND_ACTIONS[path]
        args = ["--as", role, *path.split(), *_minimal_arguments(command, world)]
        result = runner.invoke(cli, args, env=cli_env)
        if isinstance(result.exception, Allowed):
            if not policy.may(actor, action):
                wrong.append(f"{role}: `svidok {path}` ({action}) was let through")
        elif "may not run" in result.output:
            if policy.may(actor, action):
                wrong.append(f"{role}: `svidok {path}` ({action}) was refused")
        else:
            wrong.append(f"{role}: `svidok {path}` never reached the policy: {args} -> {result.output[-300:]}")
    assert not wrong, "\n".join(wrong)


def _minimal_arguments(command, world) -> list[str]:
    """Values for the command's required arguments and options, so click lets the call reach the policy."""
    import click

    def value(param) -> str:
        kind = param.type
        if isinstance(kind, click.Choice):
            return str(list(kind.choices)[0])
        if isinstance(kind, click.Path):
            return str(world.home if getattr(kind, "dir_okay", True) else world.home / "svidok.db")
        if isinstance(kind, click.DateTime):
            return "2022-01-01"
        if kind.name in ("integer", "integer range", "float", "float range"):
            return "1"
        return "x"

    out: list[str] = []
    for param in command.params:
        if isinstance(param, click.Argument) and param.required:
            out += [value(param)] * (param.nargs if param.nargs > 0 else 1)
        elif isinstance(param, click.Option) and param.required:
            out += [param.opts[0], value(param)]
    return out


def test_a_command_acts_as_the_given_user_and_sees_only_their_items(world, cli_env):
    runner = CliRunner()
    sealed = world.items[("under_seal", True)]
    env = {**cli_env}
    shown = runner.invoke(cli, ["--as", "viewer", "case", "show", world.case_id, "--json"], env=env)
    assert shown.exit_code != 0 and world.case_id in shown.output  # "no case …": not a member
    member = runner.invoke(cli, ["--as", "viewer-member", "case", "show", world.case_id, "--json"], env=env)
    assert member.exit_code == 0, member.output
    assert sealed in member.output
    unknown = runner.invoke(cli, ["--as", "ghost", "user", "list"], env=env)
    assert unknown.exit_code != 0 and "no such active user" in unknown.output
    operator = runner.invoke(cli, ["user", "list", "--json"], env=env)
    assert operator.exit_code == 0 and '"viewer-member"' in operator.output
