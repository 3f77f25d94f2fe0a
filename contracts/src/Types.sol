// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Parameters of a Source (a containerised service published by a client). Tuple order is ABI-significant.
struct SourceParams {
    address client;
    string imageMetadataUrl;
    uint8 imageEnvironments;
    uint256 minPayment;
    uint256 minAvailableLockup;
    uint256 maxExpiryDuration;
    bool privacyEnabled;
    string optionalParamsUrl;
    uint8 deliveryMethod;
    uint256 lastUpdateTime;
}

/// @notice Parameters of a Task (one job with an escrowed payment). Tuple order is ABI-significant.
struct TaskParams {
    address source;
    string config;
    uint256 expiryTime;
    uint256 payment;
}

/// @notice Parameters of a Response (a provider's answer to a task). Tuple order is ABI-significant.
struct ResponseParams {
    address task;
    address provider;
    string data;
    uint256 payment;
}

/// @notice Lifecycle of a task (docs/protocol.md, "The task state machine").
enum TaskStatus {
    NEW,
    ATTEMPTED,
    RESPONDED,
    CANCELED,
    EXPIRED,
    FINALIZED
}

/// @notice Lifecycle of a source: ACTIVE until the client inactivates it; only the admin route reactivates.
enum SourceStatus {
    ACTIVE,
    INACTIVE
}

/// @notice Lifecycle of a response: SUBMITTED until the client (or FIRST_RESPONSE delivery) confirms it.
enum ResponseStatus {
    SUBMITTED,
    CONFIRMED
}

/// @notice How a task's winner is chosen.
enum DeliveryMethod {
    MANUAL_CONFIRMATION,
    FIRST_RESPONSE
}
