// Package evictsimtest starts evictsim, an in-memory Kubernetes API server
// that answers evictions as kube-apiserver does, for one Go test:
//
//	sim := evictsimtest.Start(t, evictsimtest.Manifests("testdata/cluster.yaml"))
//	// point client-go at sim.URL or sim.KubeconfigPath; move time with sim.Advance
//
// Each server listens on a free port with its own temporary directory, so
// tests may run in parallel. It is stopped by t.Cleanup, and it exits by
// itself when the test process ends however it ends (it watches a pipe on
// its standard input). When the test failed, the cleanup logs what evictsim
// wrote on stderr.
//
// The binary is $EVICTSIM, else evictsim on the PATH. The package uses the
// standard library only; it owns the process and calls /sim/v1, and decides
// nothing about Kubernetes.
package evictsimtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is one running evictsim.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT.
	URL string
	// Port is the port it listens on.
	Port int
	// KubeconfigPath is a kubeconfig for it (cluster, user and context evictsim),
	// for clientcmd.BuildConfigFromFlags("", KubeconfigPath).
	KubeconfigPath string
	// Dir is the server's temporary directory, removed when it stops.
	Dir string

	tb     testing.TB
	cmd    *exec.Cmd
	stdin  *os.File // our end of evictsim's stdin: closing it stops evictsim
	stderr *lockedBuffer
	exited chan struct{}
	once   sync.Once
}

// Option configures Start.
type Option func(*config)

type config struct {
	binary      string
	manifests   []string
	clock       string
	timeScale   float64
	controllers []string
	kubeVersion string
	verbose     bool
	args        []string
	timeout     time.Duration
}

// Manifests loads these files or directories (YAML or JSON) at start.
func Manifests(paths ...string) Option {
	return func(c *config) { c.manifests = append(c.manifests, paths...) }
}

// ManualClock (the default): virtual time moves only through Advance.
func ManualClock() Option { return func(c *config) { c.clock = "manual" } }

// RealClock: virtual time follows the wall clock.
func RealClock() Option { return func(c *config) { c.clock = "real" } }

// TimeScale sets the speed of the real clock (60: a minute a second); it implies RealClock.
func TimeScale(x float64) Option {
	return func(c *config) { c.clock, c.timeScale = "real", x }
}

// Controllers chooses the controllers that run: "all", "none", names
// ("disruption", "kubelet", ...) or names prefixed "-" to remove from all.
func Controllers(names ...string) Option {
	return func(c *config) { c.controllers = append(c.controllers, names...) }
}

// KubeVersion sets the Kubernetes version to answer as ("1.31"; --kube-version).
func KubeVersion(v string) Option { return func(c *config) { c.kubeVersion = v } }

// Verbose logs every request on evictsim's stderr, which a failed test prints.
func Verbose() Option { return func(c *config) { c.verbose = true } }

// Args passes more command-line flags.
func Args(args ...string) Option { return func(c *config) { c.args = append(c.args, args...) } }

// Binary names the evictsim executable (default $EVICTSIM, else evictsim on the PATH).
func Binary(path string) Option { return func(c *config) { c.binary = path } }

// Timeout bounds the wait for evictsim to serve (default 10s).
func Timeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// Start runs evictsim for the test and waits until it serves; the test fails
// at once if it cannot. The server stops when the test ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	c := config{binary: os.Getenv("EVICTSIM"), clock: "manual", timeout: 10 * time.Second}
	if c.binary == "" {
		c.binary = "evictsim"
	}
	for _, o := range opts {
		o(&c)
	}
	s, err := start(tb, &c)
	if err != nil {
		tb.Fatalf("evictsimtest: %v", err)
	}
	tb.Cleanup(func() {
		s.Stop()
		if tb.Failed() {
			tb.Logf("evictsim stderr:\n%s", s.Stderr())
		}
	})
	return s
}

