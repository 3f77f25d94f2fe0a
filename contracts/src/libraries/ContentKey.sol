// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ContentKey: the duplicate-response key of a response's data (docs/protocol.md, "Security decisions").
/// @notice Responses are normally gateway URLs of IPFS content. Two URLs that name the same CID are the same
///         content whatever the gateway, query string, fragment or trailing path, so the key is the CID,
///         ASCII-lowercased (base32 CIDs are case-insensitive): from `ipfs://<cid>`, a subdomain gateway
///         `<scheme>://<cid>.ipfs.<host>` or a path gateway `.../ipfs/<cid>`. Data naming no CID is keyed by
///         itself. A CID re-encoded into another version or multibase is a different key (documented risk).
library ContentKey {
    /// @notice keccak256 of the lowercased CID `data` names, or of `data` itself when it names none.
    function compute(string memory data) internal pure returns (bytes32) {
        bytes memory b = bytes(data);
        (uint256 start, uint256 end) = _cid(b);
        if (end <= start) return keccak256(b);
        bytes memory cid = new bytes(end - start);
        for (uint256 i; i < cid.length; ++i) {
            bytes1 c = b[start + i];
            cid[i] = (c >= "A" && c <= "Z") ? bytes1(uint8(c) + 32) : c;
        }
        return keccak256(cid);
    }

    /// @dev Bounds [start, end) of the CID in `b`, or (0, 0) when `b` names none.
    function _cid(bytes memory b) private pure returns (uint256 start, uint256 end) {
        uint256 n = b.length;
        if (n > 7 && _at(b, 0, "ipfs://")) return (7, _segmentEnd(b, 7, false));
        uint256 host = _schemeEnd(b);
        if (host != 0) {
            uint256 hostEnd = _segmentEnd(b, host, true);
            for (uint256 i = host; i + 6 <= hostEnd; ++i) {
                if (b[i] == ".") {
                    if (_at(b, i, ".ipfs.")) return (host, i);
                    break; // only the first label can be a CID
                }
            }
        }
        for (uint256 i = host; i + 6 <= n; ++i) {
            if (b[i] == "/" && _at(b, i, "/ipfs/")) return (i + 6, _segmentEnd(b, i + 6, false));
        }
        return (0, 0);
    }

    /// @dev Index just past "://" when `b` starts with a scheme, else 0.
    function _schemeEnd(bytes memory b) private pure returns (uint256) {
        uint256 n = b.length;
        for (uint256 i; i + 3 <= n && i < 16; ++i) {
            bytes1 c = b[i];
            if (c == ":") return _at(b, i, "://") ? i + 3 : 0;
            if (!((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "+" || c == "-")) {
                return 0;
            }
        }
        return 0;
    }

    /// @dev First index at or after `from` holding '/', '?', '#' (or ':' too when `port`), else `b.length`.
    function _segmentEnd(bytes memory b, uint256 from, bool port) private pure returns (uint256) {
        uint256 n = b.length;
        for (uint256 i = from; i < n; ++i) {
            bytes1 c = b[i];
            if (c == "/" || c == "?" || c == "#" || (port && c == ":")) return i;
        }
        return n;
    }

    function _at(bytes memory b, uint256 i, bytes memory pat) private pure returns (bool) {
        if (i + pat.length > b.length) return false;
        for (uint256 k; k < pat.length; ++k) {
            if (b[i + k] != pat[k]) return false;
        }
        return true;
    }
}
