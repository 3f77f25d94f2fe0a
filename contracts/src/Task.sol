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

/// @title Task: one job with an escrowed payment (docs/protocol.md, "The task state machine").
/// @notice Deployed once as an implementation; every task is an EIP-1167 clone created by the Controller and
///         owned by the Nexus. The constructor ABI therefore differs from the official
///         `constructor(TaskParams, uint8, address)`. Storage is packed (expiry as uint40, payment as uint96);
///         the getters still return the official uint256 types.
contract Task is ITask, Ownable, Initializable {
    using Pagination for address[];
    using Pagination for uint256[];

    /// @inheritdoc ITask
    /// @dev Packed with the owner slot.
    uint8 public deliveryMethod;
    /// @inheritdoc ITask
    TaskStatus public status;
    /// @dev Expiry time (unix seconds).
    uint40 private _expiryTime;
    /// @dev Attempter id (1-based) of the provider whose response was confirmed; packed in the owner slot.
    uint40 private _winnerId;
    /// @dev The task's source.
    address private _source;
    /// @dev The escrowed payment (wei), packed with `_source`.
    uint96 private _payment;
    /// @dev The task configuration.
    string private _config;
    /// @inheritdoc ITask
    address[] public attempters;
    /// @inheritdoc ITask
    uint256[] public attemptTimestamps;
    /// @inheritdoc ITask
    mapping(address => uint256) public attempterId;
    /// @inheritdoc ITask
    mapping(address => address) public responseOf;
    /// @inheritdoc ITask
    mapping(bytes32 => bool) public isAlreadySubmitted;
    /// @inheritdoc ITask
    mapping(address => address) public payeeOf;

    /// @dev The implementation itself can never be initialised.
    constructor() Ownable(msg.sender) {
        _disableInitializers();
    }

    /// @inheritdoc ITask
    function initialize(TaskParams calldata params, uint8 deliveryMethod_, address owner_) external initializer {
        _init(params, deliveryMethod_, owner_);
    }

    /// @inheritdoc ITask
    function attempt(address provider) external onlyOwner {
        if (attempterId[provider] != 0) revert AlreadyAttempted(address(this), provider);
        attempters.push(provider);
        attemptTimestamps.push(block.timestamp);
        attempterId[provider] = attempters.length;
    }

    /// @inheritdoc ITask
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

    /// @inheritdoc ITask
    function recordWinner(address provider) external onlyOwner {
        uint256 id = attempterId[provider];
        if (id == 0) revert NotAttempted(address(this), provider);
        _winnerId = uint40(id);
    }

    /// @inheritdoc ITask
    function setStatus(uint8 status_) external onlyOwner {
        if (status_ > uint8(TaskStatus.FINALIZED)) revert InvalidParams();
        status = TaskStatus(status_);
    }

    /// @inheritdoc ITask
    function taskParams()
        external
        view
        returns (address source, string memory config, uint256 expiryTime, uint256 payment)
    {
        return (_source, _config, _expiryTime, _payment);
    }

    /// @inheritdoc ITask
    function getSource() external view returns (address) {
        return _source;
    }

    /// @inheritdoc ITask
    function getPayment() external view returns (uint256) {
        return _payment;
    }

    /// @inheritdoc ITask
    function getExpiryTime() external view returns (uint256) {
        return _expiryTime;
    }

    /// @inheritdoc ITask
    function getDeliveryMethod() external view returns (uint8) {
        return deliveryMethod;
    }

    /// @inheritdoc ITask
    function getStatus() external view returns (uint8) {
        return uint8(status);
    }

    /// @inheritdoc ITask
    function getTerms()
        external
        view
        returns (address source, uint8 status_, uint8 deliveryMethod_, uint256 expiryTime, uint256 payment)
    {
        return (_source, uint8(status), deliveryMethod, _expiryTime, _payment);
    }

    /// @inheritdoc ITask
    function getAttemptCount() external view returns (uint256) {
        return attempters.length;
    }

    /// @inheritdoc ITask
    function getAttempters(uint256 lower, uint256 upper) external view returns (address[] memory) {
        return attempters.slice(lower, upper);
    }

    /// @inheritdoc ITask
    function getAttemptTimestamps(uint256 lower, uint256 upper) external view returns (uint256[] memory) {
        return attemptTimestamps.slice(lower, upper);
    }

    /// @inheritdoc ITask
    function getAttempterId(address provider) external view returns (uint256) {
        return attempterId[provider];
    }

    /// @inheritdoc ITask
    function getResponsesOf(uint256 lower, uint256 upper) external view returns (address[] memory out) {
        uint256 n = Pagination.bounds(attempters.length, lower, upper);
        out = new address[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = responseOf[attempters[lower + i]];
        }
    }

    /// @inheritdoc ITask
    function winningProvider() external view returns (address) {
        uint256 id = _winnerId;
        return id == 0 ? address(0) : attempters[id - 1];
    }

    /// @dev Make `owner_` owner and store the parameters (shared by `initialize` and the bench's
    ///      full-deployment constructor). Reverts `SafeCastOverflowedUintDowncast` above uint40/uint96.
    function _init(TaskParams memory params, uint8 deliveryMethod_, address owner_) internal {
        _transferOwnership(owner_);
        deliveryMethod = deliveryMethod_;
        _expiryTime = SafeCast.toUint40(params.expiryTime);
        _source = params.source;
        _payment = SafeCast.toUint96(params.payment);
        _config = params.config;
    }

    /// @dev Record `response` for `provider` under `contentKey`, and its payee when nonzero. Reverts
    ///      `NotAttempted` or `AlreadySubmitted` (the provider responded, or the content key is taken).
    function _record(address response, address provider, bytes32 contentKey, address payee) private {
        if (attempterId[provider] == 0) revert NotAttempted(address(this), provider);
        if (responseOf[provider] != address(0) || isAlreadySubmitted[contentKey]) {
            revert AlreadySubmitted(address(this), provider);
        }
        responseOf[provider] = response;
        isAlreadySubmitted[contentKey] = true;
        if (payee != address(0)) payeeOf[provider] = payee;
    }
}
