// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// BENCHMARK ONLY (bench/gas.py): the same protocol, but every Source/Task/Response is a full contract
// deployed with `new` instead of an EIP-1167 clone, to measure what the clones save. Not shipped in the
// package artifacts; runtime code exceeds EIP-170, so the bench node runs with the size limit disabled.
// The Full* constructors run the implementation's constructor first (owner = deployer, initializers
// disabled) and then initialise, which costs a few thousand gas more than a purpose-written constructor.

import {Controller} from "../src/Controller.sol";
import {Nexus} from "../src/Nexus.sol";
import {Response} from "../src/Response.sol";
import {Source} from "../src/Source.sol";
import {Task} from "../src/Task.sol";
import {ResponseParams, SourceParams, TaskParams} from "../src/Types.sol";

/// @notice Source deployed in full: implementation constructor, then `_init`.
contract FullSource is Source {
    constructor(SourceParams memory p, address owner_) payable {
        _init(p, owner_);
    }
}

/// @notice Task deployed in full: implementation constructor, then `_init`.
contract FullTask is Task {
    constructor(TaskParams memory p, uint8 deliveryMethod_, address owner_) payable {
        _init(p, deliveryMethod_, owner_);
    }
}

/// @notice Response deployed in full: implementation constructor, then `_init`.
contract FullResponse is Response {
    constructor(ResponseParams memory p, address owner_) payable {
        _init(p, owner_);
    }
}

/// @notice Nexus that deploys every Source and Response with `new`.
contract FullDeployNexus is Nexus {
    constructor(address _manager, address _terminal, address _vault) Nexus(_manager, _terminal, _vault) {}

    function _createSource(SourceParams memory p) internal override returns (address) {
        return address(new FullSource(p, address(this)));
    }

    function _createResponse(ResponseParams calldata r) internal override returns (address) {
        return address(new FullResponse(r, address(this)));
    }
}

/// @notice Controller that deploys every Task with `new`.
contract FullDeployController is Controller {
    constructor(address _nexus, address _terminal, address _vault) Controller(_nexus, _terminal, _vault) {}

    function _createTask(TaskParams calldata p, uint8 deliveryMethod) internal override returns (address) {
        return address(new FullTask(p, deliveryMethod, nexus));
    }
}
