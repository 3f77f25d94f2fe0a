// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IManager} from "./interfaces/IManager.sol";
import {INexus} from "./interfaces/INexus.sol";
import {IResponse} from "./interfaces/IResponse.sol";
import {ISource} from "./interfaces/ISource.sol";
import {ITask} from "./interfaces/ITask.sol";
import {ITerminal} from "./interfaces/ITerminal.sol";
import {IVault} from "./interfaces/IVault.sol";
import {ContentKey} from "./libraries/ContentKey.sol";
import {Pagination} from "./libraries/Pagination.sol";
import {Response} from "./Response.sol";
import {Source} from "./Source.sol";
import {
    DeliveryMethod,
    ResponseParams,
    ResponseStatus,
    SourceParams,
    SourceStatus,
    TaskStatus
} from "./Types.sol";

/// @title Nexus: source registry, provider-side coordinator and event hub (docs/protocol.md, "Contracts and roles").
/// @notice Sources and responses are EIP-1167 clones of implementations this contract deploys in its
///         constructor (`sourceImplementation()`, `responseImplementation()`); Nexus owns every instance.
contract Nexus is INexus, Ownable {
    using Pagination for address[];

    /// @inheritdoc INexus
    bytes32 public constant CONTROLLER = keccak256("CONTROLLER");
    /// @inheritdoc INexus
    bytes32 public constant PROVIDER = keccak256("PROVIDER");

    /// @inheritdoc INexus
    address public immutable sourceImplementation;
    /// @inheritdoc INexus
    address public immutable responseImplementation;

    /// @inheritdoc INexus
    address public manager;
    /// @inheritdoc INexus
    address public terminal;
    /// @inheritdoc INexus
    address public vault;

    /// @inheritdoc INexus
    address[] public sources;
    /// @inheritdoc INexus
    mapping(address => uint256) public sourceId;
    /// @inheritdoc INexus
    address[] public clients;
    /// @inheritdoc INexus
    mapping(address => address[]) public sourcesOf;
    /// @inheritdoc INexus
    mapping(address => uint256) public activeSourceCountOf;
    /// @inheritdoc INexus
    mapping(address => bool) public isTask;
    /// @inheritdoc INexus
    mapping(address => mapping(address => uint256)) public suggestedPaymentOf;
    /// @inheritdoc INexus
    /// @dev The Vault keeps it back from unbonding until the last such registration is unregistered.
    mapping(address => uint256) public requiredStakeOf;
    /// @dev Number of a provider's registrations made under a nonzero `minAvailableLockup`.
    mapping(address => uint256) private _stakedRegistrationCount;
    /// @dev Whether (source, provider)'s registration counts in `_stakedRegistrationCount`.
    mapping(address => mapping(address => bool)) private _stakedRegistration;

    /// @dev Caller holds the Manager's CONTROLLER role.
    modifier onlyController() {
        _checkController();
        _;
    }

    /// @param _manager The Manager holding the roles.
    /// @param _terminal The Terminal (pairings and agents).
    /// @param _vault The Vault (stake, eligibility, escrow).
    constructor(address _manager, address _terminal, address _vault) Ownable(msg.sender) {
        manager = _manager;
        terminal = _terminal;
        vault = _vault;
        sourceImplementation = _deploySourceImplementation();
        responseImplementation = _deployResponseImplementation();
    }

    // -------------------------------------------------------------------------- source lifecycle

    /// @inheritdoc INexus
    function publishSource(SourceParams calldata _sourceParams) external {
        address client = _sourceParams.client;
        _checkClientOperator(client, client);
        if (client == address(0)) revert ZeroAddress();
        _validate(_sourceParams);
        IVault v = IVault(vault);
        bool whitelisted = v.isWhitelisted(client);
        if (!whitelisted) {
            uint256 perSource = v.MIN_LOCKUP_PER_SOURCE();
            if (perSource > 0) {
                uint256 required = perSource * (activeSourceCountOf[client] + 1);
                uint256 locked = v.lockupOf(client);
                if (locked < required) revert InsufficientLockup(client, required, locked);
            }
            if (v.sanctionOf(client) > 0) revert NotEligible(client);
        }

        SourceParams memory p = _sourceParams;
        p.lastUpdateTime = block.timestamp;
        address source = _createSource(p);
        sources.push(source);
        sourceId[source] = sources.length;
        address[] storage mine = sourcesOf[client];
        if (mine.length == 0) clients.push(client);
        mine.push(source);
        activeSourceCountOf[client] += 1;
        emit SourcePublished(source);
    }

    /// @inheritdoc INexus
    function updateSource(address source, SourceParams calldata _sourceParams) external {
        if (sourceId[source] == 0) revert UnknownSource(source);
        address client = ISource(source).getClient();
        _checkClientOperator(client, source);
        if (_sourceParams.client != client) revert NotOwner(source, msg.sender);
        _validate(_sourceParams);
        SourceParams memory p = _sourceParams;
        p.lastUpdateTime = block.timestamp;
        ISource(source).setSourceParams(p);
        emit SourceUpdated(source, p);
    }

    /// @inheritdoc INexus
    function inactivateSource(address source) external {
        if (sourceId[source] == 0) revert UnknownSource(source);
        (address client, uint8 status,,,,,) = ISource(source).getTerms();
        _checkClientOperator(client, source);
        if (status == uint8(SourceStatus.INACTIVE)) revert SourceInactive(source);
        ISource(source).setStatus(uint8(SourceStatus.INACTIVE));
        activeSourceCountOf[client] -= 1;
        emit SourceStatusChanged(source, uint8(SourceStatus.INACTIVE));
    }

    /// @inheritdoc INexus
    function setSourceStatus(address source, uint8 status) external {
        _checkOwnerOrController();
        if (sourceId[source] == 0) revert UnknownSource(source);
        if (status > uint8(SourceStatus.INACTIVE)) revert InvalidParams();
        (address client, uint8 current,,,,,) = ISource(source).getTerms();
        ISource(source).setStatus(status);
        if (current != status) {
            if (status == uint8(SourceStatus.ACTIVE)) activeSourceCountOf[client] += 1;
            else activeSourceCountOf[client] -= 1;
        }
        emit SourceStatusChanged(source, status);
    }

    // ----------------------------------------------------------------------- provider operations

    /// @inheritdoc INexus
    function register(address source, address provider, uint8 preferredEnvironment) external {
        if (sourceId[source] == 0) revert UnknownSource(source);
        (, uint8 status, uint8 envs,,, uint256 minAvailableLockup,) = ISource(source).getTerms();
        if (status != uint8(SourceStatus.ACTIVE)) revert SourceInactive(source);
        address master = _checkProviderOperator(provider);
        if (
            (preferredEnvironment != 1 && preferredEnvironment != 2 && preferredEnvironment != 4)
                || preferredEnvironment & envs == 0
        ) revert InvalidEnvironment(preferredEnvironment);
        if (ISource(source).getRegistrantId(provider) != 0) revert AlreadyRegistered(source, provider);
        IVault v = IVault(vault);
        if (!v.isEligible(provider)) revert NotEligible(provider);
        if (minAvailableLockup > 0) {
            uint256 available = v.availableLockupOf(provider);
            if (master != address(0)) available += v.availableLockupOf(master);
            if (available < minAvailableLockup) revert InsufficientLockup(provider, minAvailableLockup, available);
        }
        uint256 id = ISource(source).register(provider, preferredEnvironment);
        if (minAvailableLockup > 0) {
            _stakedRegistration[source][provider] = true;
            _stakedRegistrationCount[provider] += 1;
            if (minAvailableLockup > requiredStakeOf[provider]) requiredStakeOf[provider] = minAvailableLockup;
        }
        emit Registered(provider, id, source, preferredEnvironment);
    }

    /// @inheritdoc INexus
    function unregister(address source, address provider) external {
        if (sourceId[source] == 0) revert UnknownSource(source);
        _checkProviderAgent(provider);
        ISource(source).unregister(provider);
        if (_stakedRegistration[source][provider]) {
            delete _stakedRegistration[source][provider];
            uint256 left = _stakedRegistrationCount[provider] - 1;
            _stakedRegistrationCount[provider] = left;
            if (left == 0) delete requiredStakeOf[provider];
        }
    }

    /// @inheritdoc INexus
    function attempt(address task, address provider, uint256 suggestedPayment) external {
        if (!isTask[task]) revert UnknownTask(task);
        _checkProviderOperator(provider);
        (address source, uint8 status,, uint256 expiryTime, uint256 payment) = ITask(task).getTerms();
        if (status == uint8(TaskStatus.CANCELED) || status == uint8(TaskStatus.FINALIZED)) {
            revert AlreadyFinalized(task, status);
        }
        if (status == uint8(TaskStatus.EXPIRED)) revert Expired(task, expiryTime);
        if (block.timestamp > expiryTime) {
            // Lazy expiry: settle instead of attempting; the transaction succeeds.
            IVault(vault).releasePayment(ISource(source).getClient(), task);
            _setTaskStatus(task, uint8(TaskStatus.EXPIRED));
            return;
        }
        if (ISource(source).getRegistrantId(provider) == 0) revert NotRegistered(source, provider);
        if (!IVault(vault).isEligible(provider)) revert NotEligible(provider);
        if (suggestedPayment > payment) revert InvalidPayment(suggestedPayment, payment);
        ITask(task).attempt(provider); // reverts AlreadyAttempted
        suggestedPaymentOf[task][provider] = suggestedPayment;
        emit Attempted(task, provider, suggestedPayment);
        if (status == uint8(TaskStatus.NEW)) _setTaskStatus(task, uint8(TaskStatus.ATTEMPTED));
    }

    /// @inheritdoc INexus
    function submitResponse(ResponseParams calldata _responseParams) external {
        address task = _responseParams.task;
        address provider = _responseParams.provider;
        if (!isTask[task]) revert UnknownTask(task);
        _checkProviderOperator(provider);
        (address source, uint8 status, uint8 deliveryMethod, uint256 expiryTime, uint256 payment) =
            ITask(task).getTerms();
        if (status == uint8(TaskStatus.CANCELED) || status == uint8(TaskStatus.FINALIZED)) {
            revert AlreadyFinalized(task, status);
        }
        if (status == uint8(TaskStatus.EXPIRED) || block.timestamp > expiryTime) revert Expired(task, expiryTime);
        if (ITask(task).getAttempterId(provider) == 0) revert NotAttempted(task, provider);
        bytes32 contentKey = ContentKey.compute(_responseParams.data);
        if (ITask(task).responseOf(provider) != address(0) || ITask(task).isAlreadySubmitted(contentKey)) {
            revert AlreadySubmitted(task, provider);
        }
        if (_responseParams.payment > payment) revert InvalidPayment(_responseParams.payment, payment);

        address response = _createResponse(_responseParams);
        // MANUAL: fix the payee now, so re-pairing before the confirmation cannot redirect the payment.
        // FIRST_RESPONSE pays in this transaction and needs no record.
        address payee;
        if (deliveryMethod != uint8(DeliveryMethod.FIRST_RESPONSE)) {
            payee = ITerminal(terminal).masterOf(provider);
            if (payee == address(0)) payee = provider;
        }
        ITask(task).recordResponse(response, provider, contentKey, payee);
        emit ResponseSubmitted(response, task);

        if (deliveryMethod == uint8(DeliveryMethod.FIRST_RESPONSE)) {
            _confirm(response, task, provider);
            _setTaskStatus(task, uint8(TaskStatus.FINALIZED));
            IVault(vault).processPayment(ISource(source).getClient(), provider, task, payment);
        } else if (status == uint8(TaskStatus.ATTEMPTED)) {
            _setTaskStatus(task, uint8(TaskStatus.RESPONDED));
        }
    }

    // ------------------------------------------------------------------------- controller hooks

    /// @inheritdoc INexus
    function emitTaskPublished(address task, address source) external onlyController {
        if (sourceId[source] == 0) revert UnknownSource(source);
        ISource(source).publishTask(task);
        isTask[task] = true;
        emit TaskPublished(task, source);
    }

    /// @inheritdoc INexus
    function setTaskStatus(address task, uint8 status) external onlyController {
        if (!isTask[task]) revert UnknownTask(task);
        _setTaskStatus(task, status);
    }

    /// @inheritdoc INexus
    function setResponseStatus(address response, uint8 status) external onlyController {
        if (!isResponse(response)) revert UnknownResponse(response);
        if (status == uint8(ResponseStatus.CONFIRMED)) {
            (address task, address provider,,) = IResponse(response).getTerms();
            _confirm(response, task, provider);
        } else {
            IResponse(response).setStatus(status);
            emit ResponseStatusChanged(response, status);
        }
    }

    // ------------------------------------------------------------------------------------- admin

    /// @inheritdoc INexus
    function setManager(address _manager) external onlyOwner {
        if (_manager == address(0)) revert ZeroAddress();
        manager = _manager;
    }

    /// @inheritdoc INexus
    function setTerminal(address _terminal) external onlyOwner {
        if (_terminal == address(0)) revert ZeroAddress();
        terminal = _terminal;
    }

    /// @inheritdoc INexus
    function setVault(address _vault) external onlyOwner {
        if (_vault == address(0)) revert ZeroAddress();
        vault = _vault;
    }

    // ------------------------------------------------------------------------------------- views

    /// @inheritdoc INexus
    function getSourceCount() external view returns (uint256) {
        return sources.length;
    }

    /// @inheritdoc INexus
    function getSources(uint256 lower, uint256 upper) external view returns (address[] memory) {
        return sources.slice(lower, upper);
    }

    /// @inheritdoc INexus
    function getSourceId(address source) external view returns (uint256) {
        return sourceId[source];
    }

    /// @inheritdoc INexus
    function getActiveSourceCount(address client) external view returns (uint256) {
        return activeSourceCountOf[client];
    }

    /// @inheritdoc INexus
    function getClientCount() external view returns (uint256) {
        return clients.length;
    }

    /// @inheritdoc INexus
    function getSourcesOfCount(address client) external view returns (uint256) {
        return sourcesOf[client].length;
    }

    /// @inheritdoc INexus
    function checkController(address account) public view returns (bool) {
        return IManager(manager).hasRole(CONTROLLER, account);
    }

    /// @inheritdoc INexus
    /// @dev No storage of its own: tasks are ours (isTask) and only this contract records responses in them.
    function isResponse(address response) public view returns (bool) {
        if (response.code.length == 0) return false;
        (bool ok, bytes memory ret) = response.staticcall(abi.encodeCall(IResponse.getTerms, ()));
        if (!ok || ret.length != 128) return false;
        (address task, address provider,,) = abi.decode(ret, (address, address, uint256, bool));
        return isTask[task] && ITask(task).responseOf(provider) == response;
    }

    // ---------------------------------------------------------------------------------- internal

    /// @dev Deploy the Source implementation (overridable for other deployment variants).
    function _deploySourceImplementation() internal virtual returns (address) {
        return address(new Source());
    }

    /// @dev Deploy the Response implementation (overridable for other deployment variants).
    function _deployResponseImplementation() internal virtual returns (address) {
        return address(new Response());
    }

    /// @dev Create and initialise a Source instance (overridden by the full-deployment bench variant).
    function _createSource(SourceParams memory p) internal virtual returns (address source) {
        source = Clones.clone(sourceImplementation);
        ISource(source).initialize(p, address(this));
    }

    /// @dev Create and initialise a Response instance (overridden by the full-deployment bench variant).
    function _createResponse(ResponseParams calldata r) internal virtual returns (address response) {
        response = Clones.clone(responseImplementation);
        IResponse(response).initialize(r, address(this));
    }

    /// @dev Set the status of `task` and emit `TaskStatusChanged`.
    function _setTaskStatus(address task, uint8 status) private {
        ITask(task).setStatus(status);
        emit TaskStatusChanged(task, status);
    }

    /// @dev Confirm `response` (reverts `AlreadyConfirmed`), record `provider` as the task's winner and emit
    ///      `ResponseStatusChanged`.
    function _confirm(address response, address task, address provider) private {
        IResponse(response).confirm();
        ITask(task).recordWinner(provider);
        emit ResponseStatusChanged(response, uint8(ResponseStatus.CONFIRMED));
    }

    /// @dev Reverts `NotController` unless the caller holds CONTROLLER.
    function _checkController() private view {
        if (!checkController(msg.sender)) revert NotController(msg.sender);
    }

    /// @dev Reverts `NotController` unless the caller is the owner or holds CONTROLLER.
    function _checkOwnerOrController() private view {
        if (msg.sender != owner() && !checkController(msg.sender)) revert NotController(msg.sender);
    }

    /// @dev Reverts `NotOwner(target, caller)` unless the caller is `client` or an agent `client` granted.
    function _checkClientOperator(address client, address target) private view {
        if (msg.sender != client && !ITerminal(terminal).isAgentOf(client, msg.sender)) {
            revert NotOwner(target, msg.sender);
        }
    }

    /// @dev Reverts `NotAgent` unless the caller is `provider`, its master or an agent of its master.
    function _checkProviderAgent(address provider) private view {
        if (msg.sender != provider) _checkMasterOrAgent(provider, ITerminal(terminal).masterOf(provider));
    }

    /// @dev Reverts `NotProvider` unless `provider` holds PROVIDER, then `NotAgent` as `_checkProviderAgent`;
    ///      returns the provider's master (zero if unpaired).
    function _checkProviderOperator(address provider) private view returns (address master) {
        if (!IManager(manager).hasRole(PROVIDER, provider)) revert NotProvider(provider);
        master = ITerminal(terminal).masterOf(provider);
        if (msg.sender != provider) _checkMasterOrAgent(provider, master);
    }

    /// @dev Reverts `NotAgent(caller, provider)` unless `provider` has a `master` and the caller is that master
    ///      or an agent of it (the default agent included).
    function _checkMasterOrAgent(address provider, address master) private view {
        if (master == address(0) || (msg.sender != master && !ITerminal(terminal).getIsAgentOf(master, msg.sender))) {
            revert NotAgent(msg.sender, provider);
        }
    }

    /// @dev Reverts `InvalidEnvironment` for an environment mask outside 1..7, `InvalidParams` for a zero max
    ///      expiry, an empty metadata URL or a delivery method out of range.
    function _validate(SourceParams calldata p) private pure {
        if (p.imageEnvironments == 0 || p.imageEnvironments > 7) revert InvalidEnvironment(p.imageEnvironments);
        if (
            p.maxExpiryDuration == 0 || bytes(p.imageMetadataUrl).length == 0
                || p.deliveryMethod > uint8(DeliveryMethod.FIRST_RESPONSE)
        ) revert InvalidParams();
    }
}
