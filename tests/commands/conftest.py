"""The store-backed command tests run on both backends: ``backend_store`` is parametrized."""

from tests.backends import backend_store, store_kind  # noqa: F401 - fixtures used by the tests
