"""Real servers for the integration tests and benchmarks.

``redis-server`` and ``memcached`` come from Debian's packages (``make servers``
installs them when they are missing). Each `Server` runs in its own process on
127.0.0.1 with a port the kernel chose, and is stopped by whoever started it.
A caller that cannot find the binary skips with the reason, never fails.

No server outlives the process that started it: each is stopped at exit if
its owner did not (a fixture that errored, an interrupted run).
"""
import atexit
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
# Debian puts both in /usr/bin; sbin is searched for hand-built installs.
SEARCH_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"]
)


# The servers started by this process and not yet stopped.
_running = set()

@atexit.register
def stop_all():
    """Stop every server still running (what an owner failed to stop)."""
    for server in list(_running):
        server.stop()


class Unavailable(Exception):
    """The server's binary is not installed and could not be."""


def _redis_argv(binary, port):
    return [
        binary, "--port", str(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--daemonize", "no",
        "--protected-mode", "no", "--loglevel", "warning",
    ]


def _memcached_argv(binary, port):
    argv = [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "64"]
    if os.geteuid() == 0:
        # memcached refuses to run as root unless told which user to be.
        argv += ["-u", getpass.getuser()]
    return argv


KINDS = {
    "redis": ("redis-server", _redis_argv),
    "memcached": ("memcached", _memcached_argv),
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One server process; `start()` returns once it accepts connections."""

    def __init__(self, kind, port=None):
        binary_name, self._argv = KINDS[kind]
        self.binary = shutil.which(binary_name, path=SEARCH_PATH)
        if self.binary is None:
            raise Unavailable(
                f"{binary_name} is not installed (`make servers` installs it "
                f"with apt-get; it was not available here)"
            )
        self.kind = kind
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            self._argv(self.binary, self.port),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _running.add(self)
        try:
            self._wait_until_accepting()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_accepting(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace")
                raise RuntimeError(f"{self.kind} exited at start: {err.strip()}")
            try:
                socket.create_connection((self.host, self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"{self.kind} did not accept connections in {START_TIMEOUT}s")

    def stop(self, sig=signal.SIGTERM):
        """Stop the process (SIGKILL for a crash), wait for it to go and
        close its pipe."""
        process, self.process = self.process, None
        _running.discard(self)
        if process is None:
            return
        try:
            if process.poll() is None:
                process.send_signal(sig)
                try:
                    process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        finally:
            process.stderr.close()

    def kill(self):
        self.stop(signal.SIGKILL)

    def restart(self):
        """Stop and start again on the same port, as after a crash."""
        self.stop()
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
