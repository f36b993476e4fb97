// Tests of the handle (against the evictsim named by $EVICTSIM or on the
// PATH), of parallel servers, and of what a failing or killed test leaves.
package evictsimtest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"evictsimtest"
)

func TestHandle(t *testing.T) {
	sim := evictsimtest.Start(t)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(sim.URL) || !strings.HasSuffix(sim.URL, ":"+strconv.Itoa(sim.Port)) {
		t.Fatalf("URL %q, port %d", sim.URL, sim.Port)
	}
	kc, err := os.ReadFile(sim.KubeconfigPath)
	if err != nil || !strings.Contains(string(kc), "server: "+sim.URL+"\n") {
		t.Fatalf("kubeconfig %s: %v\n%s", sim.KubeconfigPath, err, kc)
	}
	if n := sim.Load(cluster); n != 3 {
		t.Fatalf("loaded %d, want 3", n)
	}
	if now := sim.Advance(90 * time.Second); !now.Equal(time.Date(2025, 1, 1, 0, 1, 30, 0, time.UTC)) {
		t.Fatalf("advanced to %v", now)
	}
	ex := sim.Explain("default", "web")
	if ex.Pod != "web" || !ex.Ready || ex.NodeName != "node-1" || len(ex.PDBs) != 1 || ex.PDBs[0].Name != "web" ||
		ex.Eviction.Code != 429 || !strings.Contains(ex.Eviction.Explanation, "refused") || len(ex.Raw) == 0 {
		t.Fatalf("explain: %+v", ex)
	}
	if len(sim.Evictions()) != 0 {
		t.Fatal("explain evicted")
	}

	f := sim.AddFault(evictsimtest.Fault{
		Match:    evictsimtest.FaultMatch{Verb: "create", Resource: "pods", Subresource: "eviction"},
		Response: &evictsimtest.FaultResponse{Code: 503, Reason: "ServiceUnavailable", Message: "try later"},
		Times:    1,
	})
	if f.ID == 0 || f.Remaining == nil || *f.Remaining != 1 {
		t.Fatalf("fault: %+v", f)
	}
	if code := evict(sim.URL, "default", "web"); code != 503 {
		t.Fatalf("faulted eviction: %d", code)
	}
	if code := evict(sim.URL, "default", "web"); code != 429 {
		t.Fatalf("eviction after the fault's one use: %d", code)
	}
	ev := sim.Evictions()
	if len(ev) != 1 || ev[0].Code != 429 || ev[0].Reason != "TooManyRequests" || ev[0].Pod != "web" ||
		ev[0].Namespace != "default" || ev[0].DryRun || !ev[0].Time.Equal(time.Date(2025, 1, 1, 0, 1, 30, 0, time.UTC)) {
		t.Fatalf("evictions: %+v", ev)
	}

	sim.Reset()
	var pods struct{ Items []json.RawMessage }
	if err := sim.Do("GET", "/api/v1/pods", "", nil, &pods); err != nil || len(pods.Items) != 0 || len(sim.Evictions()) != 0 {
		t.Fatalf("after reset: %v, %d pods, %d evictions", err, len(pods.Items), len(sim.Evictions()))
	}
	err = sim.Do("GET", "/api/v1/namespaces/default/pods/web", "", nil, nil)
	if se, ok := err.(*evictsimtest.StatusError); !ok || se.Code != 404 || se.Message != `pods "web" not found` {
		t.Fatalf("a missing pod: %v", err)
	}
}

func TestOptions(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/cluster.yaml", []byte(cluster), 0o644)
	sim := evictsimtest.Start(t, evictsimtest.Manifests(dir+"/cluster.yaml"), evictsimtest.TimeScale(60),
		evictsimtest.Controllers("none"))
	var clock struct {
		Mode  string
		Scale float64
	}
	if err := sim.Do("GET", "/sim/v1/clock", "", nil, &clock); err != nil || clock.Mode != "real" || clock.Scale != 60 {
		t.Fatalf("clock %+v, %v", clock, err)
	}
	// Without the disruption controller, nobody counts the Ready pod web in the PDB's status.
	var pdb struct{ Status struct{ CurrentHealthy int } }
	if err := sim.Do("GET", "/apis/policy/v1/namespaces/default/poddisruptionbudgets/web", "", nil, &pdb); err != nil || pdb.Status.CurrentHealthy != 0 {
		t.Fatalf("PDB status %+v, %v", pdb.Status, err)
	}

	// --kube-version is passed through: evictsim either serves that version or refuses the flag.
	help, _ := exec.Command(binary(), "--help").Output()
	if strings.Contains(string(help), "--kube-version") {
		v := evictsimtest.Start(t, evictsimtest.KubeVersion("1.31"))
		var version struct{ Minor string }
		if err := v.Do("GET", "/version", "", nil, &version); err != nil || version.Minor != "31" {
			t.Fatalf("--kube-version 1.31: /version %+v, %v", version, err)
		}
	} else if msg := startFails(evictsimtest.KubeVersion("1.31")); !strings.Contains(msg, "--kube-version 1.31") {
		t.Fatalf("KubeVersion did not pass --kube-version: %s", msg)
	}
}

