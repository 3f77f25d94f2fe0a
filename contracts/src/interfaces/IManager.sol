// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @title Manager: the protocol's role registry (OZ AccessControl).
/// @notice Events and errors are OZ AccessControl's (`RoleGranted`, `RoleRevoked`, `RoleAdminChanged`,
///         `AccessControlUnauthorizedAccount`, `AccessControlBadConfirmation`).
interface IManager is IAccessControl {
    /// @notice Role of trusted protocol contracts (Controller, Nexus, Terminal); admin of PROVIDER.
    /// @return keccak256("CONTROLLER").
    function CONTROLLER() external view returns (bytes32);

    /// @notice Role of every paired provider (granted/revoked by the Terminal).
    /// @return keccak256("PROVIDER").
    function PROVIDER() external view returns (bytes32);

    /// @notice Role of the judge (sanctions, waivers, whitelist, forced escrow release).
    /// @return keccak256("JUDGE").
    function JUDGE() external view returns (bytes32);
}
