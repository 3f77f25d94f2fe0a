// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IErrors} from "./IErrors.sol";
import {SourceParams, ResponseParams} from "../Types.sol";

/// @title Nexus: source registry, provider-side coordinator and event hub.
/// @notice Events carry no indexed parameters (the official SDK decodes them unfiltered).
interface INexus is IErrors {
    /// @notice A source was published.
    /// @param source The new Source contract.
    event SourcePublished(address source);

    /// @notice A source's parameters were replaced.
    /// @param source The Source contract.
    /// @param sourceParams The stored parameters.
    event SourceUpdated(address source, SourceParams sourceParams);

    /// @notice A source's status changed.
    /// @param source The Source contract.
    /// @param status The new SourceStatus.
    event SourceStatusChanged(address source, uint8 status);

    /// @notice A task was published (emitted during Controller.publishTask).
    /// @param task The new Task contract.
    /// @param source Its Source.
    event TaskPublished(address task, address source);

    /// @notice A task's status changed.
    /// @param task The Task contract.
    /// @param status The new TaskStatus.
    event TaskStatusChanged(address task, uint8 status);

    /// @notice A provider registered to a source.
    /// @param provider The provider.
    /// @param registrantId Its 1-based registrant id on the source.
    /// @param source The Source contract.
    /// @param preferredEnvironment The chosen environment (1, 2 or 4).
    event Registered(address provider, uint256 registrantId, address source, uint8 preferredEnvironment);

    /// @notice A provider attempted a task.
    /// @param task The Task contract.
    /// @param provider The provider.
    /// @param suggestedPayment The provider's bid (informational).
    event Attempted(address task, address provider, uint256 suggestedPayment);

    /// @notice A response was submitted.
    /// @param response The new Response contract.
    /// @param task Its Task.
    event ResponseSubmitted(address response, address task);

    /// @notice A response's status changed.
    /// @param response The Response contract.
    /// @param status The new ResponseStatus.
    event ResponseStatusChanged(address response, uint8 status);

    function publishSource(SourceParams calldata params) external;
    function updateSource(address source, SourceParams calldata params) external;
    function inactivateSource(address source) external;
    function setSourceStatus(address source, uint8 status) external;
    function register(address source, address provider, uint8 preferredEnvironment) external;
    function unregister(address source, address provider) external;
    function attempt(address task, address provider, uint256 suggestedPayment) external;
    function submitResponse(ResponseParams calldata params) external;
    function emitTaskPublished(address task, address source) external;
    function setTaskStatus(address task, uint8 status) external;
    function setResponseStatus(address response, uint8 status) external;

    function getSourceId(address source) external view returns (uint256);
    function activeSourceCountOf(address client) external view returns (uint256);
    function checkController(address account) external view returns (bool);
    /// @notice True for tasks published through this deployment (devnet addition).
    function isTask(address task) external view returns (bool);
    /// @notice Stake a provider's active registrations hold back from unbonding (devnet addition).
    function requiredStakeOf(address provider) external view returns (uint256);
    /// @notice True for responses created by this Nexus (devnet addition).
    function isResponse(address response) external view returns (bool);
}
