// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IErrors} from "./IErrors.sol";
import {TaskParams} from "../Types.sol";

/// @title Controller: client-side task lifecycle and escrow orchestration.
/// @notice Emits no events of its own: TaskPublished/TaskStatusChanged/ResponseStatusChanged come from the Nexus.
interface IController is IErrors {
    function publishTask(TaskParams calldata params) external;
    function cancelTask(address task) external;
    function confirmResponse(address response) external;
    /// @notice The Task implementation every task is cloned from (devnet addition).
    function taskImplementation() external view returns (address);
}
