# The typed Python client (kubernetes.client) against evictsim: every kind
# discovery serves is listed, read, created, patched, watched and deleted
# through its generated API class and models, which raise on any field the
# schema requires and the server left out; evictions answer as upstream's.
import json
import re

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException


def api_class(group_version):
    """CoreV1Api for v1, AppsV1Api for apps/v1, CoordinationV1Api for
    coordination.k8s.io/v1: the generated class of a group version."""
    group, _, version = group_version.rpartition('/')
    name = ''.join(p.capitalize() for p in (group or 'core').replace('.k8s.io', '').split('.'))
    return getattr(client, name + version.capitalize() + 'Api', None)


def snake(kind):
    return re.sub(r'(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])', '_', kind).lower()


def served(server):
    """(group version, APIResource) of every top-level resource served."""
    out = []
    core = client.CoreV1Api(server.api).get_api_resources()
    out += [('v1', r) for r in core.resources]
    for g in client.ApisApi(server.api).get_api_versions().groups:
        gv = g.preferred_version.group_version
        cls = api_class(gv)
        if cls is None:  # a group version newer than this client (autoscaling/v2 for v22)
            continue
        out += [(gv, r) for r in cls(server.api).get_api_resources().resources]
    return [(gv, r) for gv, r in out if '/' not in r.name]


class Typed:
    """The typed calls of one resource: list, read, create, patch, delete."""

    def __init__(self, server, gv, res):
        self.api = api_class(gv)(server.api)
        self.kind, self.namespaced, self.verbs = res.kind, res.namespaced, res.verbs
        self.s = snake(res.kind)

    def call(self, verb, *args, ns=None, **kw):
        if self.namespaced and verb == 'create':
            return getattr(self.api, f'create_namespaced_{self.s}')(ns, *args, **kw)
        if self.namespaced:
            return getattr(self.api, f'{verb}_namespaced_{self.s}')(args[0], ns, *args[1:], **kw)
        return getattr(self.api, f'{verb}_{self.s}')(*args, **kw)

    def list_all(self, **kw):
        if self.namespaced:
            return getattr(self.api, f'list_{self.s}_for_all_namespaces')(**kw)
        return getattr(self.api, f'list_{self.s}')(**kw)

    def list_fn(self):
        return getattr(self.api, f'list_{self.s}_for_all_namespaces' if self.namespaced else f'list_{self.s}')


def resources(server):
    return [Typed(server, gv, r) for gv, r in served(server) if 'list' in r.verbs]


def test_discovery_has_the_kinds_served_today(cluster):
    kinds = {t.kind for t in resources(cluster)}
    assert {'Namespace', 'Node', 'Pod', 'Event', 'ReplicationController', 'PodDisruptionBudget',
            'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'} <= kinds


def test_list_and_read_every_kind(cluster):
    for t in resources(cluster):
        items = t.list_all().items  # the models' setters reject a missing required field
        if t.kind in ('Node', 'Pod', 'Namespace', 'Deployment', 'PodDisruptionBudget'):
            assert items, t.kind
        for o in items:
            got = t.call('read', o.metadata.name, ns=o.metadata.namespace)
            assert got.metadata.uid == o.metadata.uid, t.kind


def body_from(api, obj, name, ns):
    """A new object of the same kind made from a served one, as a client
    would write it: no server-set metadata, no status."""
    d = api.sanitize_for_serialization(obj)
    d['metadata'] = {'name': name, 'labels': {'made-by': 'python'}}
    if ns:
        d['metadata']['namespace'] = ns
    d.pop('status', None)
    if ns and isinstance(d.get('involvedObject'), dict):  # an Event is about an object of its namespace
        d['involvedObject']['namespace'] = ns
    if isinstance(obj, client.V1PriorityClass):  # a copy of a system class: users may not go above 1e9
        d['value'] = 1000
    return d


def test_create_patch_watch_delete_every_kind(cluster):
    cluster.namespace('py')
    for t in resources(cluster):
        if not {'create', 'patch', 'delete'} <= set(t.verbs):
            continue
        items = t.list_all().items
        if not items:
            continue
        ns = 'py' if t.namespaced else None
        name = 'py-' + t.s.replace('_', '-')
        if t.kind == 'Namespace':
            name = 'py-copy'
        before = t.list_all()
        made = t.call('create', body_from(cluster.api, items[0], name, ns), ns=ns)
        assert made.metadata.name == name and made.metadata.uid, t.kind
        patched = t.call('patch', name, {'metadata': {'labels': {'patched': 'yes'}}}, ns=ns)
        assert patched.metadata.labels['patched'] == 'yes', t.kind
        assert patched.metadata.labels['made-by'] == 'python', t.kind
        # the watch from the list before replays the creation, typed
        seen = []
        for ev in watch.Watch().stream(t.list_fn(), resource_version=before.metadata.resource_version,
                                       timeout_seconds=1):
            seen.append((ev['type'], ev['object'].metadata.name, type(ev['object']).__name__))
        assert ('ADDED', name, 'V1' + t.kind) in seen or ('ADDED', name, type(made).__name__) in seen, (t.kind, seen)
        t.call('delete', name, ns=ns)


