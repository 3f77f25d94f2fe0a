// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ContentKey: the duplicate-response key of a response's data (docs/protocol.md, "Security decisions").
/// @notice Responses are normally gateway URLs of IPFS content. Two URLs that name the same CID are the same
///         content whatever the gateway, query string, fragment or trailing path, so the key is the CID,
///         ASCII-lowercased (base32 CIDs are case-insensitive): from `ipfs://<cid>`, a subdomain gateway
///         `<scheme>://<cid>.ipfs.<host>` or a path gateway `.../ipfs/<cid>`. Data naming no CID is keyed by
///         itself. A CID re-encoded into another version or multibase is a different key (documented risk).
/// @dev One pass of byte reads in assembly: a Solidity byte loop cost ~28k gas per 80-byte URL, this ~5k.
library ContentKey {
    /// @notice keccak256 of the lowercased CID `data` names, or of `data` itself when it names none.
    /// @param data The response data.
    /// @return key The content key.
    function compute(string memory data) internal pure returns (bytes32 key) {
        (uint256 start, uint256 end) = cidBounds(bytes(data));
        if (end <= start) return keccak256(bytes(data));
        assembly ("memory-safe") {
            let src := add(add(data, 32), start)
            let dst := mload(0x40) // scratch past the free memory pointer; not kept
            let len := sub(end, start)
            // Lowercase 32 bytes at a time: a byte gets 0x20 added when it is in 'A'..'Z' (0x41..0x5a).
            let m := 0x7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f
            let h := 0x8080808080808080808080808080808080808080808080808080808080808080
            for { let i := 0 } lt(i, len) { i := add(i, 32) } {
                let w := mload(add(src, i))
                let low := and(w, m)
                let atLeastA := add(low, 0x3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f)
                let aboveZ := add(low, 0x2525252525252525252525252525252525252525252525252525252525252525)
                let upper := and(and(atLeastA, not(aboveZ)), and(not(w), h))
                mstore(add(dst, i), or(w, shr(2, upper)))
            }
            key := keccak256(dst, len)
        }
    }

    /// @notice Bounds [start, end) of the CID in `b`, or (0, 0) when `b` names none.
    /// @param b The response data.
    /// @return start Offset of the CID's first byte.
    /// @return end Offset just past the CID's last byte.
    function cidBounds(bytes memory b) internal pure returns (uint256 start, uint256 end) {
        assembly ("memory-safe") {
            let p := add(b, 32)
            let n := mload(b)
            // "ipfs://<cid>"
            if and(gt(n, 7), eq(shr(200, mload(p)), 0x697066733a2f2f)) { start := 7 }
            if iszero(start) {
                // "<scheme>://": letters, digits, '+', '-' (at most 16) then "://"
                let host := 0
                for { let i := 0 } and(lt(add(i, 2), n), lt(i, 16)) { i := add(i, 1) } {
                    let c := byte(0, mload(add(p, i)))
                    if eq(c, 0x3a) {
                        if eq(shr(232, mload(add(p, i))), 0x3a2f2f) { host := add(i, 3) }
                        break
                    }
                    let l := or(c, 0x20)
                    if iszero(or(or(and(gt(l, 0x60), lt(l, 0x7b)), and(gt(c, 0x2f), lt(c, 0x3a))), or(eq(c, 0x2b), eq(c, 0x2d)))) {
                        break
                    }
                }
                // subdomain gateway: the first host label, when ".ipfs." follows it
                if host {
                    for { let i := host } lt(i, n) { i := add(i, 1) } {
                        let c := byte(0, mload(add(p, i)))
                        if eq(c, 0x2e) {
                            if and(iszero(gt(add(i, 6), n)), eq(shr(208, mload(add(p, i))), 0x2e697066732e)) {
                                start := host
                                end := i
                            }
                            break
                        }
                        if or(or(eq(c, 0x2f), eq(c, 0x3f)), or(eq(c, 0x23), eq(c, 0x3a))) { break }
                    }
                }
                // path gateway: ".../ipfs/<cid>"
                if iszero(end) {
                    for { let i := host } iszero(gt(add(i, 6), n)) { i := add(i, 1) } {
                        if eq(shr(208, mload(add(p, i))), 0x2f697066732f) {
                            start := add(i, 6)
                            break
                        }
                    }
                }
            }
            // the CID runs to the next '/', '?', '#' or the end
            if and(gt(start, 0), iszero(end)) {
                end := n
                for { let i := start } lt(i, n) { i := add(i, 1) } {
                    let c := byte(0, mload(add(p, i)))
                    if or(or(eq(c, 0x2f), eq(c, 0x3f)), eq(c, 0x23)) {
                        end := i
                        break
                    }
                }
            }
        }
    }
}
