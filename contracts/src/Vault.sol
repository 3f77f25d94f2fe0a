// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IManager} from "./interfaces/IManager.sol";
import {INexus} from "./interfaces/INexus.sol";
import {ITask} from "./interfaces/ITask.sol";
import {ITerminal} from "./interfaces/ITerminal.sol";
import {IVault} from "./interfaces/IVault.sol";

/// @title Vault: native-coin balances, stake, unbonding, task escrow and sanctions (docs/protocol.md, "Money flows").
/// @notice Not Ownable: admin functions are gated by Manager roles (DEFAULT_ADMIN_ROLE, JUDGE).
///         `frozenPayment(a)` is dual-keyed: a task's open escrow, or a client's aggregate escrow.
///         Solvency: balance == Σ(balanceOf + lockupOf + unbondingOf + sanctionOf) + Σ_tasks frozenPayment.
/// @dev Functions that send native coin are `nonReentrant` (transient-storage lock, EIP-1153) and update
///      state before the transfer.
contract Vault is IVault, ReentrancyGuardTransient {
    /// @dev Escrow record of one task, packed in one slot.
    struct Escrow {
        address client;
        uint88 amount;
        bool settled;
    }

    bytes32 private constant DEFAULT_ADMIN_ROLE = 0x00;
    bytes32 private constant JUDGE = keccak256("JUDGE");
    bytes32 private constant CONTROLLER = keccak256("CONTROLLER");

    /// @inheritdoc IVault
    address public immutable manager;
    /// @inheritdoc IVault
    address public immutable nexus;
    /// @inheritdoc IVault
    address public terminal;

    /// @inheritdoc IVault
    uint256 public MIN_LOCKUP_PER_SOURCE;
    /// @inheritdoc IVault
    uint256 public UNBONDING_PERIOD;
    /// @inheritdoc IVault
    uint256 public sanctionedAmount;

    /// @inheritdoc IVault
    mapping(address => uint256) public balanceOf;
    /// @inheritdoc IVault
    mapping(address => uint256) public lockupOf;
    /// @inheritdoc IVault
    mapping(address => uint256) public unbondingOf;
    /// @inheritdoc IVault
    mapping(address => uint256) public unbondingTimestamp;
    /// @inheritdoc IVault
    mapping(address => uint256) public totalEarningsOf;
    /// @inheritdoc IVault
    mapping(address => uint256) public sanctionOf;
    /// @inheritdoc IVault
    mapping(address => bool) public isWhitelisted;
    /// @dev Open (or settled) escrow of each task.
    mapping(address => Escrow) private _escrow;
    /// @dev Aggregate open escrow of each client.
    mapping(address => uint256) private _clientFrozen;

    /// @dev Caller is the Nexus or a CONTROLLER holder, and `task` is a task of this deployment (so a
    ///      stray CONTROLLER key cannot open or settle an escrow for an address of its choosing).
    modifier onlyProtocol(address task) {
        _checkProtocol(task);
        _;
    }

    /// @dev Caller holds DEFAULT_ADMIN_ROLE.
    modifier onlyAdmin() {
        _checkAdmin();
        _;
    }

    /// @dev Caller holds JUDGE.
    modifier onlyJudge() {
        _checkJudge();
        _;
    }

    /// @dev Caller holds JUDGE or DEFAULT_ADMIN_ROLE.
    modifier onlyJudgeOrAdmin() {
        _checkJudgeOrAdmin();
        _;
    }

    /// @param _manager The Manager holding the roles.
    /// @param _nexus The Nexus (protocol caller, registry of tasks and active sources).
    /// @param _terminal The Terminal whose deposits are credited to lockup.
    constructor(address _manager, address _nexus, address _terminal) {
        manager = _manager;
        nexus = _nexus;
        terminal = _terminal;
    }

    // ------------------------------------------------------------------------------ self-service

    /// @inheritdoc IVault
    function deposit(address account) external payable {
        if (msg.value == 0) revert ZeroAmount();
        if (account == address(0)) revert ZeroAddress();
        emit Deposited(account, msg.value);
        if (msg.sender == terminal) {
            lockupOf[account] += msg.value;
            emit Locked(account, msg.value);
        } else {
            balanceOf[account] += msg.value;
        }
    }

    /// @inheritdoc IVault
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 bal = balanceOf[msg.sender];
        if (amount > bal) revert InsufficientBalance(msg.sender, amount, bal);
        balanceOf[msg.sender] = bal - amount;
        emit Withdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    /// @inheritdoc IVault
    function lock(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 bal = balanceOf[msg.sender];
        if (amount > bal) revert InsufficientBalance(msg.sender, amount, bal);
        balanceOf[msg.sender] = bal - amount;
        lockupOf[msg.sender] += amount;
        emit Locked(msg.sender, amount);
    }

    /// @inheritdoc IVault
    function unbond(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 locked = lockupOf[msg.sender];
        if (amount > locked) revert InsufficientLockup(msg.sender, amount, locked);
        uint256 floor = _requiredLockup(msg.sender) + INexus(nexus).requiredStakeOf(msg.sender);
        if (locked - amount < floor) revert InsufficientLockup(msg.sender, floor + amount, locked);
        lockupOf[msg.sender] = locked - amount;
        unbondingOf[msg.sender] += amount;
        unbondingTimestamp[msg.sender] = block.timestamp + UNBONDING_PERIOD;
        emit Unbonded(msg.sender, amount);
    }

    /// @inheritdoc IVault
    function cancelUnbonding() external {
        uint256 amount = unbondingOf[msg.sender];
        if (amount == 0) revert NothingToCancel(msg.sender);
        unbondingOf[msg.sender] = 0;
        unbondingTimestamp[msg.sender] = 0;
        lockupOf[msg.sender] += amount;
        emit UnbondingCanceled(msg.sender, amount);
    }

    /// @inheritdoc IVault
    function claim() external nonReentrant {
        uint256 amount = unbondingOf[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        uint256 maturity = unbondingTimestamp[msg.sender];
        if (block.timestamp < maturity) revert UnbondingNotElapsed(msg.sender, maturity - block.timestamp);
        unbondingOf[msg.sender] = 0;
        unbondingTimestamp[msg.sender] = 0;
        balanceOf[msg.sender] += amount;
        emit Claimed(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------ escrow

    /// @inheritdoc IVault
    function freezePayment(address client, address task, uint256 amount) external onlyProtocol(task) {
        if (client == address(0) || task == address(0)) revert ZeroAddress();
        if (_escrow[task].client != address(0)) revert InvalidParams();
        uint256 bal = balanceOf[client];
        if (amount > bal) revert InsufficientBalance(client, amount, bal);
        balanceOf[client] = bal - amount;
        _escrow[task] = Escrow(client, SafeCast.toUint88(amount), false);
        _clientFrozen[client] += amount;
    }

    /// @inheritdoc IVault
    function processPayment(address client, address provider, address task, uint256 amount)
        external
        onlyProtocol(task)
    {
        uint256 escrowed = _settle(client, task);
        if (amount > escrowed) revert InvalidPayment(amount, escrowed);
        // The payee recorded when the response was submitted; else (FIRST_RESPONSE pays in the same
        // transaction) the provider's master now, or the provider itself when unpaired.
        address payee = ITask(task).payeeOf(provider);
        if (payee == address(0)) {
            payee = ITerminal(terminal).getMasterOf(provider);
            if (payee == address(0)) payee = provider;
        }
        balanceOf[payee] += amount;
        totalEarningsOf[provider] += amount;
        if (payee != provider) totalEarningsOf[payee] += amount;
        if (escrowed > amount) balanceOf[client] += escrowed - amount;
    }

    /// @inheritdoc IVault
    function releasePayment(address client, address task) external onlyProtocol(task) {
        balanceOf[client] += _settle(client, task);
    }

    // ------------------------------------------------------------------------------ judge / admin

    /// @inheritdoc IVault
    function sanction(address account, uint256 amount) external onlyJudge {
        if (amount == 0) revert ZeroAmount();
        uint256 locked = lockupOf[account];
        uint256 unbonding = unbondingOf[account];
        if (amount > locked + unbonding) revert InsufficientLockup(account, amount, locked + unbonding);
        if (amount <= locked) {
            lockupOf[account] = locked - amount;
        } else {
            lockupOf[account] = 0;
            unbondingOf[account] = unbonding - (amount - locked);
        }
        sanctionOf[account] += amount;
        sanctionedAmount += amount;
        emit Sanctioned(account, amount);
    }

    /// @inheritdoc IVault
    function waive(address account, uint256 amount) external onlyJudge {
        uint256 sanctioned = sanctionOf[account];
        if (amount > sanctioned) revert InvalidAmount(amount, sanctioned);
        sanctionOf[account] = sanctioned - amount;
        sanctionedAmount -= amount;
        lockupOf[account] += amount;
        emit Waived(account, amount);
    }

    /// @inheritdoc IVault
    function withdrawSanctionOf(address account) external onlyAdmin nonReentrant {
        uint256 amount = sanctionOf[account];
        if (amount == 0) revert NothingToClaim(account);
        sanctionOf[account] = 0;
        sanctionedAmount -= amount;
        _send(msg.sender, amount);
    }

    /// @inheritdoc IVault
    function setWhitelist(address account, bool value) external onlyJudgeOrAdmin {
        isWhitelisted[account] = value;
    }

    /// @inheritdoc IVault
    function forceReleasePayment(address client, address task) external onlyJudgeOrAdmin {
        balanceOf[client] += _settle(client, task);
    }

    /// @inheritdoc IVault
    function emergencyExit(address account) external onlyAdmin nonReentrant {
        uint256 amount = balanceOf[account] + lockupOf[account] + unbondingOf[account];
        balanceOf[account] = 0;
        lockupOf[account] = 0;
        unbondingOf[account] = 0;
        unbondingTimestamp[account] = 0;
        if (amount > 0) _send(account, amount);
    }

    /// @inheritdoc IVault
    function setMinLockupPerSource(uint256 amount) external onlyAdmin {
        MIN_LOCKUP_PER_SOURCE = amount;
    }

    /// @inheritdoc IVault
    function setMaxUnbondingPeriod(uint256 period) external onlyAdmin {
        UNBONDING_PERIOD = period;
    }

    /// @inheritdoc IVault
    function setTerminal(address _terminal) external onlyAdmin {
        if (_terminal == address(0)) revert ZeroAddress();
        terminal = _terminal;
    }

    // ------------------------------------------------------------------------------------- views

    /// @inheritdoc IVault
    function getBalanceOf(address account) external view returns (uint256) {
        return balanceOf[account];
    }

    /// @inheritdoc IVault
    function getLockupOf(address account) external view returns (uint256) {
        return lockupOf[account];
    }

    /// @inheritdoc IVault
    function frozenPayment(address account) external view returns (uint256) {
        return _escrow[account].amount + _clientFrozen[account];
    }

    /// @inheritdoc IVault
    function availableLockupOf(address account) external view returns (uint256) {
        uint256 locked = lockupOf[account];
        uint256 required = _requiredLockup(account);
        return locked > required ? locked - required : 0;
    }

    /// @inheritdoc IVault
    function isEligible(address account) public view returns (bool) {
        if (isWhitelisted[account]) return true;
        return sanctionOf[account] == 0 && lockupOf[account] >= _requiredLockup(account);
    }

    // ---------------------------------------------------------------------------------- internal

    /// @dev Reverts `NotController` unless the caller is the Nexus or a CONTROLLER holder, then `UnknownTask`
    ///      unless `task` is a task of this deployment.
    function _checkProtocol(address task) internal view {
        if (msg.sender != nexus && !IManager(manager).hasRole(CONTROLLER, msg.sender)) {
            revert NotController(msg.sender);
        }
        if (!INexus(nexus).isTask(task)) revert UnknownTask(task);
    }

    /// @dev Reverts `NotAdmin` unless the caller holds DEFAULT_ADMIN_ROLE.
    function _checkAdmin() internal view {
        if (!IManager(manager).hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) revert NotAdmin(msg.sender);
    }

    /// @dev Reverts `NotJudge` unless the caller holds JUDGE.
    function _checkJudge() internal view {
        if (!IManager(manager).hasRole(JUDGE, msg.sender)) revert NotJudge(msg.sender);
    }

    /// @dev Reverts `NotJudge` unless the caller holds JUDGE or DEFAULT_ADMIN_ROLE.
    function _checkJudgeOrAdmin() internal view {
        IManager m = IManager(manager);
        if (!m.hasRole(JUDGE, msg.sender) && !m.hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotJudge(msg.sender);
        }
    }

    /// @dev Client-side lockup floor: MIN_LOCKUP_PER_SOURCE × active sources (0 when whitelisted).
    function _requiredLockup(address account) internal view returns (uint256) {
        uint256 perSource = MIN_LOCKUP_PER_SOURCE;
        if (perSource == 0 || isWhitelisted[account]) return 0;
        return perSource * INexus(nexus).activeSourceCountOf(account);
    }

    /// @dev Close the open escrow of `task` (owned by `client`) and return its amount; `EscrowNotFound` when
    ///      there is none, it belongs to another client, or it was settled.
    function _settle(address client, address task) private returns (uint256 amount) {
        Escrow storage e = _escrow[task];
        if (e.client == address(0) || e.client != client || e.settled) revert EscrowNotFound(task);
        amount = e.amount;
        e.amount = 0;
        e.settled = true;
        _clientFrozen[client] -= amount;
    }

    /// @dev Send `amount` of native coin to `to`; `TransferFailed` when the recipient rejects it.
    function _send(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
