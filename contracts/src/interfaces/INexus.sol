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

    // -------------------------------------------------------------------------- source lifecycle

    /// @notice Publish a source for `params.client` (the caller or an agent the client granted); the Nexus
    ///         creates it as a clone of `sourceImplementation()` and owns it.
    /// @dev `lastUpdateTime` is set to the block time. Reverts `NotOwner`, `ZeroAddress`,
    ///      `InvalidEnvironment`, `InvalidParams`, then (unless the client is whitelisted) `InsufficientLockup`
    ///      below `MIN_LOCKUP_PER_SOURCE` per active source and `NotEligible` when sanctioned.
    /// @param _sourceParams The source parameters.
    function publishSource(SourceParams calldata _sourceParams) external;

    /// @notice Replace the parameters of `source` (client or its agent; the client cannot change).
    /// @dev Reverts `UnknownSource`, `NotOwner`, `InvalidEnvironment` or `InvalidParams`.
    /// @param source The source.
    /// @param _sourceParams The new parameters.
    function updateSource(address source, SourceParams calldata _sourceParams) external;

    /// @notice Mark `source` INACTIVE (client or its agent); only the admin route reactivates it.
    /// @dev Reverts `UnknownSource`, `NotOwner` or `SourceInactive`.
    /// @param source The source.
    function inactivateSource(address source) external;

    /// @notice Admin route: set any source's status (the only way to reactivate one).
    /// @dev The owner or a CONTROLLER holder; else `NotController`.
    /// @param source The source.
    /// @param status The new SourceStatus.
    function setSourceStatus(address source, uint8 status) external;

    // ----------------------------------------------------------------------- provider operations

    /// @notice Register `provider` to `source` with its `preferredEnvironment`.
    /// @dev The provider, its master or an agent of the master; the provider holds PROVIDER and is eligible,
    ///      and the provider's plus its master's available lockup covers the source's `minAvailableLockup`.
    /// @param source The source.
    /// @param provider The provider.
    /// @param preferredEnvironment One environment bit (1, 2 or 4) the source offers.
    function register(address source, address provider, uint8 preferredEnvironment) external;

    /// @notice Unregister `provider` from `source`; its registrant slot becomes zero.
    /// @dev The provider, its master or an agent of the master; else `NotAgent`.
    /// @param source The source.
    /// @param provider The provider.
    function unregister(address source, address provider) external;

    /// @notice Record that `provider` takes on `task`, with an informational bid.
    /// @dev A task past its expiry is settled instead (escrow refunded, status EXPIRED) and the call
    ///      succeeds. Reverts `UnknownTask`, `NotProvider`, `NotAgent`, `AlreadyFinalized`, `Expired`,
    ///      `NotRegistered`, `NotEligible`, `InvalidPayment` (bid above the payment) or `AlreadyAttempted`.
    /// @param task The task.
    /// @param provider The provider.
    /// @param suggestedPayment The bid (wei), at most the task payment.
    function attempt(address task, address provider, uint256 suggestedPayment) external;

    /// @notice Submit the answer of `params.provider` to `params.task` as a new Response clone. Under
    ///         FIRST_RESPONSE it is confirmed and paid in the same transaction.
    /// @dev Duplicates are keyed by `ContentKey` (the CID the data names). MANUAL fixes the payee now.
    /// @param _responseParams The response parameters.
    function submitResponse(ResponseParams calldata _responseParams) external;

    // ------------------------------------------------------------------------- controller hooks

    /// @notice Register `task` as a task of this deployment, add it to `source` and emit `TaskPublished`.
    /// @dev CONTROLLER holders only.
    /// @param task The new task.
    /// @param source Its source.
    function emitTaskPublished(address task, address source) external;

    /// @notice Set the status of `task` and emit `TaskStatusChanged`.
    /// @dev CONTROLLER holders only.
    /// @param task The task.
    /// @param status The new TaskStatus.
    function setTaskStatus(address task, uint8 status) external;

    /// @notice Set the status of `response` (CONFIRMED also records the task's winner) and emit
    ///         `ResponseStatusChanged`.
    /// @dev CONTROLLER holders only.
    /// @param response The response.
    /// @param status The new ResponseStatus.
    function setResponseStatus(address response, uint8 status) external;

    // ------------------------------------------------------------------------------------- admin

    /// @notice Set the Manager holding the roles.
    /// @dev Owner only; reverts `ZeroAddress`.
    /// @param _manager The Manager.
    function setManager(address _manager) external;

    /// @notice Set the Terminal (pairings and agents).
    /// @dev Owner only; reverts `ZeroAddress`.
    /// @param _terminal The Terminal.
    function setTerminal(address _terminal) external;

    /// @notice Set the Vault (stake, eligibility, escrow).
    /// @dev Owner only; reverts `ZeroAddress`.
    /// @param _vault The Vault.
    function setVault(address _vault) external;

    // ------------------------------------------------------------------------------------- views

    /// @notice The CONTROLLER role identifier.
    /// @return keccak256("CONTROLLER").
    function CONTROLLER() external view returns (bytes32);

    /// @notice The PROVIDER role identifier.
    /// @return keccak256("PROVIDER").
    function PROVIDER() external view returns (bytes32);

    /// @notice The implementation every Source is cloned from (devnet addition).
    /// @return The implementation's address.
    function sourceImplementation() external view returns (address);

    /// @notice The implementation every Response is cloned from (devnet addition).
    /// @return The implementation's address.
    function responseImplementation() external view returns (address);

    /// @notice The Manager holding the roles.
    /// @return The Manager's address.
    function manager() external view returns (address);

    /// @notice The Terminal (pairings and agents).
    /// @return The Terminal's address.
    function terminal() external view returns (address);

    /// @notice The Vault (stake, eligibility, escrow).
    /// @return The Vault's address.
    function vault() external view returns (address);

    /// @notice The source at `index` (0-based) in publication order.
    /// @param index The index.
    /// @return The source.
    function sources(uint256 index) external view returns (address);

    /// @notice Number of sources ever published.
    /// @return The count.
    function getSourceCount() external view returns (uint256);

    /// @notice Sources `lower..upper` (inclusive, clamped; empty when out of range).
    /// @param lower The first index.
    /// @param upper The last index.
    /// @return The sources.
    function getSources(uint256 lower, uint256 upper) external view returns (address[] memory);

    /// @notice The 1-based id of `source`, zero for an address that is not a source of this deployment.
    /// @param source The address.
    /// @return The id.
    function sourceId(address source) external view returns (uint256);

    /// @notice Same as `sourceId`.
    /// @param source The address.
    /// @return The id.
    function getSourceId(address source) external view returns (uint256);

    /// @notice The client at `index` (0-based), in the order of their first source.
    /// @param index The index.
    /// @return The client.
    function clients(uint256 index) external view returns (address);

    /// @notice Number of distinct clients that ever published a source (devnet addition).
    /// @return The count.
    function getClientCount() external view returns (uint256);

    /// @notice The source at `index` (0-based) among those `client` published.
    /// @param client The client.
    /// @param index The index.
    /// @return The source.
    function sourcesOf(address client, uint256 index) external view returns (address);

    /// @notice Number of sources `client` ever published (devnet addition).
    /// @param client The client.
    /// @return The count.
    function getSourcesOfCount(address client) external view returns (uint256);

    /// @notice Number of `client`'s ACTIVE sources (what the Vault's lockup floor multiplies).
    /// @param client The client.
    /// @return The count.
    function activeSourceCountOf(address client) external view returns (uint256);

    /// @notice Same as `activeSourceCountOf`.
    /// @param client The client.
    /// @return The count.
    function getActiveSourceCount(address client) external view returns (uint256);

    /// @notice Whether `account` holds the CONTROLLER role.
    /// @param account The account.
    /// @return True for a CONTROLLER holder.
    function checkController(address account) external view returns (bool);

    /// @notice Whether `task` was published through this deployment (devnet addition).
    /// @param task The address.
    /// @return True for a task of this deployment.
    function isTask(address task) external view returns (bool);

    /// @notice Whether `response` is the response its task recorded for its provider (devnet addition).
    /// @param response The address.
    /// @return True for a response of this deployment.
    function isResponse(address response) external view returns (bool);

    /// @notice `provider`'s bid on `task` (informational; devnet addition).
    /// @param task The task.
    /// @param provider The provider.
    /// @return The bid (wei).
    function suggestedPaymentOf(address task, address provider) external view returns (uint256);

    /// @notice Stake a provider's active registrations hold back from unbonding: the highest
    ///         `minAvailableLockup` among its stake-requiring registrations (devnet addition).
    /// @param provider The provider.
    /// @return The amount (wei).
    function requiredStakeOf(address provider) external view returns (uint256);
}
