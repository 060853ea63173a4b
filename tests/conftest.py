"""The shared fixtures live in a plugin, so test modules never import from here: tests/support/fixtures.py."""

pytest_plugins = ["tests.support.fixtures"]
