// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IErrors} from "./IErrors.sol";
import {TaskParams} from "../Types.sol";

/// @title Task: one job with an escrowed payment; an EIP-1167 clone owned by the Nexus.
interface ITask is IErrors {
    /// @notice Initialise a fresh clone (once); `owner_` (the Nexus) becomes owner.
    function initialize(TaskParams calldata params, uint8 deliveryMethod, address owner_) external;

    function getSource() external view returns (address);
    function getPayment() external view returns (uint256);
    function getExpiryTime() external view returns (uint256);
    function getDeliveryMethod() external view returns (uint8);
    function getStatus() external view returns (uint8);
    function getAttemptCount() external view returns (uint256);
    function getAttempterId(address provider) external view returns (uint256);
    function responseOf(address provider) external view returns (address);
    function isAlreadySubmitted(bytes32 dataHash) external view returns (bool);
    function winningProvider() external view returns (address);

    /// @notice Compact read of the fields the protocol checks (devnet addition).
    function getTerms()
        external
        view
        returns (address source, uint8 status, uint8 deliveryMethod, uint256 expiryTime, uint256 payment);

    function attempt(address provider) external;
    function submitResponse(address response, address provider) external;
    /// @notice Record a response with its content key and the payee fixed at submission (devnet addition;
    ///         `payee` zero means "resolve at payment").
    function recordResponse(address response, address provider, bytes32 contentKey, address payee) external;
    /// @notice Payee fixed when `provider`'s response was submitted (zero if none was recorded).
    function payeeOf(address provider) external view returns (address);
    /// @notice Record the provider of the confirmed response (devnet addition).
    function recordWinner(address provider) external;
    function setStatus(uint8 status) external;
}
