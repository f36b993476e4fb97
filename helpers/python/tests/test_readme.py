"""The README's Python examples, run as they are written there (tests/helpers
checks that the README's blocks are these functions' text)."""
import os
import unittest

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException

import evictsimtest

# A Node, a Ready Pod web on it, and PDB web with minAvailable: 1.
with open(os.path.join(os.path.dirname(__file__), "..", "..", "testdata", "web-pdb.yaml")) as f:
    CLUSTER = f.read()


def test_eviction_refused_by_the_budget(evictsim):
    evictsim.load(CLUSTER)
    api = client.CoreV1Api(config.new_client_from_config(evictsim.kubeconfig_path))
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name="web", namespace="default"))
    with pytest.raises(ApiException) as refused:
        api.create_namespaced_pod_eviction("web", "default", body)  # your code
    assert refused.value.status == 429
    [entry] = evictsim.evictions()
    assert entry.pdb == "web" and entry.code == 429
    print(entry.explanation)  # PDB web: minAvailable 1 of 1 expected; 1 healthy ... → refused


class EvictionTest(unittest.TestCase):
    def setUp(self):
        self.sim = self.enterContext(evictsimtest.start())  # Python 3.11; else __enter__ + addCleanup
        self.sim.load(CLUSTER)

    def test_dry_run_eviction_is_refused_too(self):
        self.assertEqual(self.sim.explain("default", "web")["eviction"]["code"], 429)
        self.assertEqual(self.sim.evictions(), [])  # explain evicts nothing
