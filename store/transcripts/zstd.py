"""zstd decompression with a hard output bound: ``compression.zstd`` (Python 3.14+), else its
maintained backport ``backports.zstd`` (same API; a pyproject dependency below 3.14)."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 14):
    from compression.zstd import ZstdDecompressor, ZstdError
else:
    from backports.zstd import ZstdDecompressor, ZstdError

__all__ = ["ZstdError", "decompress"]


def decompress(data: bytes, max_bytes: int) -> bytes:
    """The one zstd frame in ``data``, at most ``max_bytes`` long, else ``ZstdError``.

    A frame that is cut, damaged, followed by junk, or that would decompress to more than
    ``max_bytes`` (a zstd bomb) is refused rather than inflated.
    """
    decompressor = ZstdDecompressor()
    out = decompressor.decompress(data, max_length=max_bytes)
    if not decompressor.eof:
        if not decompressor.needs_input:
            raise ZstdError(f"decompresses to more than {max_bytes:,} bytes")
        raise ZstdError("the compressed data is cut short")
    if decompressor.unused_data:
        raise ZstdError("junk after the compressed data")
    return out