func start(tb testing.TB, c *config) (*Server, error) {
	dir, err := os.MkdirTemp("", "evictsim-")
	if err != nil {
		return nil, err
	}
	s := &Server{tb: tb, Dir: dir, KubeconfigPath: filepath.Join(dir, "kubeconfig"),
		stderr: &lockedBuffer{}, exited: make(chan struct{})}
	argv := []string{"--listen", "127.0.0.1:0", "--port-file", filepath.Join(dir, "port"),
		"--kubeconfig", s.KubeconfigPath, "--exit-on-stdin-close", "--clock", c.clock}
	if c.verbose {
		argv = append(argv, "-v")
	} else {
		argv = append(argv, "-q")
	}
	if c.timeScale != 0 {
		argv = append(argv, "--time-scale", strconv.FormatFloat(c.timeScale, 'g', -1, 64))
	}
	if len(c.controllers) > 0 {
		argv = append(argv, "--controllers="+strings.Join(c.controllers, ","))
	}
	if c.kubeVersion != "" {
		argv = append(argv, "--kube-version", c.kubeVersion)
	}
	argv = append(append(argv, c.args...), c.manifests...)

	r, w, err := os.Pipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.stdin = w
	s.cmd = exec.Command(c.binary, argv...)
	s.cmd.Stdin = r
	s.cmd.Stderr = s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err == nil {
		err = s.cmd.Start()
	}
	r.Close()
	if err != nil {
		w.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("cannot start %s (set EVICTSIM or put evictsim on the PATH): %v", c.binary, err)
	}
	serving := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "serving on ") {
				serving <- sc.Text()
			}
		}
		io.Copy(io.Discard, stdout)
		s.cmd.Wait()
		close(s.exited)
	}()
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	var line string
	select {
	case line = <-serving:
	case <-s.exited:
		s.cleanup()
		return nil, fmt.Errorf("%s %s exited (%v):\n%s", c.binary, strings.Join(argv, " "), s.cmd.ProcessState, s.Stderr())
	case <-timer.C:
		s.Stop()
		return nil, fmt.Errorf("%s did not serve within %v:\n%s", c.binary, c.timeout, s.Stderr())
	}
	port, err := os.ReadFile(filepath.Join(dir, "port"))
	if err == nil {
		s.Port, err = strconv.Atoi(strings.TrimSpace(string(port)))
	}
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("reading the port file: %v", err)
	}
	scheme := "http"
	if strings.Contains(line, "https://") {
		scheme = "https"
	}
	s.URL = fmt.Sprintf("%s://127.0.0.1:%d", scheme, s.Port)
	return s, nil
}

// Stop stops evictsim (SIGTERM, then SIGKILL after 5s) and removes its
// directory. Start's cleanup calls it; calling it again does nothing.
func (s *Server) Stop() {
	s.once.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
		}
		s.cleanup()
	})
}

func (s *Server) cleanup() {
	s.stdin.Close()
	os.RemoveAll(s.Dir)
}

// Stderr is what evictsim has written on stderr so far.
func (s *Server) Stderr() string { return s.stderr.String() }

// Load creates or replaces each object of the YAML or JSON (one object, a
// List, several documents), status included, all or nothing; it answers how
// many were loaded. An error fails the test.
func (s *Server) Load(yaml string) int {
	s.tb.Helper()
	var out struct {
		Loaded int `json:"loaded"`
	}
	s.must(s.Do("POST", "/sim/v1/load", "application/yaml", strings.NewReader(yaml), &out))
	return out.Loaded
}

// Advance moves the manual clock forward, firing every timer due on the way,
// and answers the new virtual time.
func (s *Server) Advance(d time.Duration) time.Time {
	s.tb.Helper()
	body, _ := json.Marshal(map[string]float64{"seconds": d.Seconds()})
	var out struct {
		Now time.Time `json:"now"`
	}
	s.must(s.Do("POST", "/sim/v1/clock/advance", "application/json", bytes.NewReader(body), &out))
	return out.Now
}

// Eviction is one eviction request as evictsim logged it (/sim/v1/evictions).
type Eviction struct {
	Time      time.Time `json:"time"`
	Namespace string    `json:"namespace"`
	Pod       string    `json:"pod"`
	DryRun    bool      `json:"dryRun"`
	Code      int       `json:"code"`
	Reason    string    `json:"reason"`
	Message   string    `json:"message"`
	// PDB is the budget that decided, "" when none matched.
	PDB string `json:"pdb"`
	// Explanation states the rule and the arithmetic that decided.
	Explanation string `json:"explanation"`
}

// Evictions answers every eviction request so far, oldest first.
func (s *Server) Evictions() []Eviction {
	s.tb.Helper()
	var out struct {
		Items []Eviction `json:"items"`
	}
	s.must(s.Do("GET", "/sim/v1/evictions", "", nil, &out))
	return out.Items
}

