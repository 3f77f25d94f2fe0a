// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ISource} from "./interfaces/ISource.sol";
import {Pagination} from "./libraries/Pagination.sol";
import {SourceParams, SourceStatus} from "./Types.sol";

/// @title Source: one published service (docs/protocol.md, "Contracts and roles").
/// @notice Deployed once as an implementation; every source is an EIP-1167 clone initialised by the Nexus,
///         which owns it. The constructor ABI therefore differs from the official `constructor(SourceParams)`.
contract Source is ISource, Ownable, Initializable {
    using Pagination for address[];

    /// @inheritdoc ISource
    /// @dev Packed with the owner slot.
    SourceStatus public status;
    /// @dev The Nexus that initialised the source (the owner unless ownership was transferred since).
    address private _nexus;
    /// @inheritdoc ISource
    SourceParams public sourceParams;
    /// @inheritdoc ISource
    address[] public tasks;
    /// @inheritdoc ISource
    address[] public registrants;
    /// @inheritdoc ISource
    mapping(address => uint256) public registrantId;
    /// @inheritdoc ISource
    mapping(address => uint8) public preferredEnvironmentOf;

    /// @dev The implementation itself can never be initialised.
    constructor() Ownable(msg.sender) {
        _disableInitializers();
    }

    /// @inheritdoc ISource
    function initialize(SourceParams calldata params, address owner_) external initializer {
        _init(params, owner_);
    }

    /// @inheritdoc ISource
    function publishTask(address task) external onlyOwner {
        tasks.push(task);
    }

    /// @inheritdoc ISource
    function register(address provider, uint8 preferredEnvironment) external onlyOwner returns (uint256 id) {
        if (registrantId[provider] != 0) revert AlreadyRegistered(address(this), provider);
        registrants.push(provider);
        id = registrants.length;
        registrantId[provider] = id;
        preferredEnvironmentOf[provider] = preferredEnvironment;
    }

    /// @inheritdoc ISource
    function unregister(address provider) external onlyOwner {
        uint256 id = registrantId[provider];
        if (id == 0) revert NotRegistered(address(this), provider);
        registrants[id - 1] = address(0);
        delete registrantId[provider];
        delete preferredEnvironmentOf[provider];
    }

    /// @inheritdoc ISource
    function setSourceParams(SourceParams calldata params) external onlyOwner {
        sourceParams = params;
    }

    /// @inheritdoc ISource
    function setStatus(uint8 status_) external onlyOwner {
        if (status_ > uint8(SourceStatus.INACTIVE)) revert InvalidParams();
        status = SourceStatus(status_);
    }

    /// @inheritdoc ISource
    function nexus() external view returns (address) {
        return _nexus;
    }

    /// @inheritdoc ISource
    function getClient() external view returns (address) {
        return sourceParams.client;
    }

    /// @inheritdoc ISource
    function getSourceParams() external view returns (SourceParams memory) {
        return sourceParams;
    }

    /// @inheritdoc ISource
    function getStatus() external view returns (uint8) {
        return uint8(status);
    }

    /// @inheritdoc ISource
    function getTerms()
        external
        view
        returns (
            address client,
            uint8 status_,
            uint8 imageEnvironments,
            uint8 deliveryMethod,
            uint256 minPayment,
            uint256 minAvailableLockup,
            uint256 maxExpiryDuration
        )
    {
        SourceParams storage p = sourceParams;
        return (
            p.client,
            uint8(status),
            p.imageEnvironments,
            p.deliveryMethod,
            p.minPayment,
            p.minAvailableLockup,
            p.maxExpiryDuration
        );
    }

    /// @inheritdoc ISource
    function getTaskCount() external view returns (uint256) {
        return tasks.length;
    }

    /// @inheritdoc ISource
    function getTasks(uint256 lower, uint256 upper) external view returns (address[] memory) {
        return tasks.slice(lower, upper);
    }

    /// @inheritdoc ISource
    function getRegistrantCount() external view returns (uint256) {
        return registrants.length;
    }

    /// @inheritdoc ISource
    function getRegistrants(uint256 lower, uint256 upper) external view returns (address[] memory) {
        return registrants.slice(lower, upper);
    }

    /// @inheritdoc ISource
    function getRegistrantId(address provider) external view returns (uint256) {
        return registrantId[provider];
    }

    /// @dev Make `owner_` owner and Nexus and store `params` (shared by `initialize` and the bench's
    ///      full-deployment constructor).
    function _init(SourceParams memory params, address owner_) internal {
        _transferOwnership(owner_);
        _nexus = owner_;
        sourceParams = params;
    }
}
