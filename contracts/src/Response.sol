// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IResponse} from "./interfaces/IResponse.sol";
import {ResponseParams, ResponseStatus} from "./Types.sol";

/// @title Response: one provider's answer to a task (protocol.md §4.8).
/// @notice Deployed once as an implementation; every response is an EIP-1167 clone created and owned by the
///         Nexus. The constructor ABI therefore differs from the official `constructor(ResponseParams)`.
contract Response is IResponse, Ownable, Initializable {
    /// @notice SUBMITTED (0) or CONFIRMED (1) (packed with the owner slot).
    ResponseStatus public status;
    /// @notice True once the response was confirmed (what the SDK's `is_confirmed()` reads).
    bool public confirmedFinal;
    uint64 private _timestamp;
    address private _task;
    uint96 private _payment;
    address private _provider;
    string private _data;

    constructor() Ownable(msg.sender) {
        _disableInitializers();
    }

    /// @inheritdoc IResponse
    function initialize(ResponseParams calldata params, address owner_) external initializer {
        _init(params, owner_);
    }

    function _init(ResponseParams memory params, address owner_) internal {
        _transferOwnership(owner_);
        _timestamp = uint64(block.timestamp);
        _task = params.task;
        _payment = SafeCast.toUint96(params.payment);
        _provider = params.provider;
        _data = params.data;
    }

    /// @notice The response parameters (same outputs as the official public struct getter).
    function responseParams()
        external
        view
        returns (address task, address provider, string memory data, uint256 payment)
    {
        return (_task, _provider, _data, _payment);
    }

    function getResponseParams() external view returns (ResponseParams memory) {
        return ResponseParams(_task, _provider, _data, _payment);
    }

    function getTerms() external view returns (address task, address provider, uint256 payment, bool confirmed) {
        return (_task, _provider, _payment, confirmedFinal);
    }

    function getStatus() external view returns (uint8) {
        return uint8(status);
    }

    /// @notice Block time of submission.
    function responseTimestamp() external view returns (uint256) {
        return _timestamp;
    }

    function confirm() external onlyOwner {
        if (confirmedFinal) revert AlreadyConfirmed(address(this));
        confirmedFinal = true;
        status = ResponseStatus.CONFIRMED;
    }

    function setStatus(uint8 status_) external onlyOwner {
        if (status_ > uint8(ResponseStatus.CONFIRMED)) revert InvalidParams();
        status = ResponseStatus(status_);
    }
}
