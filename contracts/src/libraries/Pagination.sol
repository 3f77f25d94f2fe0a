// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Inclusive, clamped, non-panicking slices of storage arrays (docs/protocol.md, "ABI compatibility").
/// @notice `slice(arr, lower, upper)` returns `arr[lower..min(upper, len-1)]`, or `[]` when the array is
///         empty, `lower > upper` or `lower >= len`.
library Pagination {
    /// @notice Number of elements in the inclusive, clamped window `lower..upper` of an array of `len`.
    /// @param len The array length.
    /// @param lower The first index.
    /// @param upper The last index (clamped to `len - 1`).
    /// @return count The window size, zero when the window is empty.
    function bounds(uint256 len, uint256 lower, uint256 upper) internal pure returns (uint256 count) {
        if (len == 0 || lower > upper || lower >= len) return 0;
        uint256 last = upper >= len ? len - 1 : upper;
        return last - lower + 1;
    }

    /// @notice Copy of `arr[lower..min(upper, len - 1)]`.
    /// @param arr The storage array.
    /// @param lower The first index.
    /// @param upper The last index.
    /// @return out The window (empty when out of range).
    function slice(address[] storage arr, uint256 lower, uint256 upper) internal view returns (address[] memory out) {
        uint256 n = bounds(arr.length, lower, upper);
        out = new address[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = arr[lower + i];
        }
    }

    /// @notice Copy of `arr[lower..min(upper, len - 1)]`.
    /// @param arr The storage array.
    /// @param lower The first index.
    /// @param upper The last index.
    /// @return out The window (empty when out of range).
    function slice(uint256[] storage arr, uint256 lower, uint256 upper) internal view returns (uint256[] memory out) {
        uint256 n = bounds(arr.length, lower, upper);
        out = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = arr[lower + i];
        }
    }
}
