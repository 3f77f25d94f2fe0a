// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IErrors} from "./IErrors.sol";
import {SourceParams} from "../Types.sol";

/// @title Source: one published service; an EIP-1167 clone owned by the Nexus.
interface ISource is IErrors {
    /// @notice Initialise a fresh clone (once). `owner_` becomes owner and `nexus()`.
    function initialize(SourceParams calldata params, address owner_) external;

    function getClient() external view returns (address);
    function getSourceParams() external view returns (SourceParams memory);
    function getStatus() external view returns (uint8);
    function getTaskCount() external view returns (uint256);
    function getTasks(uint256 lower, uint256 upper) external view returns (address[] memory);
    function getRegistrantCount() external view returns (uint256);
    function getRegistrants(uint256 lower, uint256 upper) external view returns (address[] memory);
    function getRegistrantId(address provider) external view returns (uint256);
    function nexus() external view returns (address);

    /// @notice Compact read of the fields the protocol checks (devnet addition).
    function getTerms()
        external
        view
        returns (
            address client,
            uint8 status,
            uint8 imageEnvironments,
            uint8 deliveryMethod,
            uint256 minPayment,
            uint256 minAvailableLockup,
            uint256 maxExpiryDuration
        );

    function publishTask(address task) external;
    function register(address provider, uint8 preferredEnvironment) external returns (uint256);
    function unregister(address provider) external;
    function setSourceParams(SourceParams calldata params) external;
    function setStatus(uint8 status) external;
}
