"""openclaw-tui: a live, trustworthy terminal browser and editor for OpenClaw session stores.

The distribution installs this one top-level package. Its subpackages live in the repository's
``store/``, ``tui/`` and ``widgets/`` folders (mapped by ``package-dir`` in pyproject.toml).
"""

from __future__ import annotations

from pkgutil import extend_path as _extend_path
from typing import TYPE_CHECKING

# From a checkout, this folder can shadow an installed copy of the package; extending the path
# lets the subpackages be found wherever the installer put them.
__path__ = _extend_path(__path__, __name__)

if TYPE_CHECKING:
    __version__: str


def __getattr__(name: str) -> str:
    # Read from the package metadata on first use: importlib.metadata costs ~0.05 s of CPU, on
    # the path from process start to the store's scan (tui/cli.py), for a --version or a
    # gateway's hello that need it.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import metadata

    try:
        version: str = metadata.version("openclaw-tui")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        version = "0+unknown"
    globals()["__version__"] = version
    return version


__all__ = ["__version__"]
