// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IErrors} from "./IErrors.sol";
import {SourceParams, SourceStatus} from "../Types.sol";

/// @title Source: one published service; an EIP-1167 clone owned by the Nexus.
/// @notice Every state-changing function is the owner's (the Nexus's); clients act through the Nexus.
interface ISource is IErrors {
    /// @notice Initialise a fresh clone (once). `owner_` becomes owner and `nexus()`.
    /// @param params The source parameters.
    /// @param owner_ The Nexus.
    function initialize(SourceParams calldata params, address owner_) external;

    /// @notice Append `task` to the source's tasks.
    /// @dev Owner only.
    /// @param task The task.
    function publishTask(address task) external;

    /// @notice Register `provider` with its preferred environment.
    /// @dev Owner only; reverts `AlreadyRegistered`.
    /// @param provider The provider.
    /// @param preferredEnvironment The environment bit chosen.
    /// @return id The provider's 1-based registrant id.
    function register(address provider, uint8 preferredEnvironment) external returns (uint256 id);

    /// @notice Unregister `provider`; its registrant slot becomes the zero address.
    /// @dev Owner only; reverts `NotRegistered`.
    /// @param provider The provider.
    function unregister(address provider) external;

    /// @notice Replace the stored parameters.
    /// @dev Owner only; the Nexus validates them.
    /// @param params The new parameters.
    function setSourceParams(SourceParams calldata params) external;

    /// @notice Set the SourceStatus.
    /// @dev Owner only; reverts `InvalidParams` for a value out of range.
    /// @param status_ The new status (0 ACTIVE, 1 INACTIVE).
    function setStatus(uint8 status_) external;

    /// @notice The Nexus that created and owns the source.
    /// @return The Nexus's address.
    function nexus() external view returns (address);

    /// @notice The current status.
    /// @return ACTIVE or INACTIVE.
    function status() external view returns (SourceStatus);

    /// @notice Same as `status`, as a number.
    /// @return 0 ACTIVE, 1 INACTIVE.
    function getStatus() external view returns (uint8);

    /// @notice The source's client.
    /// @return The client.
    function getClient() external view returns (address);

    /// @notice The source parameters as a struct.
    /// @return The parameters.
    function getSourceParams() external view returns (SourceParams memory);

    /// @notice The source parameters (the official public struct getter).
    /// @return client The client.
    /// @return imageMetadataUrl URL of the image metadata.
    /// @return imageEnvironments The environment bitmask (1 CPU, 2 NVIDIA, 4 AMD).
    /// @return minPayment The minimum task payment (wei).
    /// @return minAvailableLockup The stake a registering provider needs (wei).
    /// @return maxExpiryDuration The longest task lifetime (seconds).
    /// @return privacyEnabled Whether the source asks for privacy.
    /// @return optionalParamsUrl URL of optional parameters.
    /// @return deliveryMethod The DeliveryMethod.
    /// @return lastUpdateTime Block time of the last publish or update.
    function sourceParams()
        external
        view
        returns (
            address client,
            string memory imageMetadataUrl,
            uint8 imageEnvironments,
            uint256 minPayment,
            uint256 minAvailableLockup,
            uint256 maxExpiryDuration,
            bool privacyEnabled,
            string memory optionalParamsUrl,
            uint8 deliveryMethod,
            uint256 lastUpdateTime
        );

    /// @notice Compact read of the fields the protocol checks (devnet addition).
    /// @return client The client.
    /// @return status_ The SourceStatus.
    /// @return imageEnvironments The environment bitmask.
    /// @return deliveryMethod The DeliveryMethod.
    /// @return minPayment The minimum task payment (wei).
    /// @return minAvailableLockup The stake a registering provider needs (wei).
    /// @return maxExpiryDuration The longest task lifetime (seconds).
    function getTerms()
        external
        view
        returns (
            address client,
            uint8 status_,
            uint8 imageEnvironments,
            uint8 deliveryMethod,
            uint256 minPayment,
            uint256 minAvailableLockup,
            uint256 maxExpiryDuration
        );

    /// @notice The task at `index` (0-based) in publication order.
    /// @param index The index.
    /// @return The task.
    function tasks(uint256 index) external view returns (address);

    /// @notice Number of tasks published on the source.
    /// @return The count.
    function getTaskCount() external view returns (uint256);

    /// @notice Tasks `lower..upper` (inclusive, clamped; empty when out of range).
    /// @param lower The first index.
    /// @param upper The last index.
    /// @return The tasks.
    function getTasks(uint256 lower, uint256 upper) external view returns (address[] memory);

    /// @notice The registrant at `index` (0-based); zero for one that unregistered.
    /// @param index The index.
    /// @return The provider.
    function registrants(uint256 index) external view returns (address);

    /// @notice Number of registrations ever made (unregistered slots included).
    /// @return The count.
    function getRegistrantCount() external view returns (uint256);

    /// @notice Registrants `lower..upper` (inclusive, clamped; empty when out of range).
    /// @param lower The first index.
    /// @param upper The last index.
    /// @return The providers (zero for unregistered slots).
    function getRegistrants(uint256 lower, uint256 upper) external view returns (address[] memory);

    /// @notice The 1-based registrant id of `provider`, zero when it is not registered.
    /// @param provider The provider.
    /// @return The id.
    function registrantId(address provider) external view returns (uint256);

    /// @notice Same as `registrantId`.
    /// @param provider The provider.
    /// @return The id.
    function getRegistrantId(address provider) external view returns (uint256);

    /// @notice The environment `provider` chose when registering.
    /// @param provider The provider.
    /// @return The environment bit, zero when not registered.
    function preferredEnvironmentOf(address provider) external view returns (uint8);
}
