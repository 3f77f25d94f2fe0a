// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IErrors} from "./IErrors.sol";

/// @title Terminal: identity, master/provider pairing, agents, provider self-reported data.
/// @notice Events carry no indexed parameters (the official SDK decodes them unfiltered).
interface ITerminal is IErrors {
    /// @notice A provider announced its master (provider-side half of the pairing handshake).
    /// @param provider The announcing provider (msg.sender).
    /// @param master The announced master.
    event MasterAnnounced(address provider, address master);

    /// @notice A master announced a provider (master-side half of the pairing handshake).
    /// @param provider The announced provider.
    /// @param master The announcing master (msg.sender).
    event ProviderAnnounced(address provider, address master);

    /// @notice A provider was unpaired from its master (PROVIDER role revoked).
    /// @param provider The removed provider.
    event ProviderRemoved(address provider);

    /// @notice Signal to the provider app to remove the container of `source` on `provider`.
    /// @param provider The provider.
    /// @param source The source whose container should be removed.
    event RemoveContainer(address provider, address source);

    /// @notice A principal (client or master) granted or revoked an agent.
    /// @param account The principal (msg.sender).
    /// @param agent The agent.
    /// @param value True when granted.
    event AgentSet(address account, address agent, bool value);

    /// @notice A master opted out of (or back into) the default agent.
    /// @param master The master (msg.sender).
    /// @param value True when the default agent is disabled.
    event DefaultAgentDisabled(address master, bool value);

    /// @notice A provider updated its base (hardware) data.
    /// @param provider The provider.
    event BaseDataUpdated(address provider);

    /// @notice A provider updated its live (status) data.
    /// @param provider The provider.
    event LiveDataUpdated(address provider);

    // ----------------------------------------------------------------------------------- pairing

    /// @notice Provider side of the pairing handshake: the caller (a provider key) names its master. Pairs
    ///         the two when the master already announced the caller.
    /// @dev Reverts `ZeroAddress`, `InvalidMaster` (self or a provider) or `AlreadyPaired` (the caller is
    ///      already a provider or a master).
    /// @param master The master.
    function announceMaster(address master) external;

    /// @notice Master side of the pairing handshake: the caller names `provider` and may fund its stake with
    ///         `amount` (credited to the provider's Vault lockup). Pairs the two when the provider already
    ///         announced the caller.
    /// @dev Reverts `ZeroAddress`, `InvalidProvider` (self or a master), `AlreadyPaired`, or `InvalidAmount`
    ///      when `msg.value` differs from `amount`.
    /// @param provider The provider.
    /// @param amount The stake sent along (wei), equal to `msg.value`.
    function announceProvider(address provider, uint256 amount) external payable;

    /// @notice Unpair `provider` from its master and revoke its PROVIDER role.
    /// @dev The provider, its master or an explicit agent of the master (not the default agent); else
    ///      `NotMaster`. Reverts `NotProvider` for an unpaired account.
    /// @param provider The provider.
    function removeProvider(address provider) external;

    /// @notice Ask the provider app of `provider` to remove the container of `source` (event only).
    /// @dev The provider's master or an agent of the master (the default agent included); else `NotMaster`.
    /// @param provider The provider.
    /// @param source The source whose container should go.
    function removeContainer(address provider, address source) external;

    // ------------------------------------------------------------------------------------ agents

    /// @notice Grant or revoke `agent` the right to act in the caller's name (as client or master).
    /// @dev Reverts `ZeroAddress`, `InvalidAgent` (the caller itself) or `ProviderCannotSetAgent` (a provider
    ///      may revoke an agent granted before it was paired, but never grant one).
    /// @param agent The agent.
    /// @param value True to grant, false to revoke.
    function setAgent(address agent, bool value) external;

    /// @notice Opt the calling master out of (or back into) the default agent.
    /// @param value True to disable the default agent for the caller.
    function setDefaultAgentDisabled(bool value) external;

    // ----------------------------------------------------------------------------- provider data

