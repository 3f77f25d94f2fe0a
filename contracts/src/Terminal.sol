// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IManager} from "./interfaces/IManager.sol";
import {ITerminal} from "./interfaces/ITerminal.sol";
import {IVault} from "./interfaces/IVault.sol";

/// @title Terminal: identity, master/provider pairing, agents and provider data (protocol.md §4.4).
/// @notice Must hold the Manager CONTROLLER role (it grants/revokes PROVIDER on pairing changes).
contract Terminal is ITerminal, Ownable {
    bytes32 public constant PROVIDER = keccak256("PROVIDER");

    address public manager;
    address public vault;
    /// @notice Default agent acting for every master that did not opt out (devnet extension; zero = none).
    address public defaultAgent;

    mapping(address => address) public masterOf;
    mapping(address => address) public providerOf;
    mapping(address => bool) public isMaster;
    mapping(address => bool) public isProvider;
    mapping(address => mapping(address => bool)) public isAgentOf;
    mapping(address => bool) public defaultAgentDisabled;
    mapping(address => string) public baseDataOf;
    mapping(address => string) public liveDataOf;
    /// @notice Provider-side half of the handshake: the master a provider announced (devnet view).
    mapping(address => address) public announcedMasterOf;
    /// @notice Number of confirmed providers of a master (devnet view).
    mapping(address => uint256) public providerCountOf;

    constructor(address _manager, address _vault) Ownable(msg.sender) {
        manager = _manager;
        vault = _vault;
    }

    // ----------------------------------------------------------------------------------- pairing

    function announceMaster(address master) external {
        if (master == address(0)) revert ZeroAddress();
        if (master == msg.sender || isProvider[master]) revert InvalidMaster(master);
        if (isProvider[msg.sender] || isMaster[msg.sender]) revert AlreadyPaired(msg.sender);
        announcedMasterOf[msg.sender] = master;
        emit MasterAnnounced(msg.sender, master);
        if (providerOf[master] == msg.sender) _pair(msg.sender, master);
    }

    function announceProvider(address provider, uint256 amount) external payable {
        if (provider == address(0)) revert ZeroAddress();
        if (provider == msg.sender || isMaster[provider]) revert InvalidProvider(provider);
        if (isProvider[provider] && masterOf[provider] != msg.sender) revert AlreadyPaired(provider);
        if (isProvider[msg.sender]) revert AlreadyPaired(msg.sender);
        if (msg.value != amount) revert InvalidAmount(msg.value, amount);
        providerOf[msg.sender] = provider;
        emit ProviderAnnounced(provider, msg.sender);
        if (announcedMasterOf[provider] == msg.sender && !isProvider[provider]) _pair(provider, msg.sender);
        if (amount > 0) IVault(vault).deposit{value: amount}(provider);
    }

    function _pair(address provider, address master) private {
        masterOf[provider] = master;
        isProvider[provider] = true;
        providerCountOf[master] += 1;
        isMaster[master] = true;
        IManager(manager).grantRole(PROVIDER, provider);
    }

    function removeProvider(address provider) external {
        if (!isProvider[provider]) revert NotProvider(provider);
        address master = masterOf[provider];
        // Explicit per-master grants only: the default agent acts for every master and must not unpair.
        if (msg.sender != provider && msg.sender != master && !isAgentOf[master][msg.sender]) {
            revert NotMaster(msg.sender);
        }
        delete masterOf[provider];
        delete announcedMasterOf[provider];
        delete isProvider[provider];
        if (providerOf[master] == provider) delete providerOf[master];
        uint256 count = providerCountOf[master] - 1;
        providerCountOf[master] = count;
        isMaster[master] = count > 0;
        emit ProviderRemoved(provider);
        IManager(manager).revokeRole(PROVIDER, provider);
    }

    function removeContainer(address provider, address source) external {
        address master = masterOf[provider];
        if (master == address(0) || (msg.sender != master && !getIsAgentOf(master, msg.sender))) {
            revert NotMaster(msg.sender);
        }
        emit RemoveContainer(provider, source);
    }

    // ------------------------------------------------------------------------------------ agents

    function setAgent(address agent, bool value) external {
        if (agent == address(0)) revert ZeroAddress();
        if (agent == msg.sender) revert InvalidAgent(agent);
        // A provider may not grant agents, but may always revoke one granted before it was paired.
        if (value && isProvider[msg.sender]) revert ProviderCannotSetAgent(msg.sender);
        isAgentOf[msg.sender][agent] = value;
        emit AgentSet(msg.sender, agent, value);
    }

    function setDefaultAgentDisabled(bool value) external {
        defaultAgentDisabled[msg.sender] = value;
        emit DefaultAgentDisabled(msg.sender, value);
    }

    // ----------------------------------------------------------------------------- provider data

    function setBaseData(string calldata _baseData) external {
        if (!isProvider[msg.sender]) revert NotProvider(msg.sender);
        baseDataOf[msg.sender] = _baseData;
        emit BaseDataUpdated(msg.sender);
    }

    function setLiveData(string calldata _liveData) external {
        if (!isProvider[msg.sender]) revert NotProvider(msg.sender);
        liveDataOf[msg.sender] = _liveData;
        emit LiveDataUpdated(msg.sender);
    }

    // ------------------------------------------------------------------------------------- views

    function getMasterOf(address provider) external view returns (address) {
        return masterOf[provider];
    }

    function getIsMaster(address master) external view returns (bool) {
        return isMaster[master];
    }

    /// @notice Explicit agent grant, or the default agent for a master that did not opt out.
    function getIsAgentOf(address master, address agent) public view returns (bool) {
        if (isAgentOf[master][agent]) return true;
        address d = defaultAgent;
        return d != address(0) && agent == d && isMaster[master] && !defaultAgentDisabled[master];
    }

    // ------------------------------------------------------------------------------------- admin

    function setManager(address _manager) external onlyOwner {
        if (_manager == address(0)) revert ZeroAddress();
        manager = _manager;
    }

    function setVault(address _vault) external onlyOwner {
        if (_vault == address(0)) revert ZeroAddress();
        vault = _vault;
    }

    /// @notice Set the default agent (devnet extension); zero disables the feature.
    function setDefaultAgent(address agent) external onlyOwner {
        defaultAgent = agent;
    }
}
