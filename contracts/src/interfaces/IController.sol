// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IErrors} from "./IErrors.sol";
import {TaskParams} from "../Types.sol";

/// @title Controller: client-side task lifecycle and escrow orchestration.
/// @notice Emits no events of its own: TaskPublished/TaskStatusChanged/ResponseStatusChanged come from the Nexus.
interface IController is IErrors {
    /// @notice Publish a task on `_taskParams.source` and escrow its payment from the source client's Vault
    ///         balance. The caller is the client or an agent the client granted.
    /// @dev The task is a clone of `taskImplementation()` owned by the Nexus. Reverts `UnknownSource`,
    ///      `SourceInactive`, `NotOwner`, `Expired` (expiry not in the future), `ExpiryTooLong`,
    ///      `InsufficientPayment`, then the Vault's `InsufficientBalance`.
    /// @param _taskParams The task parameters.
    function publishTask(TaskParams calldata _taskParams) external;

    /// @notice Cancel a NEW task, or expire an attempted one past its expiry, refunding the escrow.
    /// @dev Client or its agent. Reverts `UnknownTask`, `NotOwner`, `AlreadyFinalized` (attempted and not yet
    ///      expired, or finished) or `Expired` (already EXPIRED).
    /// @param task The task.
    function cancelTask(address task) external;

    /// @notice Confirm `response` (MANUAL delivery): the task is FINALIZED and the response's payment goes to
    ///         the payee recorded at submission, the rest of the escrow back to the client.
    /// @dev Client or its agent. Reverts `UnknownResponse`, `NotOwner`, `AlreadyConfirmed`, `AlreadyFinalized`,
    ///      `Expired` or `NotAttempted` (the task is not RESPONDED).
    /// @param response The response.
    function confirmResponse(address response) external;

    /// @notice Set the Nexus.
    /// @dev Owner only; reverts `ZeroAddress`.
    /// @param _nexus The Nexus.
    function setNexus(address _nexus) external;

    /// @notice Set the Terminal (client agents).
    /// @dev Owner only; reverts `ZeroAddress`.
    /// @param _terminal The Terminal.
    function setTerminal(address _terminal) external;

    /// @notice Set the Vault (escrow).
    /// @dev Owner only; reverts `ZeroAddress`.
    /// @param _vault The Vault.
    function setVault(address _vault) external;

    /// @notice The Task implementation every task is cloned from (devnet addition).
    /// @return The implementation's address.
    function taskImplementation() external view returns (address);

    /// @notice The Nexus (registry and event hub).
    /// @return The Nexus's address.
    function nexus() external view returns (address);

    /// @notice The Terminal (client agents).
    /// @return The Terminal's address.
    function terminal() external view returns (address);

    /// @notice The Vault (escrow).
    /// @return The Vault's address.
    function vault() external view returns (address);
}
