// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev Minimal view of the Vault used by the attacker.
interface IVaultLike {
    function deposit(address account) external payable;
    function withdraw(uint256 amount) external;
    function lock(uint256 amount) external;
    function unbond(uint256 amount) external;
    function claim() external;
}

/// @title ReentrantReceiver — TEST ONLY. Never deploy outside tests.
/// @notice A malicious vault account whose `receive()` re-enters the Vault while a withdrawal pays it.
///         `mode` 1 re-enters `withdraw`, 2 re-enters `claim`, 3 rejects the payment. The outcome of the re-entry is recorded
///         (`reentered` = the nested call succeeded, `blockedData` = its revert data).
contract ReentrantReceiver {
    /// @notice The Vault under attack.
    IVaultLike public immutable vault;
    /// @notice Re-entry mode of the next payment (0 none, 1 withdraw, 2 claim, 3 reject).
    uint8 public mode;
    /// @notice Amount the nested `withdraw` asks for.
    uint256 public reentryAmount;
    /// @notice True when a nested call succeeded.
    bool public reentered;
    /// @notice Number of re-entry attempts made.
    uint256 public reentryAttempts;
    /// @notice Revert data of the last blocked nested call.
    bytes public blockedData;

    /// @param vault_ The Vault under attack.
    constructor(address vault_) {
        vault = IVaultLike(vault_);
    }

    /// @notice Receive a Vault payment and make at most one re-entry attempt.
    receive() external payable {
        if (mode == 0) return;
        uint8 m = mode;
        mode = 0; // one re-entry attempt per payment
        reentryAttempts += 1;
        if (m == 1) {
            try vault.withdraw(reentryAmount) {
                reentered = true;
            } catch (bytes memory data) {
                blockedData = data;
            }
        } else if (m == 2) {
            try vault.claim() {
                reentered = true;
            } catch (bytes memory data) {
                blockedData = data;
            }
        } else if (m == 3) {
            revert("payment rejected");
        }
    }

    /// @notice Deposit `msg.value` into this contract's Vault balance.
    function fund() external payable {
        vault.deposit{value: msg.value}(address(this));
    }

    /// @notice Lock `lockAmount` and unbond `unbondAmount` of this contract's Vault funds.
    /// @param lockAmount The amount locked (wei).
    /// @param unbondAmount The amount unbonded (wei).
    function lockAndUnbond(uint256 lockAmount, uint256 unbondAmount) external {
        vault.lock(lockAmount);
        vault.unbond(unbondAmount);
    }

    /// @notice Claim this contract's matured unbonding bucket.
    function claim() external {
        vault.claim();
    }

    /// @notice Withdraw `amount`, re-entering according to `mode_` when the payment arrives.
    /// @param mode_ The re-entry mode.
    /// @param amount The amount withdrawn (wei).
    /// @param reentryAmount_ The amount the nested `withdraw` asks for.
    function attack(uint8 mode_, uint256 amount, uint256 reentryAmount_) external {
        mode = mode_;
        reentryAmount = reentryAmount_;
        vault.withdraw(amount);
        mode = 0;
    }
}
