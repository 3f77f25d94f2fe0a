// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title Manager: the protocol's role registry (OZ AccessControl).
/// @notice Functions, events and errors are OZ AccessControl's (`hasRole`, `grantRole`, `revokeRole`,
///         `renounceRole`, `getRoleAdmin`, `supportsInterface`; `RoleGranted`, `RoleRevoked`, `RoleAdminChanged`;
///         `AccessControlUnauthorizedAccount`, `AccessControlBadConfirmation`) plus the role identifiers below.
///         `DEFAULT_ADMIN_ROLE()` (zero) is AccessControl's public constant and is not redeclared here.
interface IManager is IAccessControl, IERC165 {
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
