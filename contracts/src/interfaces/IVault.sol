// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IErrors} from "./IErrors.sol";

/// @title Vault: native-coin balances, stake (lockup), unbonding, task escrow and sanctions.
/// @notice Events carry no indexed parameters. Escrow movements emit no Vault events.
interface IVault is IErrors {
    /// @notice Native coin was credited to `account` (to its lockup when sent by the Terminal).
    /// @param account The credited account.
    /// @param amount The amount (wei).
    event Deposited(address account, uint256 amount);

    /// @notice Liquid balance was paid out to `account`.
    /// @param account The withdrawing account.
    /// @param amount The amount (wei).
    event Withdrawn(address account, uint256 amount);

    /// @notice Balance moved into lockup (or a Terminal deposit was credited to lockup).
    /// @param account The account.
    /// @param amount The amount (wei).
    event Locked(address account, uint256 amount);

    /// @notice Lockup moved into the unbonding bucket (maturity restarts).
    /// @param account The account.
    /// @param amount The amount (wei).
    event Unbonded(address account, uint256 amount);

    /// @notice The unbonding bucket moved back into lockup.
    /// @param account The account.
    /// @param amount The amount (wei).
    event UnbondingCanceled(address account, uint256 amount);

    /// @notice The matured unbonding bucket moved into the liquid balance.
    /// @param account The account.
    /// @param amount The amount (wei).
    event Claimed(address account, uint256 amount);

    /// @notice The judge seized stake into the sanction bucket.
    /// @param account The sanctioned account.
    /// @param amount The amount (wei).
    event Sanctioned(address account, uint256 amount);

    /// @notice The judge returned sanctioned stake to lockup.
    /// @param account The account.
    /// @param amount The amount (wei).
    event Waived(address account, uint256 amount);

    // ------------------------------------------------------------------------------ self-service

    /// @notice Credit `msg.value` to `account`: to its liquid balance, or to its lockup when the Terminal
    ///         sends it (a master funding a provider's stake while announcing it).
    /// @dev Reverts `ZeroAmount` for no value and `ZeroAddress` for the zero account.
    /// @param account The account credited.
    function deposit(address account) external payable;

    /// @notice Pay `amount` of the caller's liquid balance out to the caller.
    /// @dev Reverts `ZeroAmount` or `InsufficientBalance`; `TransferFailed` when the caller rejects the coin.
    /// @param amount The amount (wei).
    function withdraw(uint256 amount) external;

    /// @notice Move `amount` of the caller's liquid balance into its lockup (stake).
    /// @dev Reverts `ZeroAmount` or `InsufficientBalance`.
    /// @param amount The amount (wei).
    function lock(uint256 amount) external;

    /// @notice Move `amount` of the caller's lockup into its unbonding bucket; maturity restarts at
    ///         `block.timestamp + UNBONDING_PERIOD` for the whole bucket.
    /// @dev Reverts `ZeroAmount`, or `InsufficientLockup` above the lockup or when the rest would fall below
    ///      the stake the caller's active sources and stake-requiring registrations hold back.
    /// @param amount The amount (wei).
    function unbond(uint256 amount) external;

    /// @notice Move the caller's whole unbonding bucket back into its lockup.
    /// @dev Reverts `NothingToCancel` when the bucket is empty.
    function cancelUnbonding() external;

    /// @notice Move the caller's matured unbonding bucket into its liquid balance.
    /// @dev Reverts `NothingToClaim` or `UnbondingNotElapsed`.
    function claim() external;

    // ------------------------------------------------------------------------------------ escrow

    /// @notice Open the escrow of `task`: move `amount` of `client`'s liquid balance into it.
    /// @dev Nexus or CONTROLLER holders only, for tasks of this deployment; one escrow per task.
    /// @param client The paying client.
    /// @param task The task the escrow belongs to.
    /// @param amount The task payment (wei).
    function freezePayment(address client, address task, uint256 amount) external;

    /// @notice Close the escrow of `task`, crediting `amount` to the payee of `provider` and the rest back to
    ///         `client`.
    /// @dev The payee is the one the task recorded at submission, else the provider's master, else the
    ///      provider. Nexus or CONTROLLER holders only.
    /// @param client The client that opened the escrow.
    /// @param provider The provider whose response is paid.
    /// @param task The task.
    /// @param amount The amount paid (at most the escrow).
    function processPayment(address client, address provider, address task, uint256 amount) external;

    /// @notice Close the escrow of `task` and refund it to `client` (cancel or expiry).
    /// @dev Nexus or CONTROLLER holders only.
    /// @param client The client that opened the escrow.
    /// @param task The task.
    function releasePayment(address client, address task) external;

    // ------------------------------------------------------------------------------ judge / admin

    /// @notice Seize `amount` of `account`'s stake into its sanction bucket: from the lockup first, then
    ///         from the unbonding bucket (so unbonding ahead of a pending sanction does not escape it).
    /// @dev JUDGE only.
    /// @param account The sanctioned account.
    /// @param amount The amount (wei).
    function sanction(address account, uint256 amount) external;

