// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IManager} from "./interfaces/IManager.sol";

/// @title Manager: role registry of one protocol deployment (docs/protocol.md, "Contracts and roles").
/// @notice The deployer holds DEFAULT_ADMIN_ROLE. PROVIDER is administered by CONTROLLER so that the
///         Terminal (a CONTROLLER holder) can grant/revoke it when pairings change.
contract Manager is AccessControl, IManager {
    /// @inheritdoc IManager
    bytes32 public constant CONTROLLER = keccak256("CONTROLLER");
    /// @inheritdoc IManager
    bytes32 public constant PROVIDER = keccak256("PROVIDER");
    /// @inheritdoc IManager
    bytes32 public constant JUDGE = keccak256("JUDGE");

    constructor() {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
        _setRoleAdmin(PROVIDER, CONTROLLER);
    }
}