// Explanation is why an eviction of a pod would be answered as it would.
type Explanation struct {
	Namespace   string       `json:"namespace"`
	Pod         string       `json:"pod"`
	Phase       string       `json:"phase"`
	Ready       bool         `json:"ready"`
	Terminating bool         `json:"terminating"`
	NodeName    string       `json:"nodeName"`
	PDBs        []ExplainPDB `json:"pdbs"`
	// Decision says which PDB covers the pod (or that none or several do).
	Decision string `json:"decision"`
	// Eviction is what a dry-run eviction answers now.
	Eviction struct {
		Code              int    `json:"code"`
		Reason            string `json:"reason"`
		Message           string `json:"message"`
		RetryAfterSeconds int    `json:"retryAfterSeconds"`
		Explanation       string `json:"explanation"`
	} `json:"eviction"`
	// Raw is the whole answer of GET /sim/v1/explain/NAMESPACE/POD.
	Raw json.RawMessage `json:"-"`
}

// ExplainPDB is one budget over the explained pod and how it counts.
type ExplainPDB struct {
	Name   string `json:"name"`
	Rule   string `json:"rule"`
	Budget string `json:"budget"`
	Stale  bool   `json:"stale"`
	Pods   []struct {
		Name    string `json:"name"`
		Healthy bool   `json:"healthy"`
		Why     string `json:"why"`
	} `json:"pods"`
}

// Explain answers why an eviction of the pod would be answered as it would;
// nothing is evicted.
func (s *Server) Explain(namespace, pod string) Explanation {
	s.tb.Helper()
	var raw json.RawMessage
	s.must(s.Do("GET", "/sim/v1/explain/"+url.PathEscape(namespace)+"/"+url.PathEscape(pod), "", nil, &raw))
	var e Explanation
	s.must(json.Unmarshal(raw, &e))
	e.Raw = raw
	return e
}

// Fault is a fault-injection rule: requests that Match are answered with
// Response (a Status; none: run after DelaySeconds of wall time), Times times
// (0: every time).
type Fault struct {
	Match        FaultMatch     `json:"match"`
	Response     *FaultResponse `json:"response,omitempty"`
	DelaySeconds float64        `json:"delaySeconds,omitempty"`
	Times        int            `json:"times,omitempty"`
	// ID and Remaining are set by evictsim (Remaining nil: unlimited).
	ID        int  `json:"id,omitempty"`
	Remaining *int `json:"remaining,omitempty"`
}

// FaultMatch selects requests; empty fields match anything.
type FaultMatch struct {
	Verb        string `json:"verb,omitempty"` // get, list, watch, create, update, patch, delete, deletecollection
	Resource    string `json:"resource,omitempty"`
	Subresource string `json:"subresource,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	Name        string `json:"name,omitempty"`
}

// FaultResponse is the Status a faulted request is answered with.
type FaultResponse struct {
	Code              int    `json:"code"`
	Reason            string `json:"reason,omitempty"`
	Message           string `json:"message,omitempty"`
	RetryAfterSeconds int    `json:"retryAfterSeconds,omitempty"`
}

// AddFault adds a rule after the others and answers it with its ID.
func (s *Server) AddFault(rule Fault) Fault {
	s.tb.Helper()
	body, err := json.Marshal(rule)
	s.must(err)
	var out Fault
	s.must(s.Do("POST", "/sim/v1/faults", "application/json", bytes.NewReader(body), &out))
	return out
}

// Reset removes every object but the system namespaces, and the logs; the
// clock is kept.
func (s *Server) Reset() {
	s.tb.Helper()
	s.must(s.Do("POST", "/sim/v1/reset", "", nil, nil))
}

// StatusError is an answer other than 2xx: its code and Status message.
type StatusError struct {
	Code    int
	Message string
	Body    []byte
}

func (e *StatusError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Message) }

// Do sends a request to evictsim and decodes a 2xx JSON answer into out (if
// not nil); another answer is a *StatusError.
func (s *Server) Do(method, path, contentType string, body io.Reader, out interface{}) error {
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		var st struct {
			Message string `json:"message"`
		}
		json.Unmarshal(data, &st)
		return &StatusError{Code: res.StatusCode, Message: st.Message, Body: data}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

func (s *Server) must(err error) {
	if err == nil {
		return
	}
	s.tb.Helper()
	var se *StatusError
	if errors.As(err, &se) {
		s.tb.Fatalf("evictsim answered %v", err)
	}
	s.tb.Fatalf("evictsim: %v\nstderr:\n%s", err, s.Stderr())
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
