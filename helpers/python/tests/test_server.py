"""The handle, the fixture's options, parallel servers, and what a failing,
interrupted or killed test leaves behind."""
import datetime
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException

import evictsimtest
from test_readme import CLUSTER

UTC = datetime.timezone.utc


def test_handle(evictsim):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", evictsim.url) and evictsim.url.endswith(f":{evictsim.port}")
    with open(evictsim.kubeconfig_path) as f:
        assert f"server: {evictsim.url}\n" in f.read()
    assert evictsim.load(CLUSTER) == 3
    assert evictsim.advance(90) == datetime.datetime(2025, 1, 1, 0, 1, 30, tzinfo=UTC)
    assert evictsim.advance(datetime.timedelta(minutes=1)) == datetime.datetime(2025, 1, 1, 0, 2, 30, tzinfo=UTC)
    why = evictsim.explain("default", "web")
    assert why["pdbs"][0]["name"] == "web" and why["eviction"]["code"] == 429

    rule = evictsim.add_fault({"match": {"verb": "create", "resource": "pods", "subresource": "eviction"},
                               "response": {"code": 503, "message": "try later"}, "times": 1})
    assert rule["id"] >= 1 and rule["remaining"] == 1
    api = client.CoreV1Api(config.new_client_from_config(evictsim.kubeconfig_path))
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name="web", namespace="default"))
    for want in (503, 429):
        with pytest.raises(ApiException) as e:
            api.create_namespaced_pod_eviction("web", "default", body)
        assert e.value.status == want
    [entry] = evictsim.evictions()
    assert entry == evictsimtest.Eviction(
        time=datetime.datetime(2025, 1, 1, 0, 2, 30, tzinfo=UTC), namespace="default", pod="web", dry_run=False,
        code=429, reason="TooManyRequests", message="Cannot evict pod as it would violate the pod's disruption budget.",
        pdb="web", explanation=entry.explanation)
    assert entry.explanation.endswith("→ refused")

    evictsim.reset()
    assert api.list_pod_for_all_namespaces().items == [] and evictsim.evictions() == []
    with pytest.raises(evictsimtest.EvictsimError) as bad:
        evictsim.load("kind: [")
    assert bad.value.status == 400 and bad.value.body["kind"] == "Status"


@pytest.mark.evictsim(time_scale=60, controllers="none", manifests=[])
def test_marker_options(evictsim):
    assert evictsim.request("GET", "/sim/v1/clock")["mode"] == "real"
    assert evictsim.request("GET", "/sim/v1/clock")["scale"] == 60
    evictsim.load(CLUSTER)  # no disruption controller: nobody counts the Ready pod web
    pdb = evictsim.request("GET", "/apis/policy/v1/namespaces/default/poddisruptionbudgets/web")
    assert pdb.get("status", {}).get("currentHealthy", 0) == 0


def test_kube_version_is_passed(evictsim_factory):
    binary = os.environ.get("EVICTSIM", "evictsim")
    if "--kube-version" in subprocess.run([binary, "--help"], capture_output=True, text=True).stdout:
        sim = evictsim_factory(kube_version="1.31")
        assert sim.request("GET", "/version")["minor"] == "31"
    else:
        with pytest.raises(evictsimtest.EvictsimError, match="--kube-version 1.31"):
            evictsim_factory(kube_version="1.31")


def test_start_failures_name_the_cause(tmp_path):
    with pytest.raises(evictsimtest.EvictsimError, match=r"(?s)exited with status 2.*evictsim: .*nope\.yaml"):
        evictsimtest.Server(manifests=[tmp_path / "nope.yaml"])
    with pytest.raises(evictsimtest.EvictsimError, match="EVICTSIM"):
        evictsimtest.Server(binary=str(tmp_path / "no-such-binary"))


def test_servers_are_independent(evictsim_factory):
    a, b = evictsim_factory(), evictsim_factory()
    assert a.port != b.port and a.dir != b.dir
    a.load("{apiVersion: v1, kind: Namespace, metadata: {name: only-a}}")
    names = lambda s: {n["metadata"]["name"] for n in s.request("GET", "/api/v1/namespaces")["items"]}
    assert "only-a" in names(a) and "only-a" not in names(b)


def _gone(pid, seconds=10):
    for _ in range(seconds * 20):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if ") Z " in f.read():
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


INNER = """
import os, signal, pytest
@pytest.mark.evictsim(verbose=True)
def test_inner(evictsim):
    evictsim.load("{apiVersion: v1, kind: Namespace, metadata: {name: inner}}")
    print("pid", evictsim.proc.pid, flush=True)
    MODE
"""


@pytest.mark.parametrize("mode, code", [("assert False, 'failing on purpose'", 1),
                                        ("raise KeyboardInterrupt", 2),
                                        ("os.kill(os.getpid(), signal.SIGKILL)", -9)])
def test_failed_interrupted_or_killed_test_leaves_no_evictsim(pytester, monkeypatch, mode, code):
    monkeypatch.setenv("PYTHONPATH", os.path.dirname(os.path.dirname(evictsimtest.__file__)))
    pytester.makepyfile(INNER.replace("MODE", mode))
    result = pytester.runpytest_subprocess("-p", "evictsimtest.pytest_plugin", "-s")
    out = result.stdout.str()
    assert result.ret == code, out
    pid = int(re.search(r"\bpid (\d+)", out).group(1))
    assert _gone(pid), f"evictsim {pid} still runs after: {mode}"
    if code == 1:  # a failure shows the server's stderr (here its request log)
        assert "evictsim stderr (http://127.0.0.1:" in out and "POST /sim/v1/load" in out


def test_context_manager_prints_stderr_when_the_block_raises(capsys):
    with pytest.raises(RuntimeError):
        with evictsimtest.start(verbose=True) as sim:
            sim.reset()
            raise RuntimeError("boom")
    assert sim.proc.poll() is not None and not os.path.exists(sim.dir)
    assert "POST /sim/v1/reset" in capsys.readouterr().err
