# The helpers' own tests use the plugin as a user's suite would.
pytest_plugins = ["evictsimtest.pytest_plugin"]
