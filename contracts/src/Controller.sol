// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IController} from "./interfaces/IController.sol";
import {INexus} from "./interfaces/INexus.sol";
import {IResponse} from "./interfaces/IResponse.sol";
import {ISource} from "./interfaces/ISource.sol";
import {ITask} from "./interfaces/ITask.sol";
import {ITerminal} from "./interfaces/ITerminal.sol";
import {IVault} from "./interfaces/IVault.sol";
import {Task} from "./Task.sol";
import {ResponseStatus, SourceStatus, TaskParams, TaskStatus} from "./Types.sol";

/// @title Controller: client-side task lifecycle and escrow orchestration (docs/protocol.md, "The task state machine").
/// @notice Tasks are EIP-1167 clones of `taskImplementation()` (deployed by this constructor), owned by the
///         Nexus. The payer of a task is the client of its source. Must hold the Manager CONTROLLER role.
contract Controller is IController, Ownable {
    /// @inheritdoc IController
    address public immutable taskImplementation;

    /// @inheritdoc IController
    address public nexus;
    /// @inheritdoc IController
    address public terminal;
    /// @inheritdoc IController
    address public vault;

    /// @param _nexus The Nexus.
    /// @param _terminal The Terminal (client agents).
    /// @param _vault The Vault (escrow).
    constructor(address _nexus, address _terminal, address _vault) Ownable(msg.sender) {
        nexus = _nexus;
        terminal = _terminal;
        vault = _vault;
        taskImplementation = _deployTaskImplementation();
    }

    /// @inheritdoc IController
    function publishTask(TaskParams calldata _taskParams) external {
        address source = _taskParams.source;
        if (INexus(nexus).getSourceId(source) == 0) revert UnknownSource(source);
        (address client, uint8 status,, uint8 deliveryMethod, uint256 minPayment,, uint256 maxExpiryDuration) =
            ISource(source).getTerms();
        if (status != uint8(SourceStatus.ACTIVE)) revert SourceInactive(source);
        _checkClientOperator(client, source);
        uint256 expiryTime = _taskParams.expiryTime;
        if (expiryTime <= block.timestamp) revert Expired(address(0), expiryTime);
        if (expiryTime > block.timestamp + maxExpiryDuration) {
            revert ExpiryTooLong(expiryTime, block.timestamp + maxExpiryDuration);
        }
        if (_taskParams.payment < minPayment) revert InsufficientPayment(_taskParams.payment, minPayment);

        address task = _createTask(_taskParams, deliveryMethod);
        INexus(nexus).emitTaskPublished(task, source); // registers the task, which the Vault requires
        IVault(vault).freezePayment(client, task, _taskParams.payment);
    }

    /// @inheritdoc IController
    function cancelTask(address task) external {
        INexus n = INexus(nexus);
        if (!n.isTask(task)) revert UnknownTask(task);
        (address source, uint8 status,, uint256 expiryTime,) = ITask(task).getTerms();
        address client = ISource(source).getClient();
        _checkClientOperator(client, task);
        uint8 next;
        if (status == uint8(TaskStatus.NEW)) {
            next = uint8(TaskStatus.CANCELED);
        } else if (status == uint8(TaskStatus.ATTEMPTED) || status == uint8(TaskStatus.RESPONDED)) {
            if (block.timestamp <= expiryTime) revert AlreadyFinalized(task, status);
            next = uint8(TaskStatus.EXPIRED);
        } else if (status == uint8(TaskStatus.EXPIRED)) {
            revert Expired(task, expiryTime);
        } else {
            revert AlreadyFinalized(task, status);
        }
        IVault(vault).releasePayment(client, task);
        n.setTaskStatus(task, next);
    }

    /// @inheritdoc IController
    function confirmResponse(address response) external {
        INexus n = INexus(nexus);
        if (!n.isResponse(response)) revert UnknownResponse(response);
        (address task, address provider, uint256 payment, bool confirmed) = IResponse(response).getTerms();
        (address source, uint8 status,, uint256 expiryTime,) = ITask(task).getTerms();
        address client = ISource(source).getClient();
        _checkClientOperator(client, task);
        if (confirmed) revert AlreadyConfirmed(response);
        if (status == uint8(TaskStatus.CANCELED) || status == uint8(TaskStatus.FINALIZED)) {
            revert AlreadyFinalized(task, status);
        }
        if (status == uint8(TaskStatus.EXPIRED)) revert Expired(task, expiryTime);
        if (status != uint8(TaskStatus.RESPONDED)) revert NotAttempted(task, provider);
        n.setResponseStatus(response, uint8(ResponseStatus.CONFIRMED));
        n.setTaskStatus(task, uint8(TaskStatus.FINALIZED));
        IVault(vault).processPayment(client, provider, task, payment);
    }

    /// @inheritdoc IController
    function setNexus(address _nexus) external onlyOwner {
        if (_nexus == address(0)) revert ZeroAddress();
        nexus = _nexus;
    }

    /// @inheritdoc IController
    function setTerminal(address _terminal) external onlyOwner {
        if (_terminal == address(0)) revert ZeroAddress();
        terminal = _terminal;
    }

    /// @inheritdoc IController
    function setVault(address _vault) external onlyOwner {
        if (_vault == address(0)) revert ZeroAddress();
        vault = _vault;
    }

    /// @dev Deploy the Task implementation (overridable for other deployment variants).
    function _deployTaskImplementation() internal virtual returns (address) {
        return address(new Task());
    }

    /// @dev Create and initialise a Task instance (overridden by the full-deployment bench variant).
    function _createTask(TaskParams calldata p, uint8 deliveryMethod) internal virtual returns (address task) {
        task = Clones.clone(taskImplementation);
        ITask(task).initialize(p, deliveryMethod, nexus);
    }

    /// @dev Reverts `NotOwner(target, caller)` unless the caller is `client` or an agent `client` granted.
    function _checkClientOperator(address client, address target) private view {
        if (msg.sender != client && !ITerminal(terminal).isAgentOf(client, msg.sender)) {
            revert NotOwner(target, msg.sender);
        }
    }
}