func TestStartFailsWithEvictsimsError(t *testing.T) {
	msg := startFails(evictsimtest.Manifests("/nonexistent/cluster.yaml"))
	if !strings.Contains(msg, "exited") || !strings.Contains(msg, "evictsim: ") || !strings.Contains(msg, "/nonexistent/cluster.yaml") {
		t.Fatalf("message: %s", msg)
	}
	if msg := startFails(evictsimtest.Binary("/nonexistent/evictsim")); !strings.Contains(msg, "EVICTSIM") {
		t.Fatalf("message: %s", msg)
	}
}

func TestParallelServersAreIndependent(t *testing.T) {
	ports := sync.Map{}
	for i := 0; i < 4; i++ {
		i := i
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			sim := evictsimtest.Start(t)
			if _, dup := ports.LoadOrStore(sim.Port, i); dup {
				t.Errorf("port %d used twice", sim.Port)
			}
			sim.Load(fmt.Sprintf("{apiVersion: v1, kind: Namespace, metadata: {name: only-%d}}", i))
			sim.Advance(time.Duration(i) * time.Second)
			var nss struct {
				Items []struct{ Metadata struct{ Name string } }
			}
			sim.Do("GET", "/api/v1/namespaces", "", nil, &nss)
			var mine []string
			for _, n := range nss.Items {
				if strings.HasPrefix(n.Metadata.Name, "only-") {
					mine = append(mine, n.Metadata.Name)
				}
			}
			if len(mine) != 1 || mine[0] != fmt.Sprintf("only-%d", i) {
				t.Errorf("server %d sees %v", i, mine)
			}
		})
	}
}

// The helper process: a test run by TestFailedTestPrintsStderr and TestKilledTestLeavesNoEvictsim.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv("EVICTSIMTEST_HELPER")
	if mode == "" {
		t.Skip("run by other tests")
	}
	sim := evictsimtest.Start(t, evictsimtest.Verbose())
	fmt.Printf("pid %d\n", serverPID(t, sim))
	sim.Load(cluster)
	switch mode {
	case "fail":
		t.Fatal("failing on purpose")
	case "kill":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	case "panic":
		panic("panicking on purpose")
	}
}

func TestFailedTestPrintsStderr(t *testing.T) {
	out, pid := helper(t, "fail")
	if !strings.Contains(out, "failing on purpose") || !strings.Contains(out, "evictsim stderr:") ||
		!strings.Contains(out, "POST /sim/v1/load") {
		t.Fatalf("output of a failed test:\n%s", out)
	}
	waitGone(t, pid)
}

func TestKilledTestLeavesNoEvictsim(t *testing.T) {
	for _, mode := range []string{"kill", "panic"} {
		_, pid := helper(t, mode)
		waitGone(t, pid)
	}
}

// helper runs TestHelperProcess in a new test process; answers its output and its evictsim's pid.
func helper(t *testing.T, mode string) (string, int) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "EVICTSIMTEST_HELPER="+mode)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("%s: the helper test passed:\n%s", mode, out)
	}
	m := regexp.MustCompile(`(?m)^pid (\d+)$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("%s: no pid in:\n%s", mode, out)
	}
	pid, _ := strconv.Atoi(string(m[1]))
	return string(out), pid
}

// serverPID finds the evictsim that listens on sim.Port among our children.
func serverPID(t *testing.T, sim *evictsimtest.Server) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if err == nil && len(fields) > 1 && fields[1] == strconv.Itoa(os.Getpid()) &&
			strings.Contains(string(cmdline), sim.KubeconfigPath) {
			return pid
		}
	}
	t.Fatalf("no evictsim child with %s", sim.KubeconfigPath)
	return 0
}

// waitGone waits up to 10 s for pid to end (a zombie counts as ended).
func waitGone(t *testing.T, pid int) {
	for i := 0; i < 200; i++ {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("evictsim %d is still running", pid)
}

// startFails runs Start with a TB that records the failure, and answers its message.
func startFails(opts ...evictsimtest.Option) string {
	tb := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		evictsimtest.Start(tb, opts...)
	}()
	<-done
	for _, f := range tb.cleanups {
		f()
	}
	return tb.msg
}

type recorder struct {
	testing.TB
	msg      string
	cleanups []func()
}

func (r *recorder) Helper()             {}
func (r *recorder) Cleanup(f func())    { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Failed() bool        { return r.msg != "" }
func (r *recorder) Logf(string, ...any) {}
func (r *recorder) Fatalf(f string, a ...any) {
	r.msg = fmt.Sprintf(f, a...)
	runtime.Goexit()
}

func binary() string {
	if b := os.Getenv("EVICTSIM"); b != "" {
		return b
	}
	return "evictsim"
}
