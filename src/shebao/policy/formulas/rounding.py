"""Rounding to the fen, in one place, so every formula rounds the same way.

Rules say "round half up" (四舍五入). For negative amounts (refunds, net transfers) we round
half AWAY FROM ZERO, so -0.5 fen → -1 fen: the rounding of a debit mirrors its credit, and
-round(x) == round(-x) always holds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError

# float64 carries ~16 significant digits; products such as 24_690 × 0.05 may land a few ulps
# below an exact half. Values within this tolerance of a half are treated as the half.
_ULPS = 8 * np.finfo(np.float64).eps


def _half_up(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Round half away from zero, forgiving float artefacts a few ulps below a half."""
    ax = np.abs(x)
    tol = 1e-9 + _ULPS * ax
    return np.sign(x) * np.floor(ax + 0.5 + tol)


def round_half_up_fen(x: ArrayLike) -> NDArray[np.int64]:
    """Round amounts in fen (float) to whole fen, half away from zero, as int64."""
    arr = np.asarray(x, dtype=np.float64)
    owned = arr is not x and arr.flags.owndata  # a fresh conversion may be worked on in place
    return _round_fen_consuming(arr if owned or arr.size <= 1 else arr.copy())


def _round_fen_consuming(t: NDArray[np.float64]) -> NDArray[np.int64]:
    """`round_half_up_fen` of a float64 temporary that the caller gives up (it is overwritten).

    Bit for bit the same result as `_half_up(t).astype(int64)`, in fewer passes: one min and
    one max check finiteness (NaN propagates through both) and, when nothing is negative —
    money almost always — the sign handling is skipped and truncation replaces the floor (the
    sum is ≥ 0.5, where truncating and flooring agree). The tolerance is added in the same
    order as `_half_up`: (|x| + 0.5) + (1e-9 + ulps × |x|).
    """
    if t.size <= 1:
        if not np.all(np.isfinite(t)):
            raise InputError(
                "amount", "not a finite number (a missing or impossible input upstream)"
            )
        return _half_up(t).astype(np.int64)
    lo, hi = t.min(), t.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise InputError("amount", "not a finite number (a missing or impossible input upstream)")
    if lo < 0:
        return _half_up(t).astype(np.int64)
    tol = t * _ULPS
    tol += 1e-9
    t += 0.5
    t += tol
    return t.astype(np.int64)


def _any_negative(a: NDArray[Any]) -> bool:
    """`np.any(a < 0)` by one reduction (a NaN minimum falls back to the full comparison)."""
    if a.size == 0:
        return False
    m = a.min()
    if m < 0:
        return True
    if m != m:  # NaN somewhere: NaN compares false, so look at the other values
        return bool(np.any(a < 0))
    return False


def _fen_view(x: ArrayLike) -> NDArray[np.int64]:
    """`as_fen` without copying int64 input: for callers that never write into the result."""
    arr = np.asarray(x)
    if arr.dtype == np.int64:
        return arr
    return as_fen(arr)


def round_half_up(x: ArrayLike, decimals: int = 0) -> NDArray[np.float64]:
    """Round to `decimals` places, half away from zero (e.g. a divisor to 0.1 month)."""
    arr = np.asarray(x, dtype=np.float64)
    scale = 10.0**decimals
    return _half_up(arr * scale) / scale


def as_fen(x: ArrayLike) -> NDArray[np.int64]:
    """Accept money inputs as int64 fen; refuse fractional fen rather than silently truncate."""
    arr = np.asarray(x)
    if arr.dtype.kind in "iu" or arr.dtype == np.bool_:
        return arr.astype(np.int64)
    f = arr.astype(np.float64)
    if not np.all(np.isfinite(f)):
        raise InputError("amount", "not a finite number")
    r = np.round(f)
    if np.any(np.abs(f - r) > 1e-9):
        raise InputError("amount", "money must be whole fen (integers)")
    return r.astype(np.int64)


def largest_remainder(total: int, weights: ArrayLike) -> NDArray[np.int64]:
    """Split an integer `total` in proportion to integer `weights` so the parts sum exactly.

    Exact integer arithmetic (Python ints, no float): each part gets ⌊total × w / Σw⌋, then
    the fen left over go one each to the largest remainders, ties to the lower index. Used
    where a published total must be conserved to the fen (central adjustment allocations).
    """
    w = [int(v) for v in np.asarray(weights).ravel()]
    tot = sum(w)
    if tot <= 0:
        raise InputError("weights", "weights must sum to a positive number")
    parts: list[int] = []
    rems: list[int] = []
    for wi in w:
        q, r = divmod(int(total) * wi, tot)
        parts.append(q)
        rems.append(r)
    left = int(total) - sum(parts)
    order = sorted(range(len(w)), key=lambda i: (-rems[i], i))
    for i in order[:left]:
        parts[i] += 1
    return np.asarray(parts, dtype=np.int64).reshape(np.shape(weights))


def largest_remainder_rows(total: ArrayLike, shares: ArrayLike) -> NDArray[np.int64]:
    """Vectorized largest-remainder split of each row's integer `total` by float `shares`.

    `shares` has a trailing axis of parts (non-negative, not all zero per row); `total` is
    broadcast against the leading axes. Parts sum exactly to `total` in every row.
    """
    s = np.asarray(shares, dtype=np.float64)
    t = np.asarray(total, dtype=np.int64)
    ssum = s.sum(axis=-1, keepdims=True)
    safe = np.where(ssum > 0, ssum, 1.0)
    exact = t[..., None] * (s / safe)
    base = np.floor(exact + 1e-9).astype(np.int64)
    rem = exact - base
    left = t - base.sum(axis=-1)
    rank = np.argsort(np.argsort(-rem, axis=-1, kind="stable"), axis=-1, kind="stable")
    return base + (rank < left[..., None]).astype(np.int64)
