// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IErrors} from "./IErrors.sol";
import {TaskParams, TaskStatus} from "../Types.sol";

/// @title Task: one job with an escrowed payment; an EIP-1167 clone owned by the Nexus.
/// @notice Every state-changing function is the owner's (the Nexus's); clients and providers act through the
///         Controller and the Nexus.
interface ITask is IErrors {
    /// @notice Initialise a fresh clone (once); `owner_` (the Nexus) becomes owner.
    /// @param params The task parameters.
    /// @param deliveryMethod_ The source's DeliveryMethod at publish time.
    /// @param owner_ The Nexus.
    function initialize(TaskParams calldata params, uint8 deliveryMethod_, address owner_) external;

    /// @notice Record an attempt by `provider` at the block time.
    /// @dev Owner only; reverts `AlreadyAttempted`.
    /// @param provider The provider.
    function attempt(address provider) external;

    /// @notice Record `response` as `provider`'s answer, keyed by the content key of its data.
    /// @dev Owner only; reverts `NotAttempted` or `AlreadySubmitted`. The payee is resolved at payment.
    /// @param response The response.
    /// @param provider The provider.
    function submitResponse(address response, address provider) external;

    /// @notice Record a response with its content key and the payee fixed at submission (devnet addition).
    /// @dev Owner only; reverts `NotAttempted` or `AlreadySubmitted`.
    /// @param response The response.
    /// @param provider The provider.
    /// @param contentKey `ContentKey.compute` of the response data.
    /// @param payee Who is paid if this response is confirmed; zero means "resolve at payment".
    function recordResponse(address response, address provider, bytes32 contentKey, address payee) external;

    /// @notice Record the provider of the confirmed response (devnet addition).
    /// @dev Owner only; reverts `NotAttempted`.
    /// @param provider The provider.
    function recordWinner(address provider) external;

    /// @notice Set the TaskStatus.
    /// @dev Owner only; reverts `InvalidParams` for a value out of range.
    /// @param status_ The new status (0 NEW .. 5 FINALIZED).
    function setStatus(uint8 status_) external;

    /// @notice The current status.
    /// @return The TaskStatus.
    function status() external view returns (TaskStatus);

    /// @notice Same as `status`, as a number.
    /// @return The TaskStatus as uint8.
    function getStatus() external view returns (uint8);

    /// @notice The DeliveryMethod copied from the source at publish time.
    /// @return 0 MANUAL_CONFIRMATION, 1 FIRST_RESPONSE.
    function deliveryMethod() external view returns (uint8);

    /// @notice Same as `deliveryMethod`.
    /// @return 0 MANUAL_CONFIRMATION, 1 FIRST_RESPONSE.
    function getDeliveryMethod() external view returns (uint8);

    /// @notice The task parameters (same outputs as the official public struct getter).
    /// @return source The source.
    /// @return config The task configuration (usually an IPFS URL).
    /// @return expiryTime The expiry (unix seconds).
    /// @return payment The escrowed payment (wei).
    function taskParams()
        external
        view
        returns (address source, string memory config, uint256 expiryTime, uint256 payment);

    /// @notice The task's source.
    /// @return The source.
    function getSource() external view returns (address);

    /// @notice The escrowed payment.
    /// @return The amount (wei).
    function getPayment() external view returns (uint256);

    /// @notice The expiry time.
    /// @return The unix time (seconds).
    function getExpiryTime() external view returns (uint256);

    /// @notice Compact read of the fields the protocol checks (devnet addition).
    /// @return source The source.
    /// @return status_ The TaskStatus.
    /// @return deliveryMethod_ The DeliveryMethod.
    /// @return expiryTime The expiry (unix seconds).
    /// @return payment The escrowed payment (wei).
    function getTerms()
        external
        view
        returns (address source, uint8 status_, uint8 deliveryMethod_, uint256 expiryTime, uint256 payment);

    /// @notice The attempter at `index` (0-based) in attempt order.
    /// @param index The index.
    /// @return The provider.
    function attempters(uint256 index) external view returns (address);

    /// @notice The block time of the attempt at `index` (0-based).
    /// @param index The index.
    /// @return The unix time (seconds).
    function attemptTimestamps(uint256 index) external view returns (uint256);

    /// @notice Number of attempts.
    /// @return The count.
    function getAttemptCount() external view returns (uint256);

    /// @notice Attempters `lower..upper` (inclusive, clamped; empty when out of range).
    /// @param lower The first index.
    /// @param upper The last index.
    /// @return The providers.
    function getAttempters(uint256 lower, uint256 upper) external view returns (address[] memory);

    /// @notice Attempt times `lower..upper` (inclusive, clamped; empty when out of range).
    /// @param lower The first index.
    /// @param upper The last index.
    /// @return The unix times (seconds).
    function getAttemptTimestamps(uint256 lower, uint256 upper) external view returns (uint256[] memory);

    /// @notice The 1-based attempter id of `provider`, zero when it has not attempted.
    /// @param provider The provider.
    /// @return The id.
    function attempterId(address provider) external view returns (uint256);

    /// @notice Same as `attempterId`.
    /// @param provider The provider.
    /// @return The id.
    function getAttempterId(address provider) external view returns (uint256);

    /// @notice The response `provider` submitted.
    /// @param provider The provider.
    /// @return The response, zero when none.
    function responseOf(address provider) external view returns (address);

    /// @notice For each attempter in the inclusive window `lower..upper`: its response, or zero.
    /// @param lower The first index.
    /// @param upper The last index.
    /// @return out The responses.
    function getResponsesOf(uint256 lower, uint256 upper) external view returns (address[] memory out);

    /// @notice Whether a response with this content key was already recorded.
    /// @param dataHash `ContentKey.compute` of a response's data.
    /// @return True when taken.
    function isAlreadySubmitted(bytes32 dataHash) external view returns (bool);

    /// @notice Payee fixed when `provider`'s response was submitted (devnet addition).
    /// @param provider The provider.
    /// @return The payee, zero if none was recorded.
    function payeeOf(address provider) external view returns (address);

    /// @notice Provider of the confirmed response.
    /// @return The provider, zero until a response is confirmed.
    function winningProvider() external view returns (address);
}
