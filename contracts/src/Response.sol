// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IResponse} from "./interfaces/IResponse.sol";
import {ResponseParams, ResponseStatus} from "./Types.sol";

/// @title Response: one provider's answer to a task (docs/protocol.md, "Contracts and roles").
/// @notice Deployed once as an implementation; every response is an EIP-1167 clone created and owned by the
///         Nexus. The constructor ABI therefore differs from the official `constructor(ResponseParams)`.
contract Response is IResponse, Ownable, Initializable {
    /// @inheritdoc IResponse
    /// @dev Packed with the owner slot.
    ResponseStatus public status;
    /// @inheritdoc IResponse
    bool public confirmedFinal;
    /// @dev Block time of submission.
    uint64 private _timestamp;
    /// @dev The task answered.
    address private _task;
    /// @dev The payment asked (wei), packed with `_task`.
    uint96 private _payment;
    /// @dev The answering provider.
    address private _provider;
    /// @dev The response data.
    string private _data;

    /// @dev The implementation itself can never be initialised.
    constructor() Ownable(msg.sender) {
        _disableInitializers();
    }

    /// @inheritdoc IResponse
    function initialize(ResponseParams calldata params, address owner_) external initializer {
        _init(params, owner_);
    }

    /// @inheritdoc IResponse
    function confirm() external onlyOwner {
        if (confirmedFinal) revert AlreadyConfirmed(address(this));
        confirmedFinal = true;
        status = ResponseStatus.CONFIRMED;
    }

    /// @inheritdoc IResponse
    function setStatus(uint8 status_) external onlyOwner {
        if (status_ > uint8(ResponseStatus.CONFIRMED)) revert InvalidParams();
        status = ResponseStatus(status_);
    }

    /// @inheritdoc IResponse
    function responseParams()
        external
        view
        returns (address task, address provider, string memory data, uint256 payment)
    {
        return (_task, _provider, _data, _payment);
    }

    /// @inheritdoc IResponse
    function getResponseParams() external view returns (ResponseParams memory) {
        return ResponseParams(_task, _provider, _data, _payment);
    }

    /// @inheritdoc IResponse
    function getTerms() external view returns (address task, address provider, uint256 payment, bool confirmed) {
        return (_task, _provider, _payment, confirmedFinal);
    }

    /// @inheritdoc IResponse
    function getStatus() external view returns (uint8) {
        return uint8(status);
    }

    /// @inheritdoc IResponse
    function responseTimestamp() external view returns (uint256) {
        return _timestamp;
    }

    /// @dev Make `owner_` owner and store `params` with the block time (shared by `initialize` and the
    ///      bench's full-deployment constructor). Reverts `SafeCastOverflowedUintDowncast` above uint96.
    function _init(ResponseParams memory params, address owner_) internal {
        _transferOwnership(owner_);
        _timestamp = uint64(block.timestamp);
        _task = params.task;
        _payment = SafeCast.toUint96(params.payment);
        _provider = params.provider;
        _data = params.data;
    }
}