    /// @notice Store the calling provider's base (hardware) data.
    /// @dev Paired providers only (`NotProvider`).
    /// @param _baseData The data (JSON text).
    function setBaseData(string calldata _baseData) external;

    /// @notice Store the calling provider's live (status) data.
    /// @dev Paired providers only (`NotProvider`).
    /// @param _liveData The data (JSON text).
    function setLiveData(string calldata _liveData) external;

    // ------------------------------------------------------------------------------------- admin

    /// @notice Set the Manager whose PROVIDER role the Terminal grants.
    /// @dev Owner only; reverts `ZeroAddress`.
    /// @param _manager The Manager.
    function setManager(address _manager) external;

    /// @notice Set the Vault that receives stake sent with `announceProvider`.
    /// @dev Owner only; reverts `ZeroAddress`.
    /// @param _vault The Vault.
    function setVault(address _vault) external;

    /// @notice Set the default agent acting for every master that did not opt out (devnet addition).
    /// @dev Owner only; zero disables the feature.
    /// @param agent The default agent.
    function setDefaultAgent(address agent) external;

    // ------------------------------------------------------------------------------------- views

    /// @notice The PROVIDER role identifier.
    /// @return keccak256("PROVIDER").
    function PROVIDER() external view returns (bytes32);

    /// @notice The Manager whose PROVIDER role the Terminal grants.
    /// @return The Manager's address.
    function manager() external view returns (address);

    /// @notice The Vault that receives stake sent with `announceProvider`.
    /// @return The Vault's address.
    function vault() external view returns (address);

    /// @notice The default agent acting for every master that did not opt out (devnet addition).
    /// @return The agent, zero when there is none.
    function defaultAgent() external view returns (address);

    /// @notice The master `provider` is paired with.
    /// @param provider The provider.
    /// @return The master, zero when unpaired.
    function masterOf(address provider) external view returns (address);

    /// @notice Same as `masterOf`.
    /// @param provider The provider.
    /// @return The master, zero when unpaired.
    function getMasterOf(address provider) external view returns (address);

    /// @notice The provider `master` last announced (master side of the handshake).
    /// @param master The master.
    /// @return The provider, zero when none was announced or after that provider's removal.
    function providerOf(address master) external view returns (address);

    /// @notice The master a provider announced (provider side of the handshake; devnet addition).
    /// @param provider The provider.
    /// @return The master, zero when none.
    function announcedMasterOf(address provider) external view returns (address);

    /// @notice Whether `master` has at least one paired provider.
    /// @param master The account.
    /// @return True for a master.
    function isMaster(address master) external view returns (bool);

    /// @notice Same as `isMaster`.
    /// @param master The account.
    /// @return True for a master.
    function getIsMaster(address master) external view returns (bool);

    /// @notice Whether `provider` is paired with a master.
    /// @param provider The account.
    /// @return True for a paired provider.
    function isProvider(address provider) external view returns (bool);

    /// @notice Number of paired providers of `master` (devnet addition).
    /// @param master The master.
    /// @return The count.
    function providerCountOf(address master) external view returns (uint256);

    /// @notice Whether `principal` explicitly granted `agent` (the default agent not included).
    /// @param principal The client or master.
    /// @param agent The agent.
    /// @return True when granted.
    function isAgentOf(address principal, address agent) external view returns (bool);

    /// @notice Whether `agent` acts for `master`: an explicit grant, or the default agent for a master that
    ///         did not opt out.
    /// @param master The master.
    /// @param agent The agent.
    /// @return True when `agent` may act for `master`.
    function getIsAgentOf(address master, address agent) external view returns (bool);

    /// @notice Whether `master` opted out of the default agent.
    /// @param master The master.
    /// @return True when opted out.
    function defaultAgentDisabled(address master) external view returns (bool);

    /// @notice Base (hardware) data `provider` reported.
    /// @param provider The provider.
    /// @return The data (JSON text).
    function baseDataOf(address provider) external view returns (string memory);

    /// @notice Live (status) data `provider` reported.
    /// @param provider The provider.
    /// @return The data (JSON text).
    function liveDataOf(address provider) external view returns (string memory);
}
