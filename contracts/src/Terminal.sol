// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IManager} from "./interfaces/IManager.sol";
import {ITerminal} from "./interfaces/ITerminal.sol";
import {IVault} from "./interfaces/IVault.sol";

/// @title Terminal: identity, master/provider pairing, agents and provider data (docs/protocol.md, "Contracts and roles").
/// @notice Must hold the Manager CONTROLLER role (it grants/revokes PROVIDER on pairing changes).
contract Terminal is ITerminal, Ownable {
    /// @inheritdoc ITerminal
    bytes32 public constant PROVIDER = keccak256("PROVIDER");

    /// @inheritdoc ITerminal
    address public manager;
    /// @inheritdoc ITerminal
    address public vault;
    /// @inheritdoc ITerminal
    address public defaultAgent;

    /// @inheritdoc ITerminal
    mapping(address => address) public masterOf;
    /// @inheritdoc ITerminal
    mapping(address => address) public providerOf;
    /// @inheritdoc ITerminal
    mapping(address => bool) public isMaster;
    /// @inheritdoc ITerminal
    mapping(address => bool) public isProvider;
    /// @inheritdoc ITerminal
    mapping(address => mapping(address => bool)) public isAgentOf;
    /// @inheritdoc ITerminal
    mapping(address => bool) public defaultAgentDisabled;
    /// @inheritdoc ITerminal
    mapping(address => string) public baseDataOf;
    /// @inheritdoc ITerminal
    mapping(address => string) public liveDataOf;
    /// @inheritdoc ITerminal
    mapping(address => address) public announcedMasterOf;
    /// @inheritdoc ITerminal
    mapping(address => uint256) public providerCountOf;

    /// @param _manager The Manager whose PROVIDER role the Terminal grants.
    /// @param _vault The Vault that receives stake sent with `announceProvider`.
    constructor(address _manager, address _vault) Ownable(msg.sender) {
        manager = _manager;
        vault = _vault;
    }

    // ----------------------------------------------------------------------------------- pairing

    /// @inheritdoc ITerminal
    function announceMaster(address master) external {
        if (master == address(0)) revert ZeroAddress();
        if (master == msg.sender || isProvider[master]) revert InvalidMaster(master);
        if (isProvider[msg.sender] || isMaster[msg.sender]) revert AlreadyPaired(msg.sender);
        announcedMasterOf[msg.sender] = master;
        emit MasterAnnounced(msg.sender, master);
        if (providerOf[master] == msg.sender) _pair(msg.sender, master);
    }

    /// @inheritdoc ITerminal
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

    /// @inheritdoc ITerminal
    function removeProvider(address provider) external {
        _checkProvider(provider);
        address master = masterOf[provider];
        _checkProviderOrMaster(provider, master);
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

    /// @inheritdoc ITerminal
    function removeContainer(address provider, address source) external {
        _checkMasterOperator(provider);
        emit RemoveContainer(provider, source);
    }

    // ------------------------------------------------------------------------------------ agents

    /// @inheritdoc ITerminal
    function setAgent(address agent, bool value) external {
        if (agent == address(0)) revert ZeroAddress();
        if (agent == msg.sender) revert InvalidAgent(agent);
        // A provider may not grant agents, but may always revoke one granted before it was paired.
        if (value && isProvider[msg.sender]) revert ProviderCannotSetAgent(msg.sender);
        isAgentOf[msg.sender][agent] = value;
        emit AgentSet(msg.sender, agent, value);
    }

    /// @inheritdoc ITerminal
    function setDefaultAgentDisabled(bool value) external {
        defaultAgentDisabled[msg.sender] = value;
        emit DefaultAgentDisabled(msg.sender, value);
    }

    // ----------------------------------------------------------------------------- provider data

    /// @inheritdoc ITerminal
    function setBaseData(string calldata _baseData) external {
        _checkProvider(msg.sender);
        baseDataOf[msg.sender] = _baseData;
        emit BaseDataUpdated(msg.sender);
    }

    /// @inheritdoc ITerminal
    function setLiveData(string calldata _liveData) external {
        _checkProvider(msg.sender);
        liveDataOf[msg.sender] = _liveData;
        emit LiveDataUpdated(msg.sender);
    }

    // ------------------------------------------------------------------------------------- admin

    /// @inheritdoc ITerminal
    function setManager(address _manager) external onlyOwner {
        if (_manager == address(0)) revert ZeroAddress();
        manager = _manager;
    }

    /// @inheritdoc ITerminal
    function setVault(address _vault) external onlyOwner {
        if (_vault == address(0)) revert ZeroAddress();
        vault = _vault;
    }

    /// @inheritdoc ITerminal
    function setDefaultAgent(address agent) external onlyOwner {
        defaultAgent = agent;
    }

    // ------------------------------------------------------------------------------------- views

    /// @inheritdoc ITerminal
    function getMasterOf(address provider) external view returns (address) {
        return masterOf[provider];
    }

    /// @inheritdoc ITerminal
    function getIsMaster(address master) external view returns (bool) {
        return isMaster[master];
    }

    /// @inheritdoc ITerminal
    function getIsAgentOf(address master, address agent) public view returns (bool) {
        if (isAgentOf[master][agent]) return true;
        address d = defaultAgent;
        return d != address(0) && agent == d && isMaster[master] && !defaultAgentDisabled[master];
    }

    // ---------------------------------------------------------------------------------- internal

    /// @dev Pair `provider` with `master` and grant the provider PROVIDER.
    function _pair(address provider, address master) private {
        masterOf[provider] = master;
        isProvider[provider] = true;
        providerCountOf[master] += 1;
        isMaster[master] = true;
        IManager(manager).grantRole(PROVIDER, provider);
    }

    /// @dev Reverts `NotProvider(account)` unless `account` is a paired provider.
    function _checkProvider(address account) private view {
        if (!isProvider[account]) revert NotProvider(account);
    }

    /// @dev Reverts `NotMaster` unless the caller is `provider`, its `master` or an explicit agent of the
    ///      master: the default agent acts for every master and must not unpair.
    function _checkProviderOrMaster(address provider, address master) private view {
        if (msg.sender != provider && msg.sender != master && !isAgentOf[master][msg.sender]) {
            revert NotMaster(msg.sender);
        }
    }

    /// @dev Reverts `NotMaster` unless `provider` is paired and the caller is its master or an agent of the
    ///      master (the default agent included).
    function _checkMasterOperator(address provider) private view {
        address master = masterOf[provider];
        if (master == address(0) || (msg.sender != master && !getIsAgentOf(master, msg.sender))) {
            revert NotMaster(msg.sender);
        }
    }
}
