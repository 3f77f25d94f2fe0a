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
    IVaultLike public immutable vault;
    uint8 public mode;
    uint256 public reentryAmount;
    bool public reentered;
    uint256 public reentryAttempts;
    bytes public blockedData;

    constructor(address vault_) {
        vault = IVaultLike(vault_);
    }

    function fund() external payable {
        vault.deposit{value: msg.value}(address(this));
    }

    function lockAndUnbond(uint256 lockAmount, uint256 unbondAmount) external {
        vault.lock(lockAmount);
        vault.unbond(unbondAmount);
    }

    function claim() external {
        vault.claim();
    }

    /// @notice Withdraw `amount`, re-entering according to `mode_` when the payment arrives.
    function attack(uint8 mode_, uint256 amount, uint256 reentryAmount_) external {
        mode = mode_;
        reentryAmount = reentryAmount_;
        vault.withdraw(amount);
        mode = 0;
    }

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
}
