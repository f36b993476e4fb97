// Package documentation: a test that drives evictsim through client-go.
package evictsimtest_test

import (
	"testing"
	"time"

	"evictsimtest"
)

// A test of your own eviction code through client-go. This package does not
// depend on client-go, so its calls are comments here: in your module, import
//
//	"k8s.io/client-go/kubernetes"
//	"k8s.io/client-go/tools/clientcmd"
//	policyv1 "k8s.io/api/policy/v1"
//	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
//	apierrors "k8s.io/apimachinery/pkg/api/errors"
//
// and write them out. (Compiled, not run: it has no t of its own.)
func Example_clientGo() {
	TestDrain := func(t *testing.T) {
		// The fixtures installed with evictsim are found by their relative names.
		sim := evictsimtest.Start(t, evictsimtest.Manifests("default.yaml"))
		sim.Advance(3 * time.Second) // the web pods are Ready 3 s after they start

		// cfg, err := clientcmd.BuildConfigFromFlags("", sim.KubeconfigPath)
		// if err != nil { t.Fatal(err) }
		// cs := kubernetes.NewForConfigOrDie(cfg)
		// ctx := context.Background()
		// pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		// if err != nil { t.Fatal(err) }
		// for _, p := range pods.Items {
		// 	err := cs.CoreV1().Pods("default").EvictV1(ctx, &policyv1.Eviction{
		// 		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: "default"}})
		// 	if apierrors.IsTooManyRequests(err) { // blocked by PDB web (minAvailable 2)
		// 		continue
		// 	}
		// 	if err != nil { t.Fatal(err) }
		// }

		for _, e := range sim.Evictions() {
			t.Logf("%d %s: %s", e.Code, e.Pod, e.Explanation)
		}
		sim.Reset() // the same server, empty, for the next case
	}
	_ = TestDrain
}
