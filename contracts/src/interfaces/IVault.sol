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

    function deposit(address account) external payable;
    function freezePayment(address client, address task, uint256 amount) external;
    function processPayment(address client, address provider, address task, uint256 amount) external;
    function releasePayment(address client, address task) external;

    function isEligible(address account) external view returns (bool);
    function isWhitelisted(address account) external view returns (bool);
    function lockupOf(address account) external view returns (uint256);
    function sanctionOf(address account) external view returns (uint256);
    function MIN_LOCKUP_PER_SOURCE() external view returns (uint256);
    /// @notice Lockup not already backing the account's own active sources (devnet addition, §6.2).
    function availableLockupOf(address account) external view returns (uint256);
}