def test_watch_every_kind_typed(cluster):
    for t in resources(cluster):
        if 'watch' not in t.verbs:
            continue
        expected = {o.metadata.uid for o in t.list_all().items}
        got = set()
        for ev in watch.Watch().stream(t.list_fn(), timeout_seconds=1):
            if ev['type'] == 'ADDED':
                got.add(ev['object'].metadata.uid)
        assert expected <= got, t.kind


def test_nodes_as_a_kubelet_reports_them(default_cluster):
    version = client.VersionApi(default_cluster.api).get_code().git_version
    nodes = client.CoreV1Api(default_cluster.api).list_node().items
    assert len(nodes) == 3
    first = {}
    for n in nodes:
        info = n.status.node_info
        assert info.kubelet_version == version
        assert info.boot_id and info.machine_id and info.system_uuid and info.kernel_version
        assert n.status.daemon_endpoints.kubelet_endpoint.port == 10250
        types = [c.type for c in n.status.conditions]
        assert {'MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'} <= set(types)
        assert all(c.last_heartbeat_time and c.last_transition_time for c in n.status.conditions)
        assert any(a.type == 'InternalIP' for a in n.status.addresses)
        first[n.metadata.name] = max(c.last_heartbeat_time for c in n.status.conditions)
    default_cluster.advance(300)  # nodeStatusReportFrequency
    for n in client.CoreV1Api(default_cluster.api).list_node().items:
        beat = max(c.last_heartbeat_time for c in n.status.conditions)
        assert (beat - first[n.metadata.name]).total_seconds() >= 300


def test_minimal_node_and_pods_filled(minimal_cluster):
    v1 = client.CoreV1Api(minimal_cluster.api)
    node = v1.read_node('bare')
    assert node.spec is not None
    assert node.status.capacity['pods'] == '110' and node.status.allocatable['pods'] == '110'
    ip = next(a.address for a in node.status.addresses if a.type == 'InternalIP')
    pod = v1.read_namespaced_pod('solo', 'default')
    st = pod.status
    assert st.phase == 'Running'
    assert st.host_ip == ip and st.pod_ip and [p.ip for p in st.pod_i_ps] == [st.pod_ip]
    raw = json.loads(v1.read_namespaced_pod('solo', 'default', _preload_content=False).data)
    assert raw['status']['hostIPs'] == [{'ip': ip}]  # newer than this client's models
    assert st.start_time and st.qos_class == 'BestEffort'
    [init] = st.init_container_statuses
    assert init.name == 'setup' and init.state.terminated.reason == 'Completed' and init.ready
    assert init.image == 'docker.io/library/busybox:latest'
    [app] = st.container_statuses
    assert app.started and app.ready and app.state.running.started_at
    assert app.image == 'registry.example.com/team/app:2.1'
    assert re.fullmatch(r'registry\.example\.com/team/app@sha256:[0-9a-f]{64}', app.image_id)
    assert re.fullmatch(r'containerd://[0-9a-f]{64}', app.container_id)
    # the PDB's status counters are there from the start
    pdb = client.PolicyV1Api(minimal_cluster.api).read_namespaced_pod_disruption_budget('web', 'default')
    assert pdb.status.expected_pods == 1 and pdb.status.current_healthy == 1


def test_evict(default_cluster):
    v1 = client.CoreV1Api(default_cluster.api)
    ev = lambda name: client.V1Eviction(metadata=client.V1ObjectMeta(name=name, namespace='default'))
    v1.create_namespaced_pod_eviction('debug', 'default', ev('debug'))  # no budget
    web = sorted(p.metadata.name for p in v1.list_namespaced_pod('default', label_selector='app=web').items)
    v1.create_namespaced_pod_eviction(web[0], 'default', ev(web[0]))  # minAvailable 2 of 3: one may go
    with pytest.raises(ApiException) as e:
        v1.create_namespaced_pod_eviction(web[1], 'default', ev(web[1]))
    assert e.value.status == 429
    assert "Cannot evict pod as it would violate the pod's disruption budget." in e.value.body
    with pytest.raises(ApiException) as e:
        v1.create_namespaced_pod_eviction('nope', 'default', ev('nope'))
    assert e.value.status == 404
