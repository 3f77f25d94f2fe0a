// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IResponse} from "./interfaces/IResponse.sol";
import {ITask} from "./interfaces/ITask.sol";
import {ContentKey} from "./libraries/ContentKey.sol";
import {Pagination} from "./libraries/Pagination.sol";
import {TaskParams, TaskStatus} from "./Types.sol";

/// @title Task: one job with an escrowed payment (protocol.md §4.7).
/// @notice Deployed once as an implementation; every task is an EIP-1167 clone created by the Controller and
///         owned by the Nexus. The constructor ABI therefore differs from the official
///         `constructor(TaskParams, uint8, address)`. Storage is packed (expiry as uint40, payment as uint96);
///         the getters still return the official uint256 types.
contract Task is ITask, Ownable, Initializable {
    using Pagination for address[];
    using Pagination for uint256[];

    /// @notice DeliveryMethod copied from the source at publish time (packed with the owner slot).
    uint8 public deliveryMethod;
    /// @notice Current TaskStatus.
    TaskStatus public status;
    uint40 private _expiryTime;
    /// @dev Attempter id (1-based) of the provider whose response was confirmed; packed in the owner slot.
    uint40 private _winnerId;
    address private _source;
    uint96 private _payment;
    string private _config;
    address[] public attempters;
    uint256[] public attemptTimestamps;
    mapping(address => uint256) public attempterId;
    mapping(address => address) public responseOf;
    /// @notice Content keys (ContentKey.compute of the data) of the responses recorded so far.
    mapping(bytes32 => bool) public isAlreadySubmitted;
    /// @inheritdoc ITask
    mapping(address => address) public payeeOf;

    constructor() Ownable(msg.sender) {
        _disableInitializers();
    }

    /// @inheritdoc ITask
    function initialize(TaskParams calldata params, uint8 deliveryMethod_, address owner_) external initializer {
        _init(params, deliveryMethod_, owner_);
    }

    function _init(TaskParams memory params, uint8 deliveryMethod_, address owner_) internal {
        _transferOwnership(owner_);
        deliveryMethod = deliveryMethod_;
        _expiryTime = SafeCast.toUint40(params.expiryTime);
        _source = params.source;
        _payment = SafeCast.toUint96(params.payment);
        _config = params.config;
    }

    /// @notice The task parameters (same outputs as the official public struct getter).
    function taskParams()
        external
        view
        returns (address source, string memory config, uint256 expiryTime, uint256 payment)
    {
        return (_source, _config, _expiryTime, _payment);
    }

    function getSource() external view returns (address) {
        return _source;
    }

    function getPayment() external view returns (uint256) {
        return _payment;
    }

    function getExpiryTime() external view returns (uint256) {
        return _expiryTime;
    }

    function getDeliveryMethod() external view returns (uint8) {
        return deliveryMethod;
    }

    function getStatus() external view returns (uint8) {
        return uint8(status);
    }

    function getTerms()
        external
        view
        returns (address source, uint8 status_, uint8 deliveryMethod_, uint256 expiryTime, uint256 payment)
    {
        return (_source, uint8(status), deliveryMethod, _expiryTime, _payment);
    }

    function getAttemptCount() external view returns (uint256) {
        return attempters.length;
    }

    function getAttempters(uint256 lower, uint256 upper) external view returns (address[] memory) {
        return attempters.slice(lower, upper);
    }

    function getAttemptTimestamps(uint256 lower, uint256 upper) external view returns (uint256[] memory) {
        return attemptTimestamps.slice(lower, upper);
    }

    function getAttempterId(address provider) external view returns (uint256) {
        return attempterId[provider];
    }

    /// @notice For each attempter in the inclusive window: its response, or zero if it has not responded.
    function getResponsesOf(uint256 lower, uint256 upper) external view returns (address[] memory out) {
        uint256 n = Pagination.bounds(attempters.length, lower, upper);
        out = new address[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = responseOf[attempters[lower + i]];
        }
    }

    function attempt(address provider) external onlyOwner {
        if (attempterId[provider] != 0) revert AlreadyAttempted(address(this), provider);
        attempters.push(provider);
        attemptTimestamps.push(block.timestamp);
        attempterId[provider] = attempters.length;
    }

    function submitResponse(address response, address provider) external onlyOwner {
        _record(response, provider, ContentKey.compute(IResponse(response).getResponseParams().data), address(0));
    }

    /// @inheritdoc ITask
    function recordResponse(address response, address provider, bytes32 contentKey, address payee)
        external
        onlyOwner
    {
        _record(response, provider, contentKey, payee);
    }

    function _record(address response, address provider, bytes32 contentKey, address payee) private {
        if (attempterId[provider] == 0) revert NotAttempted(address(this), provider);
        if (responseOf[provider] != address(0) || isAlreadySubmitted[contentKey]) {
            revert AlreadySubmitted(address(this), provider);
        }
        responseOf[provider] = response;
        isAlreadySubmitted[contentKey] = true;
        if (payee != address(0)) payeeOf[provider] = payee;
    }

    function recordWinner(address provider) external onlyOwner {
        uint256 id = attempterId[provider];
        if (id == 0) revert NotAttempted(address(this), provider);
        _winnerId = uint40(id);
    }

    /// @notice Provider of the confirmed response, zero until a response is confirmed.
    function winningProvider() external view returns (address) {
        uint256 id = _winnerId;
        return id == 0 ? address(0) : attempters[id - 1];
    }

    function setStatus(uint8 status_) external onlyOwner {
        if (status_ > uint8(TaskStatus.FINALIZED)) revert InvalidParams();
        status = TaskStatus(status_);
    }
}
