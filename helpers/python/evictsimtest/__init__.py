"""evictsim for Python tests.

``start(**options)`` (a context manager, for unittest or any code) and the
pytest fixture ``evictsim`` (``evictsimtest.pytest_plugin``) run evictsim, an
in-memory Kubernetes API server that answers evictions as kube-apiserver
does, on a free port with a temporary directory of its own, and hand back a
:class:`Server`: ``url``, ``kubeconfig_path``, ``load``, ``advance``,
``evictions``, ``explain``, ``add_fault``, ``reset``, ``stop``.

The binary is ``$EVICTSIM``, else ``evictsim`` on the PATH. evictsim gets a
pipe on its standard input and exits when it closes, so no server outlives
the test process, however that ends. Standard library only; this module owns
the process and calls /sim/v1, and decides nothing about Kubernetes.
"""
import atexit
import contextlib
import dataclasses
import datetime
import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["Server", "Eviction", "EvictsimError", "start"]

_live = set()  # servers not yet stopped, killed at exit


class EvictsimError(Exception):
    """evictsim did not start, or answered other than 2xx (``status``, ``body``: its Status)."""

    def __init__(self, message, status=None, body=None, stderr=""):
        if stderr.strip():
            message = f"{message}\n--- evictsim stderr ---\n{stderr}"
        super().__init__(message)
        self.status = status
        self.body = body


@dataclasses.dataclass
class Eviction:
    """One eviction request as evictsim logged it (GET /sim/v1/evictions)."""

    time: datetime.datetime
    namespace: str
    pod: str
    dry_run: bool
    code: int
    reason: str
    message: str
    pdb: "str | None"  # the budget that decided; None when none matched
    explanation: str  # the rule and the arithmetic that decided


def _parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


