// The README's Go example, run as it is written there (tests/helpers checks
// that the README's block is this function's text).
package evictsimtest_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"evictsimtest"
)

// A Node, a Ready Pod web on it, and PDB web with minAvailable: 1.
var cluster = func() string {
	b, err := os.ReadFile("../testdata/web-pdb.yaml")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

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
