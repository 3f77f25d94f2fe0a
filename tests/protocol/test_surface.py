"""The protocol layer's public surface: every contract function has a wrapper, official names kept."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from types import ModuleType

import pytest

import ogpu.protocol as protocol
from ogpu import agent
from ogpu.chain.artifacts import load_abi  # type: ignore[attr-defined,unused-ignore]
from ogpu.protocol import (
    Master,
    Provider,
    Response,
    Source,
    Task,
    controller,
    manager,
    nexus,
    terminal,
    vault,
)

MODULES: dict[str, ModuleType] = {
    "Nexus": nexus,
    "Controller": controller,
    "Terminal": terminal,
    "Vault": vault,
    "Manager": manager,
}

# Views whose wrapper is not simply get_<snake name> (duplicate getters share one wrapper).
RENAMED: dict[str, dict[str, str]] = {
    "Nexus": {
        "CONTROLLER": "get_controller_role",
        "PROVIDER": "get_provider_role",
        "activeSourceCountOf": "get_active_source_count",
        "checkController": "is_controller",
        "clients": "get_client_at",
        "sourceId": "get_source_id",
        "sources": "get_source_at",
        "sourcesOf": "get_source_of",
    },
    "Terminal": {
        "PROVIDER": "get_provider_role",
        "getMasterOf": "get_master_of",
        "getIsMaster": "is_master",
        "defaultAgentDisabled": "is_default_agent_disabled",
    },
    "Vault": {
        "MIN_LOCKUP_PER_SOURCE": "get_min_lockup_per_source",
        "UNBONDING_PERIOD": "get_unbonding_period",
        "getBalanceOf": "get_balance_of",
        "getLockupOf": "get_lockup_of",
    },
    "Manager": {
        "CONTROLLER": "get_controller_role",
        "PROVIDER": "get_provider_role",
        "JUDGE": "get_judge_role",
        "DEFAULT_ADMIN_ROLE": "get_default_admin_role",
    },
    "Controller": {},
}

INSTANCE_VIEWS: dict[type, dict[str, str]] = {
    Source: {
        "getClient": "get_client",
        "getRegistrantCount": "get_registrant_count",
        "getRegistrantId": "get_registrant_id",
        "registrantId": "get_registrant_id",
        "getRegistrants": "get_registrants",
        "registrants": "get_registrant_at",
        "getSourceParams": "get_params",
        "sourceParams": "get_params",
        "getStatus": "get_status",
        "status": "get_status",
        "getTaskCount": "get_task_count",
        "getTasks": "get_tasks",
        "tasks": "get_task_at",
        "nexus": "get_nexus",
        "owner": "get_owner",
        "preferredEnvironmentOf": "get_preferred_environment_of",
    },
    Task: {
        "attemptTimestamps": "get_attempt_timestamp_at",
        "getAttemptTimestamps": "get_attempt_timestamps",
        "attempterId": "get_attempter_id",
        "getAttempterId": "get_attempter_id",
        "attempters": "get_attempter_at",
        "getAttempters": "get_attempters",
        "deliveryMethod": "get_delivery_method",
        "getDeliveryMethod": "get_delivery_method",
        "getAttemptCount": "get_attempt_count",
        "getExpiryTime": "get_expiry_time",
        "getPayment": "get_payment",
        "getResponsesOf": "get_responses",
        "getSource": "get_source",
        "getStatus": "get_status",
        "status": "get_status",
        "isAlreadySubmitted": "is_already_submitted",
        "owner": "get_owner",
        "payeeOf": "get_payee_of",
        "responseOf": "get_response_of",
        "taskParams": "get_params",
        "winningProvider": "get_winning_provider",
    },
    Response: {
        "confirmedFinal": "is_confirmed",
        "getResponseParams": "get_params",
        "responseParams": "get_params",
        "getStatus": "get_status",
        "status": "get_status",
        "owner": "get_owner",
        "responseTimestamp": "get_timestamp",
    },
}

#: Packed views the contracts use among themselves; every field is in the object's snapshot().
INTERNAL_VIEWS = {"getTerms"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _expected(contract: str, entry: dict[str, object]) -> str:
    name = str(entry["name"])
    if entry["stateMutability"] not in ("view", "pure"):
        return _snake(name)
    if name in RENAMED[contract]:
        return RENAMED[contract][name]
    snake = _snake(name)
    if snake.startswith(("get_", "is_", "has_", "supports_")):
        return snake
    return "get_" + snake


@pytest.mark.parametrize("contract", sorted(MODULES))
def test_every_singleton_function_is_wrapped(contract: str) -> None:
    module = MODULES[contract]
    missing = [
        f"{e['name']} -> {_expected(contract, e)}"
        for e in load_abi(contract)
        if e["type"] == "function" and not hasattr(module, _expected(contract, e))
    ]
    assert missing == []
    for name in module.__all__:
        assert callable(getattr(module, name)), name


@pytest.mark.parametrize("cls", [Source, Task, Response], ids=lambda c: c.__name__)
def test_every_instance_view_is_a_method(cls: type) -> None:
    views = {
        str(e["name"])
        for e in load_abi(cls.__name__)
        if e["type"] == "function"
        and e["stateMutability"] == "view"
        and e["name"] not in INTERNAL_VIEWS
    }
    assert views == set(INSTANCE_VIEWS[cls])
    assert [m for m in INSTANCE_VIEWS[cls].values() if not callable(getattr(cls, m, None))] == []


# The official SDK 0.2.3 names that must keep working.
OFFICIAL = {
    nexus: "publish_source extract_source_address update_source inactivate_source register unregister attempt",
    controller: "publish_task confirm_response extract_task_address cancel_task",
    terminal: (
        "set_agent revoke_agent announce_master announce_provider remove_provider remove_container "
        "set_default_agent_disabled get_master_of get_provider_of get_base_data_of get_live_data_of "
        "is_master is_provider is_agent_of is_default_agent_disabled"
    ),
    vault: (
        "deposit withdraw lock unbond cancel_unbonding claim get_balance_of get_lockup_of get_unbonding_of "
        "get_unbonding_timestamp get_total_earnings_of get_frozen_payment get_sanction_of is_eligible "
        "is_whitelisted get_min_lockup_per_source get_unbonding_period"
    ),
    Source: (
        "load snapshot get_client get_status get_params get_metadata get_task_count get_tasks "
        "get_registrant_count get_registrants get_registrant_id get_preferred_environment_of set_status "
        "set_params inactivate"
    ),
    Task: (
        "load snapshot get_source get_status get_params get_metadata get_payment get_expiry_time "
        "get_delivery_method get_attempt_count get_attempters get_attempter_id get_attempt_timestamps "
        "get_response_of get_responses get_confirmed_response get_winning_provider is_already_submitted cancel"
    ),
    Response: "load snapshot get_task get_params get_data fetch_data get_status get_timestamp is_confirmed confirm",
    Provider: (
        "load snapshot get_master get_base_data get_live_data is_provider get_default_agent_disabled get_balance "
        "get_lockup get_unbonding get_unbonding_timestamp get_total_earnings get_frozen_payment get_sanction "
        "is_eligible is_whitelisted announce_master set_default_agent_disabled register_to unregister_from "
        "attempt stake unstake cancel_unbonding claim_earnings deposit_to_vault withdraw_from_vault"
    ),
    Master: (
        "load snapshot get_provider is_master get_balance get_lockup get_unbonding get_total_earnings "
        "get_frozen_payment is_eligible is_whitelisted announce_provider remove_provider remove_container "
        "set_agent stake unstake cancel_unbonding claim_earnings deposit_to_vault withdraw_from_vault"
    ),
}


@pytest.mark.parametrize("owner", list(OFFICIAL), ids=lambda o: getattr(o, "__name__", str(o)))
def test_official_names_exist(owner: object) -> None:
    assert [n for n in OFFICIAL[owner].split() if not callable(getattr(owner, n, None))] == []  # type: ignore[index]


def test_package_exports() -> None:
    assert sorted(protocol.__all__) == sorted(set(protocol.__all__))
    for name in protocol.__all__:
        assert getattr(protocol, name) is not None
    assert {"Source", "Task", "Response", "Provider", "Master", "nexus", "vault"} <= set(
        protocol.__all__
    )


def test_load_contract_compat(session: object, deployment: object) -> None:
    from ogpu.protocol import load_contract

    vault_contract = load_contract("VaultAbi", session=session)  # type: ignore[arg-type]
    assert vault_contract.address == deployment.vault  # type: ignore[attr-defined]
    assert vault_contract.functions.UNBONDING_PERIOD().call() == 600
    with pytest.raises(ValueError):
        load_contract("Task", session=session)  # type: ignore[arg-type]


# Official signatures: positional parameters in order, then ``*keyword-only`` ones, as in the
# official SDK 0.2.3 (writes add ``session`` and the typed ``**tx`` keywords of TxOptions).
OFFICIAL_SIGNATURES: dict[Callable[..., object], str] = {
    nexus.publish_source: "params *signer",
    nexus.update_source: "source_address params *signer",
    nexus.inactivate_source: "source_address *signer",
    nexus.register: "source provider env *signer",
    nexus.unregister: "source provider *signer",
    nexus.attempt: "task provider suggested_payment *signer",
    nexus.extract_source_address: "receipt",
    controller.publish_task: "params *signer *receipt_timeout *deadline *budget",
    controller.confirm_response: "response_address *signer",
    controller.cancel_task: "task_address *signer",
    controller.extract_task_address: "receipt",
    terminal.set_agent: "agent value *signer",
    terminal.revoke_agent: "agent *signer",
    terminal.announce_master: "master_address *signer",
    terminal.announce_provider: "provider amount *signer",
    terminal.remove_provider: "provider *signer",
    terminal.remove_container: "provider source *signer",
    terminal.set_default_agent_disabled: "value *signer",
    terminal.get_master_of: "provider",
    terminal.get_provider_of: "master",
    terminal.get_base_data_of: "provider",
    terminal.get_live_data_of: "provider",
    terminal.is_master: "address",
    terminal.is_provider: "address",
    terminal.is_agent_of: "account agent",
    terminal.is_default_agent_disabled: "address",
    vault.deposit: "account amount *signer",
    vault.withdraw: "amount *signer",
    vault.lock: "amount *signer",
    vault.unbond: "amount *signer",
    vault.cancel_unbonding: "*signer",
    vault.claim: "*signer",
    vault.get_balance_of: "address",
    vault.get_min_lockup_per_source: "",
    vault.get_unbonding_period: "",
    agent.register_to: "source provider env private_key",
    agent.unregister_from: "source provider private_key",
    agent.attempt: "task provider suggested_payment private_key",
    Source: "address chain",
    Task: "address chain",
    Response: "address chain",
    Provider: "address chain",
    Master: "address chain",
    Source.load: "address chain",
    Source.set_status: "status *signer",
    Source.set_params: "params *signer",
    Source.get_tasks: "lower upper",
    Task.get_attempters: "lower upper",
    Task.get_response_of: "provider",
    Task.is_already_submitted: "hash_bytes",
    Task.cancel: "*signer",
    Response.confirm: "*signer",
    Provider.register_to: "source env *signer",
    Provider.attempt: "task suggested_payment *signer",
    Provider.stake: "amount *signer",
    Provider.deposit_to_vault: "amount *signer",
    Master.announce_provider: "provider amount *signer",
    Master.remove_container: "provider source *signer",
    Master.set_agent: "agent value *signer",
}


def _signature(target: Callable[..., object]) -> inspect.Signature:
    return inspect.signature(target.__init__ if isinstance(target, type) else target)


@pytest.mark.parametrize(
    "target", list(OFFICIAL_SIGNATURES), ids=lambda t: getattr(t, "__qualname__", str(t))
)
def test_official_signatures(target: Callable[..., object]) -> None:
    params = [p for p in _signature(target).parameters.values() if p.name != "self"]
    positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    keyword_only = {p.name for p in params if p.kind is p.KEYWORD_ONLY}
    expected = OFFICIAL_SIGNATURES[target].split()
    assert positional == [n for n in expected if not n.startswith("*")]
    assert {n[1:] for n in expected if n.startswith("*")} <= keyword_only
    assert all(p.default is not p.empty for p in params if p.name in ("chain", "private_key"))


def _writes() -> list[Callable[..., object]]:
    found = []
    for module in MODULES.values():
        for name in module.__all__:
            target = getattr(module, name)
            if "signer" in inspect.signature(target).parameters:
                found.append(target)
    return found


@pytest.mark.parametrize("write", _writes(), ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_writes_take_typed_keywords_not_an_open_kwargs(write: Callable[..., object]) -> None:
    """Every write takes ``signer``/``session`` keyword-only and the TxOptions keywords typed
    through ``**tx: Unpack[Tx]`` (Tx = TxOptions) (mypy checks names and types; a typo is a TypeError)."""
    params = inspect.signature(write).parameters
    assert params["signer"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["session"].kind is inspect.Parameter.KEYWORD_ONLY
    var = [p for p in params.values() if p.kind is p.VAR_KEYWORD]
    assert [(p.name, str(p.annotation)) for p in var] == [("tx", "Unpack[Tx]")]


@pytest.mark.parametrize("module", list(MODULES.values()), ids=lambda m: m.__name__)
def test_built_wrappers_are_named_and_placed_as_the_functions_they_are(module: ModuleType) -> None:
    """The wrappers ``protocol._wrappers`` builds answer to their module attribute name, live in
    that module and carry a docstring, as a ``def`` there would."""
    built = [
        (name, fn)
        for name in module.__all__
        if inspect.isfunction(fn := getattr(module, name))
        and fn.__code__.co_filename.endswith("_wrappers.py")
    ]
    assert built
    for name, fn in built:
        assert (fn.__name__, fn.__qualname__, fn.__module__) == (name, name, module.__name__)
        assert fn.__doc__
