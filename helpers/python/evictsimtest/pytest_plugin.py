"""pytest plugin: the ``evictsim`` fixture (a running evictsimtest.Server for
the test, stopped after it) and ``evictsim_factory`` (start several, each
with its own options). Options come from ``@pytest.mark.evictsim(...)``.
A failed test's report shows each of its servers' stderr. Enable it with
``-p evictsimtest.pytest_plugin`` or ``pytest_plugins = ["evictsimtest.pytest_plugin"]``
in the top conftest.py. Owns nothing but the servers' lifetime.
"""
import pytest

from . import Server


def pytest_configure(config):
    config.addinivalue_line("markers", "evictsim(**options): options of the evictsim fixture "
                            "(manifests, clock, time_scale, controllers, kube_version, args, verbose)")


@pytest.fixture
def evictsim_factory(request):
    """start(**options) → a Server stopped when the test ends."""
    servers = request.node.__dict__.setdefault("_evictsim_servers", [])

    def start(**options):
        server = Server(**options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def evictsim(request, evictsim_factory):
    """A running evictsim (manual clock unless the evictsim marker says otherwise)."""
    marker = request.node.get_closest_marker("evictsim")
    return evictsim_factory(**(marker.kwargs if marker else {}))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in item.__dict__.get("_evictsim_servers", []):
            text = server.stderr()
            if text.strip():
                report.sections.append((f"evictsim stderr ({server.url})", text))
