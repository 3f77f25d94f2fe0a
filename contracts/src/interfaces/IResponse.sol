// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IErrors} from "./IErrors.sol";
import {ResponseParams, ResponseStatus} from "../Types.sol";

/// @title Response: one provider's answer to a task; an EIP-1167 clone owned by the Nexus.
interface IResponse is IErrors {
    /// @notice Initialise a fresh clone (once); `owner_` (the Nexus) becomes owner.
    /// @param params The response parameters.
    /// @param owner_ The Nexus.
    function initialize(ResponseParams calldata params, address owner_) external;

    /// @notice Mark the response confirmed.
    /// @dev Owner only; reverts `AlreadyConfirmed`.
    function confirm() external;

    /// @notice Set the ResponseStatus.
    /// @dev Owner only; reverts `InvalidParams` for a value out of range.
    /// @param status_ The new status (0 SUBMITTED, 1 CONFIRMED).
    function setStatus(uint8 status_) external;

    /// @notice The current status.
    /// @return SUBMITTED or CONFIRMED.
    function status() external view returns (ResponseStatus);

    /// @notice Same as `status`, as a number.
    /// @return 0 SUBMITTED, 1 CONFIRMED.
    function getStatus() external view returns (uint8);

    /// @notice Whether the response was confirmed (what the SDK's `is_confirmed()` reads).
    /// @return True once confirmed.
    function confirmedFinal() external view returns (bool);

    /// @notice Block time of submission.
    /// @return The unix time (seconds).
    function responseTimestamp() external view returns (uint256);

    /// @notice The response parameters (same outputs as the official public struct getter).
    /// @return task The task.
    /// @return provider The provider.
    /// @return data The response data (usually an IPFS gateway URL).
    /// @return payment The payment asked (wei).
    function responseParams()
        external
        view
        returns (address task, address provider, string memory data, uint256 payment);

    /// @notice The response parameters as a struct.
    /// @return The parameters.
    function getResponseParams() external view returns (ResponseParams memory);

    /// @notice Compact read of task, provider, payment and confirmation (devnet addition).
    /// @return task The task.
    /// @return provider The provider.
    /// @return payment The payment asked (wei).
    /// @return confirmed Whether the response was confirmed.
    function getTerms() external view returns (address task, address provider, uint256 payment, bool confirmed);
}