class Server:
    """One running evictsim. Options:

    manifests: paths loaded at start; clock: "manual" (default) or "real";
    time_scale: speed of the real clock (implies clock="real");
    controllers: "none", "-disruption" or a list of names; kube_version: "1.31"
    (--kube-version); args: more flags; verbose: log every request (shown
    when a test fails); binary; cwd; timeout: seconds to wait for it to serve.
    """

    def __init__(self, manifests=(), clock="manual", time_scale=None, controllers=None,
                 kube_version=None, args=(), verbose=False, binary=None, cwd=None, timeout=10.0):
        binary = binary or os.environ.get("EVICTSIM") or "evictsim"
        self.dir = tempfile.mkdtemp(prefix="evictsim-")
        self.kubeconfig_path = os.path.join(self.dir, "kubeconfig")
        self._stderr_text = None
        argv = [binary, "--listen", "127.0.0.1:0", "--port-file", os.path.join(self.dir, "port"),
                "--kubeconfig", self.kubeconfig_path, "--exit-on-stdin-close",
                "--clock", "real" if time_scale is not None else clock, "-v" if verbose else "-q"]
        if time_scale is not None:
            argv += ["--time-scale", str(time_scale)]
        if controllers is not None:
            argv.append("--controllers=" + (controllers if isinstance(controllers, str) else ",".join(controllers)))
        if kube_version:
            argv += ["--kube-version", kube_version]
        argv += [*args, *[os.fspath(m) for m in manifests]]
        self._stderr_file = open(os.path.join(self.dir, "stderr"), "w+b")
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self._stderr_file, cwd=cwd)
        except OSError as e:
            self._remove()
            raise EvictsimError(f"cannot start {binary} (set EVICTSIM or put evictsim on the PATH): {e}") from None
        _live.add(self)
        line = self._wait_serving(timeout)
        if line is None:
            try:  # evictsim closed stdout: it is exiting
                status = self.proc.wait(1)
            except subprocess.TimeoutExpired:
                status = None
            self.stop()
            how = f"did not serve within {timeout} s" if status is None else f"exited with status {status}"
            raise EvictsimError(f"{' '.join(argv)} {how}", stderr=self.stderr())
        with open(os.path.join(self.dir, "port")) as f:
            self.port = int(f.read().strip())
        self.url = f"{'https' if 'https://' in line else 'http'}://127.0.0.1:{self.port}"

    def _wait_serving(self, timeout):
        """The `serving on` line of stdout, or None if evictsim exits or is late."""
        deadline = time.monotonic() + timeout
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    return None
                buf += chunk
        line = buf.decode(errors="replace")
        return line if "serving on" in line else None

    def stderr(self):
        """What evictsim has written on stderr so far."""
        if self._stderr_text is not None:
            return self._stderr_text
        with open(self._stderr_file.name, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        """Stops evictsim (SIGTERM, SIGKILL after 5 s) and removes its directory; again: nothing."""
        if self._stderr_text is not None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr_text = self.stderr()
        for f in (self.proc.stdin, self.proc.stdout):
            f.close()
        _live.discard(self)
        self._remove()

    def _remove(self):
        self._stderr_file.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # --- /sim/v1 ---------------------------------------------------------------

    def request(self, method, path, body=None, content_type="application/json"):
        """Sends a request; answers the decoded JSON of a 2xx answer, else raises EvictsimError."""
        data = body if body is None or isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                text = res.read()
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                st = json.loads(text)
            except ValueError:
                st = None
            msg = st.get("message") if isinstance(st, dict) else text.decode(errors="replace")
            raise EvictsimError(f"{method} {path}: {e.code} {msg}", e.code, st) from None
        except OSError as e:
            raise EvictsimError(f"{method} {path}: {e}", stderr=self.stderr()) from None
        return json.loads(text) if text else None

    def load(self, yaml):
        """Creates or replaces each object (YAML or JSON: one, a List, several documents),
        status included, all or nothing; answers how many were loaded."""
        return self.request("POST", "/sim/v1/load", yaml, "application/yaml")["loaded"]

    def advance(self, seconds):
        """Moves the manual clock forward (seconds or a timedelta); answers the new time."""
        if isinstance(seconds, datetime.timedelta):
            seconds = seconds.total_seconds()
        return _parse_time(self.request("POST", "/sim/v1/clock/advance", {"seconds": seconds})["now"])

    def evictions(self):
        """Every eviction request so far, oldest first, as Eviction entries."""
        return [Eviction(time=_parse_time(e["time"]), namespace=e["namespace"], pod=e["pod"],
                         dry_run=e["dryRun"], code=e["code"], reason=e["reason"], message=e["message"],
                         pdb=e["pdb"], explanation=e["explanation"])
                for e in self.request("GET", "/sim/v1/evictions")["items"]]

    def explain(self, namespace, pod):
        """Why an eviction of the pod would be answered as it would (a dict; nothing is evicted)."""
        q = urllib.parse.quote
        return self.request("GET", f"/sim/v1/explain/{q(namespace, safe='')}/{q(pod, safe='')}")

    def add_fault(self, rule):
        """Adds a fault rule ({"match", "response", "delaySeconds", "times"}); answers it with its id."""
        return self.request("POST", "/sim/v1/faults", rule)

    def reset(self):
        """Removes every object but the system namespaces, and the logs; keeps the clock."""
        self.request("POST", "/sim/v1/reset")

    def snapshot(self):
        """Every object, as a List."""
        return self.request("GET", "/sim/v1/snapshot")


@contextlib.contextmanager
def start(**options):
    """A running evictsim for the ``with`` block (options as Server's). When the
    block raises, evictsim's stderr is printed on sys.stderr."""
    server = Server(**options)
    try:
        yield server
    except BaseException:
        server.stop()
        text = server.stderr()
        if text.strip():
            print(f"--- evictsim stderr ({server.url}) ---\n{text}", file=sys.stderr)
        raise
    finally:
        server.stop()


@atexit.register
def _kill_live():
    for server in list(_live):
        server.proc.kill()
