// The README's Go example, run as it is written there (tests/helpers checks
// that the README's block is this function's text).
package evictsimtest_test

import (
	"net/http"
	"strings"
	"testing"

	"evictsimtest"
)

// A Node, a Ready Pod web on it, and PDB web with minAvailable: 1.
const cluster = `
apiVersion: v1
kind: Node
metadata: {name: node-1}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec: {nodeName: node-1, containers: [{name: app, image: nginx}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: default}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
`

// evict stands for the code under test (which would use client-go).
func evict(base, ns, pod string) int {
	body := `{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"` + pod + `","namespace":"` + ns + `"}}`
	res, err := http.Post(base+"/api/v1/namespaces/"+ns+"/pods/"+pod+"/eviction", "application/json", strings.NewReader(body))
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func TestEvictionRefusedByTheBudget(t *testing.T) {
	sim := evictsimtest.Start(t)
	sim.Load(cluster)
	code := evict(sim.URL, "default", "web") // your code, e.g. client-go with sim.KubeconfigPath
	ev := sim.Evictions()
	if code != 429 || len(ev) != 1 || ev[0].PDB != "web" {
		t.Fatalf("got %d, %+v", code, ev)
	}
	t.Log(ev[0].Explanation) // PDB web: minAvailable 1 of 1 expected; 1 healthy ... → refused
}
