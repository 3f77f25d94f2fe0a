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

    function announceMaster(address master) external;
    function announceProvider(address provider, uint256 amount) external payable;
    function removeProvider(address provider) external;
    function removeContainer(address provider, address source) external;
    function setAgent(address agent, bool value) external;
    function setDefaultAgentDisabled(bool value) external;
    function setBaseData(string calldata data) external;
    function setLiveData(string calldata data) external;

    function masterOf(address provider) external view returns (address);
    function isAgentOf(address principal, address agent) external view returns (bool);
    function getMasterOf(address provider) external view returns (address);
    function getIsMaster(address master) external view returns (bool);
    function getIsAgentOf(address master, address agent) external view returns (bool);
    /// @notice The default agent acting for every master that did not opt out (devnet addition; zero = none).
    function defaultAgent() external view returns (address);
}
