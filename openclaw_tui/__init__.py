"""openclaw-tui: a live, trustworthy terminal browser and editor for OpenClaw session stores.

The distribution installs this one top-level package. Its subpackages live in the repository's
``store/``, ``tui/`` and ``widgets/`` folders (mapped by ``package-dir`` in pyproject.toml).
"""

from importlib import metadata as _metadata
from pkgutil import extend_path as _extend_path

# From a checkout, this folder can shadow an installed copy of the package; extending the path
# lets the subpackages be found wherever the installer put them.
__path__ = _extend_path(__path__, __name__)

try:
    __version__: str = _metadata.version("openclaw-tui")
except _metadata.PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
