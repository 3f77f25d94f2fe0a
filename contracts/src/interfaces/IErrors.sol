// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Protocol failure identifiers: custom errors with arguments (docs/protocol.md, "Errors").
/// @notice Every protocol contract inherits this interface so that each compiled ABI can decode every
///         protocol error, including errors that bubble up from a contract called further down.
interface IErrors {
    /// @notice The caller is not the client (or an agent of the client) of `target` (a source or task).
    /// @param target The source or task (or the client named in new source params) being acted on.
    /// @param caller The unauthorised caller.
    error NotOwner(address target, address caller);

    /// @notice The caller is not the master (or an agent of the master) for a master-only Terminal operation.
    /// @param account The unauthorised caller.
    error NotMaster(address account);

    /// @notice The subject lacks the PROVIDER role / is not a paired provider.
    /// @param account The account that is not a provider.
    error NotProvider(address account);

    /// @notice The task is past its expiry time or already EXPIRED, or the expiry at publish is not in the future.
    /// @param task The task (zero when publishing).
    /// @param expiryTime The task's expiry time (unix seconds).
    error Expired(address task, uint256 expiryTime);

    /// @notice The response is already confirmed.
    /// @param response The response contract.
    error AlreadyConfirmed(address response);

    /// @notice The task is CANCELED/FINALIZED, or a cancel was requested after NEW.
    /// @param task The task.
    /// @param status The task's current status.
    error AlreadyFinalized(address task, uint8 status);

    /// @notice The liquid vault balance is too low.
    /// @param account The account whose balance is short.
    /// @param required The amount needed.
    /// @param available The amount available.
    /// @dev OpenZeppelin's `Errors.InsufficientBalance(uint256,uint256)` (reachable only through a value-carrying
    ///      `Clones` call, which the protocol never makes) shares the name; the name is kept because it is a
    ///      protocol identifier the SDKs map by name (`InsufficientBalanceError`). `scripts/compile.js` drops the
    ///      OpenZeppelin one from the artifacts, so each error name in an ABI has one signature.
    error InsufficientBalance(address account, uint256 required, uint256 available);

    /// @notice The stake (lockup) is too low.
    /// @param account The account whose lockup is short.
    /// @param required The lockup needed.
    /// @param available The lockup available.
    error InsufficientLockup(address account, uint256 required, uint256 available);

    /// @notice `claim` was called before the unbonding bucket matured.
    /// @param account The claiming account.
    /// @param remainingSeconds Seconds until maturity.
    error UnbondingNotElapsed(address account, uint256 remainingSeconds);

    /// @notice `Vault.isEligible` is false for the subject (sanctioned or below the lockup floor).
    /// @param account The ineligible account.
    error NotEligible(address account);

    /// @notice The source is not ACTIVE.
    /// @param source The source.
    error SourceInactive(address source);

    /// @notice The caller is neither the provider, its master, nor an agent of its master.
    /// @param caller The unauthorised caller.
    /// @param principal The provider acted for.
    error NotAgent(address caller, address principal);

    /// @notice A controller-only (or protocol-only) entry point was called by another account.
    /// @param caller The unauthorised caller.
    error NotController(address caller);

    /// @notice A JUDGE-gated Vault function was called by another account.
    /// @param caller The unauthorised caller.
    error NotJudge(address caller);

    /// @notice An admin-gated Vault function was called by an account without DEFAULT_ADMIN_ROLE.
    /// @param caller The unauthorised caller.
    error NotAdmin(address caller);

    /// @notice The address is not a source created by this deployment.
    /// @param source The address.
    error UnknownSource(address source);

    /// @notice The address is not a task created by this deployment.
    /// @param task The address.
    error UnknownTask(address task);

    /// @notice The address is not a response created by this deployment.
    /// @param response The address.
    error UnknownResponse(address response);

    /// @notice The provider is not registered to the source.
    /// @param source The source.
    /// @param provider The provider.
    error NotRegistered(address source, address provider);

    /// @notice The provider is already registered to the source.
    /// @param source The source.
    /// @param provider The provider.
    error AlreadyRegistered(address source, address provider);

    /// @notice The provider already attempted the task.
    /// @param task The task.
    /// @param provider The provider.
    error AlreadyAttempted(address task, address provider);

    /// @notice The provider has not attempted the task (or the task is not awaiting confirmation).
    /// @param task The task.
    /// @param provider The provider.
    error NotAttempted(address task, address provider);

    /// @notice The provider already responded, or the same response data was already submitted for the task.
    /// @param task The task.
    /// @param provider The provider.
    error AlreadySubmitted(address task, address provider);

    /// @notice An amount exceeds its allowed maximum (bid or response payment above the task payment).
    /// @param amount The offending amount.
    /// @param maximum The maximum allowed.
    error InvalidPayment(uint256 amount, uint256 maximum);

    /// @notice The task payment is below the source's minimum payment.
    /// @param payment The offered payment.
    /// @param minPayment The source's minimum.
    error InsufficientPayment(uint256 payment, uint256 minPayment);

    /// @notice The task expiry is later than the source allows.
    /// @param expiryTime The requested expiry time.
    /// @param latestAllowed The latest expiry time allowed now.
    error ExpiryTooLong(uint256 expiryTime, uint256 latestAllowed);

    /// @notice An environment bitmask or preferred environment is invalid.
    /// @param value The offending value.
    error InvalidEnvironment(uint8 value);

    /// @notice Malformed parameters (empty metadata URL, zero max expiry, enum out of range, duplicate escrow).
    error InvalidParams();

    /// @notice `msg.value` (or a waive amount) does not match what is allowed.
    /// @param value The value given.
    /// @param amount The amount expected / allowed.
    error InvalidAmount(uint256 value, uint256 amount);

    /// @notice A zero amount was given where a positive amount is required.
    error ZeroAmount();

    /// @notice A zero address was given where an address is required.
    error ZeroAddress();

    /// @notice The account is already paired (as provider, or as master when announcing itself as provider).
    /// @param account The paired account.
    error AlreadyPaired(address account);

    /// @notice The announced master is invalid (self, or a provider).
    /// @param master The announced master.
    error InvalidMaster(address master);

    /// @notice The announced provider is invalid (self, or a master).
    /// @param provider The announced provider.
    error InvalidProvider(address provider);

    /// @notice The agent is invalid (the caller itself).
    /// @param agent The agent.
    error InvalidAgent(address agent);

    /// @notice Providers cannot appoint agents.
    /// @param provider The calling provider.
    error ProviderCannotSetAgent(address provider);

    /// @notice There is nothing to claim (no unbonding bucket, or no sanctioned amount).
    /// @param account The account.
    error NothingToClaim(address account);

    /// @notice There is no unbonding bucket to cancel.
    /// @param account The account.
    error NothingToCancel(address account);

    /// @notice No open escrow exists for the task (never frozen, client mismatch or already settled).
    /// @param task The task.
    error EscrowNotFound(address task);

    /// @notice A native-coin transfer failed.
    /// @param to The recipient.
    /// @param amount The amount.
    error TransferFailed(address to, uint256 amount);
}
