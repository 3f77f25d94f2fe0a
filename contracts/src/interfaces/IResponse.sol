// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IErrors} from "./IErrors.sol";
import {ResponseParams} from "../Types.sol";

/// @title Response: one provider's answer to a task; an EIP-1167 clone owned by the Nexus.
interface IResponse is IErrors {
    /// @notice Initialise a fresh clone (once); `owner_` (the Nexus) becomes owner.
    function initialize(ResponseParams calldata params, address owner_) external;

    function getResponseParams() external view returns (ResponseParams memory);
    function getStatus() external view returns (uint8);
    function confirmedFinal() external view returns (bool);
    function responseTimestamp() external view returns (uint256);

    /// @notice Compact read of task, provider, payment and confirmation (devnet addition).
    function getTerms() external view returns (address task, address provider, uint256 payment, bool confirmed);

    function confirm() external;
    function setStatus(uint8 status) external;
}
