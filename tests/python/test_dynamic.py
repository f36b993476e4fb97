# The dynamic Python client (kubernetes.dynamic) over evictsim's discovery:
# every resource it finds is listed, read, created, patched and deleted by
# name alone, as generic tools (and operators built on it) do.
from kubernetes import dynamic


def listable(dyn):
    out = []
    for r in dyn.resources.search():
        verbs = getattr(r, 'verbs', None) or []
        if 'list' in verbs and not r.kind.endswith('List') and '/' not in r.name:
            out.append(r)
    return out


def test_discovery_and_get_every_resource(cluster):
    dyn = dynamic.DynamicClient(cluster.api)
    kinds = set()
    for r in listable(dyn):
        kinds.add(r.kind)
        lst = r.get()
        assert lst.kind == r.kind + 'List', r.kind
        for o in lst.items:
            got = r.get(name=o.metadata.name, namespace=o.metadata.namespace)
            assert got.metadata.uid == o.metadata.uid, r.kind
    assert {'Pod', 'Node', 'PodDisruptionBudget', 'Deployment'} <= kinds


def test_create_patch_delete_every_resource(cluster):
    dyn = dynamic.DynamicClient(cluster.api)
    cluster.namespace('pydyn')
    for r in listable(dyn):
        if not {'create', 'patch', 'delete'} <= set(r.verbs):
            continue
        items = r.get().items
        if not items:
            continue
        body = r.get(name=items[0].metadata.name, namespace=items[0].metadata.namespace).to_dict()
        ns = 'pydyn' if r.namespaced else None
        name = 'pydyn-' + r.name
        body['metadata'] = {'name': name, **({'namespace': ns} if ns else {})}
        body.pop('status', None)
        for ref in ('involvedObject', 'regarding'):  # an Event names an object of its namespace
            if ns and isinstance(body.get(ref), dict):
                body[ref]['namespace'] = ns
        if r.kind == 'PriorityClass':  # a copy of a system class: users may not go above 1e9
            body['value'] = 1000
        body['apiVersion'], body['kind'] = r.group_version, r.kind
        made = r.create(body=body, namespace=ns)
        assert made.metadata.name == name, r.kind
        patched = r.patch(name=name, namespace=ns, body={'metadata': {'labels': {'dyn': 'yes'}}},
                          content_type='application/merge-patch+json')
        assert patched.metadata.labels['dyn'] == 'yes', r.kind
        r.delete(name=name, namespace=ns)


def test_watch_through_the_dynamic_client(minimal_cluster):
    dyn = dynamic.DynamicClient(minimal_cluster.api)
    pods = dyn.resources.get(api_version='v1', kind='Pod')
    names = {e['object'].metadata.name for e in pods.watch(namespace='default', timeout=1) if e['type'] == 'ADDED'}
    assert 'solo' in names
