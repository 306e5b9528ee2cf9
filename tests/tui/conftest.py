"""The store-backed app tests run on both backends: ``store_kind`` is parametrized."""

from tests.backends import backend_store, store_kind  # noqa: F401 - fixtures used by the tests
