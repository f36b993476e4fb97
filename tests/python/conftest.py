# Starts evictsim for the Python client tests (Debian's python3-kubernetes,
# the client users install) and hands out clients bound to it. EVICTSIM
# names the binary (the Makefile sets it); the default is ./evictsim at the
# repository root. Each server runs a manual clock: tests move time with
# advance().
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request

import pytest
from kubernetes import client, config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BINARY = os.path.join(ROOT, os.environ.get('EVICTSIM', 'evictsim'))

# A cluster written with as little as the API accepts: no status, no
# defaults, no spec where none is needed. What a client reads back is what
# the server and its simulated components filled.
MINIMAL = """
apiVersion: v1
kind: Node
metadata: {name: bare}
---
apiVersion: v1
kind: Pod
metadata: {name: solo, namespace: default}
spec:
  nodeName: bare
  initContainers: [{name: setup, image: busybox}]
  containers: [{name: app, image: registry.example.com/team/app:2.1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  selector: {matchLabels: {app: db}}
  serviceName: db
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:16}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: fluentd}]}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy, namespace: default}
spec:
  template:
    metadata: {labels: {app: legacy}}
    spec: {containers: [{name: legacy, image: nginx}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: default}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: v1
kind: Event
metadata: {name: hello, namespace: default}
involvedObject: {kind: Pod, name: solo, namespace: default}
"""


class Server:
    def __init__(self, manifests, args=()):
        self.dir = tempfile.mkdtemp(prefix='evictsim-py-')
        port_file = os.path.join(self.dir, 'port')
        self.kubeconfig = os.path.join(self.dir, 'kubeconfig')
        paths = []
        for i, text in enumerate(manifests):
            if os.path.exists(text):
                paths.append(text)
                continue
            p = os.path.join(self.dir, f'm{i}.yaml')
            with open(p, 'w') as f:
                f.write(text)
            paths.append(p)
        self.proc = subprocess.Popen(
            [BINARY, '--listen', '127.0.0.1:0', '--port-file', port_file, '--kubeconfig', self.kubeconfig,
             '--clock', 'manual', '-q', *args, *paths],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if 'serving on' not in line:
            raise RuntimeError(f'evictsim did not start: {line} {self.proc.stderr.read()}')
        self.url = re.search(r'https?://\S+', line).group(0)
        self.api = config.new_client_from_config(config_file=self.kubeconfig)

    def sim(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    def namespace(self, name):
        """Make namespace `name` (the other cluster parameter's run may have)."""
        try:
            client.CoreV1Api(self.api).create_namespace({'metadata': {'name': name}})
        except client.exceptions.ApiException as e:
            assert e.status == 409

    def advance(self, seconds):
        return self.sim('POST', '/sim/v1/clock/advance', {'seconds': seconds})

    def stop(self):
        self.api.close()
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=10)
        if re.search(r'ERROR: (Address|Leak)Sanitizer|runtime error:', err or ''):
            raise AssertionError('evictsim sanitizer report:\n' + err[:4000])


@pytest.fixture(scope='module')
def default_cluster():
    s = Server([os.path.join(ROOT, 'fixtures', 'default.yaml')])
    s.advance(60)  # every pod Ready
    yield s
    s.stop()


@pytest.fixture(scope='module')
def minimal_cluster():
    s = Server([MINIMAL])
    s.advance(60)
    yield s
    s.stop()


@pytest.fixture(scope='module', params=['default', 'minimal'])
def cluster(request):
    return request.getfixturevalue(request.param + '_cluster')
