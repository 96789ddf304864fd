"""The Orbito backend: websites register the actions that AI agents may take on them."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("orbito")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