    /// @notice Return `amount` of `account`'s sanctioned stake to its lockup.
    /// @dev JUDGE only; reverts `InvalidAmount` above the sanctioned amount.
    /// @param account The account.
    /// @param amount The amount (wei).
    function waive(address account, uint256 amount) external;

    /// @notice Pay `account`'s sanctioned stake out to the calling admin (treasury).
    /// @dev DEFAULT_ADMIN_ROLE only; reverts `NothingToClaim` when nothing is sanctioned.
    /// @param account The sanctioned account.
    function withdrawSanctionOf(address account) external;

    /// @notice Exempt `account` from the lockup floor and the sanction check (or end the exemption).
    /// @dev JUDGE or DEFAULT_ADMIN_ROLE.
    /// @param account The account.
    /// @param value True to whitelist.
    function setWhitelist(address account, bool value) external;

    /// @notice Escape hatch: refund a task's open escrow to `client` regardless of the task's state.
    /// @dev JUDGE or DEFAULT_ADMIN_ROLE.
    /// @param client The client that opened the escrow.
    /// @param task The task.
    function forceReleasePayment(address client, address task) external;

    /// @notice Pay out `account`'s liquid balance, lockup and unbonding bucket (escrow and sanctions excluded).
    /// @dev DEFAULT_ADMIN_ROLE only.
    /// @param account The account paid out.
    function emergencyExit(address account) external;

    /// @notice Set the lockup a client needs per active source.
    /// @dev DEFAULT_ADMIN_ROLE only.
    /// @param amount The lockup per source (wei); zero disables the floor.
    function setMinLockupPerSource(uint256 amount) external;

    /// @notice Set the unbonding period.
    /// @dev DEFAULT_ADMIN_ROLE only. Applies to buckets unbonded afterwards.
    /// @param period The period (seconds).
    function setMaxUnbondingPeriod(uint256 period) external;

    /// @notice Set the Terminal whose deposits are credited to lockup.
    /// @dev DEFAULT_ADMIN_ROLE only; reverts `ZeroAddress`.
    /// @param _terminal The Terminal.
    function setTerminal(address _terminal) external;

    // ------------------------------------------------------------------------------------- views

    /// @notice The Manager holding the roles.
    /// @return The Manager's address.
    function manager() external view returns (address);

    /// @notice The Nexus (protocol caller and registry of tasks and active sources).
    /// @return The Nexus's address.
    function nexus() external view returns (address);

    /// @notice The Terminal whose deposits are credited to lockup.
    /// @return The Terminal's address.
    function terminal() external view returns (address);

    /// @notice Lockup a client needs per active source.
    /// @return The amount (wei).
    function MIN_LOCKUP_PER_SOURCE() external view returns (uint256);

    /// @notice Seconds an unbonding bucket takes to mature.
    /// @return The period (seconds).
    function UNBONDING_PERIOD() external view returns (uint256);

    /// @notice Total stake currently held in sanction buckets.
    /// @return The amount (wei).
    function sanctionedAmount() external view returns (uint256);

    /// @notice Liquid balance of `account`.
    /// @param account The account.
    /// @return The amount (wei).
    function balanceOf(address account) external view returns (uint256);

    /// @notice Same as `balanceOf`.
    /// @param account The account.
    /// @return The amount (wei).
    function getBalanceOf(address account) external view returns (uint256);

    /// @notice Lockup (stake) of `account`.
    /// @param account The account.
    /// @return The amount (wei).
    function lockupOf(address account) external view returns (uint256);

    /// @notice Same as `lockupOf`.
    /// @param account The account.
    /// @return The amount (wei).
    function getLockupOf(address account) external view returns (uint256);

    /// @notice Unbonding bucket of `account`.
    /// @param account The account.
    /// @return The amount (wei).
    function unbondingOf(address account) external view returns (uint256);

    /// @notice When `account`'s unbonding bucket matures (zero when empty).
    /// @param account The account.
    /// @return The unix time (seconds).
    function unbondingTimestamp(address account) external view returns (uint256);

    /// @notice Everything ever paid for `account`'s work (as provider, or as master of the provider).
    /// @param account The provider or master.
    /// @return The amount (wei).
    function totalEarningsOf(address account) external view returns (uint256);

    /// @notice Sanction bucket of `account`.
    /// @param account The account.
    /// @return The amount (wei).
    function sanctionOf(address account) external view returns (uint256);

    /// @notice Whether `account` is exempt from the lockup floor and the sanction check.
    /// @param account The account.
    /// @return True when whitelisted.
    function isWhitelisted(address account) external view returns (bool);

    /// @notice Open escrow of a task, or aggregate open escrow of a client.
    /// @param account A task or a client.
    /// @return The amount (wei).
    function frozenPayment(address account) external view returns (uint256);

    /// @notice Whether `account` passes the eligibility check of `register` and `attempt`: whitelisted, or
    ///         unsanctioned with the lockup its own active sources require.
    /// @param account The account.
    /// @return True when eligible.
    function isEligible(address account) external view returns (bool);

    /// @notice Lockup not already backing the account's own active sources (devnet addition).
    /// @param account The account.
    /// @return The amount (wei).
    function availableLockupOf(address account) external view returns (uint256);
}
