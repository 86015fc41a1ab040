"""``TCPStore``: the small key-value server ranks meet at (PyTorch's rendezvous store).

The rank with ``is_master=True`` serves the keys from a background thread; every rank (master
included) talks to it through one client socket. Values are bytes; ``get`` and ``wait`` block
until the keys exist or the timeout passes. Used for ``init_process_group`` rendezvous and for
handing NCCL's unique id to the other ranks.

>>> s = ember.distributed.TCPStore("127.0.0.1", 0, is_master=True)
>>> s.set("k", b"v"); s.get("k")
b'v'
"""
import socket
import struct
import threading
import time
from datetime import timedelta

from .errors import DistNetworkError, DistStoreError

__all__ = ["Store", "TCPStore"]

DEFAULT_STORE_TIMEOUT = timedelta(seconds=300)

# NOTE: the wire format is a command byte and length-prefixed byte fields both ways, not pickle:
# anyone who can reach the port can send a message, and unpickling would run their code.
_SET, _GET, _ADD, _CHECK, _WAIT, _DELETE, _NUM_KEYS, _COMPARE_SET = range(8)
_OK, _TIMEOUT, _ERROR = range(3)
_INIT_KEY = "init/"     # counts connected clients (PyTorch's store also keeps one such key)


def _as_bytes(value):
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"value must be str or bytes, not {type(value).__name__}")


def _seconds(timeout):
    return timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)


def _recv_exact(sock, n):
    chunks = []
    while n:
        chunk = sock.recv(n)
        if not chunk:
            raise DistNetworkError("Failed to recv, got 0 bytes. Connection was likely closed. "
                                   "Did the remote server shutdown or crash?")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _send_message(sock, head, fields):
    parts = [struct.pack("!BI", head, len(fields))]
    for f in fields:
        parts.append(struct.pack("!I", len(f)))
        parts.append(f)
    sock.sendall(b"".join(parts))


def _recv_message(sock):
    head, n = struct.unpack("!BI", _recv_exact(sock, 5))
    fields = []
    for _ in range(n):
        (size,) = struct.unpack("!I", _recv_exact(sock, 4))
        fields.append(_recv_exact(sock, size))
    return head, fields


class _StoreServer:
    """The master's key table and one serving thread per client connection."""

    def __init__(self, host, port):
        self.data = {}
        self.changed = threading.Condition()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.listener.bind(("" if host in ("localhost",) else host, port))
        except OSError as e:
            self.listener.close()
            raise DistNetworkError(f"The server socket has failed to listen on any local network "
                                   f"address. port: {port}, useIpv6: {family == socket.AF_INET6}, "
                                   f"code: {e.errno}, name: {e.strerror}") from None
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept_loop, daemon=True, name="TCPStore-accept").start()

    def _accept_loop(self):
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True,
                             name="TCPStore-client").start()

    def _serve(self, conn):
        try:
            while True:
                cmd, fields = _recv_message(conn)
                head, reply = self._handle(cmd, fields)
                _send_message(conn, head, reply)
        except (DistNetworkError, OSError):
            pass
        finally:
            conn.close()

    def _handle(self, cmd, f):
        data, changed = self.data, self.changed
        with changed:
            if cmd == _SET:
                data[f[0]] = f[1]
                changed.notify_all()
                return _OK, []
            if cmd == _GET:
                return (_OK, [data[f[0]]]) if f[0] in data else (_ERROR, [b"key not found"])
            if cmd == _ADD:
                try:
                    value = int(data.get(f[0], b"0")) + int(f[1])
                except ValueError:
                    return _ERROR, [b"add: the stored value of the key is not an integer"]
                data[f[0]] = str(value).encode()
                changed.notify_all()
                return _OK, [data[f[0]]]
            if cmd == _CHECK:
                return _OK, [b"1" if all(k in data for k in f) else b"0"]
            if cmd == _WAIT:
                deadline = time.monotonic() + float(f[0])
                keys = f[1:]
                while not all(k in data for k in keys):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return _TIMEOUT, []
                    changed.wait(left)
                return _OK, []
            if cmd == _DELETE:
                return _OK, [b"1" if data.pop(f[0], None) is not None else b"0"]
            if cmd == _NUM_KEYS:
                return _OK, [str(len(data)).encode()]
            if cmd == _COMPARE_SET:
                key, expected, desired = f
                if key in data:
                    if data[key] == expected:
                        data[key] = desired
                        changed.notify_all()
                    return _OK, [data[key]]
                if expected == b"":
                    data[key] = desired
                    changed.notify_all()
                    return _OK, [desired]
                return _OK, [expected]
        return _ERROR, [b"unknown command"]

    def close(self):
        self.closed = True
        try:
            self.listener.close()
        except OSError:
            pass


class Store:
    """Base class of the key-value stores (PyTorch's ``torch.distributed.Store``)."""


class TCPStore(Store):
    """A key-value store served over TCP by the master rank (PyTorch's ``TCPStore``).

    ``port=0`` on the master picks a free port (read it back from ``.port``). With
    ``world_size`` and ``wait_for_workers=True`` the master's constructor waits until that many
    clients have connected.

    >>> master = ember.distributed.TCPStore("127.0.0.1", 0, 1, True)
    >>> master.add("n", 2)
    2
    """

    def __init__(self, host_name, port, world_size=None, is_master=False,
                 timeout=DEFAULT_STORE_TIMEOUT, wait_for_workers=True, multi_tenant=False,
                 master_listen_fd=None, use_libuv=True):
        self.host = host_name
        self.world_size = world_size
        self._timeout = timeout if isinstance(timeout, timedelta) else timedelta(seconds=timeout)
        self._server = _StoreServer(host_name, port) if is_master else None
        self.port = self._server.port if is_master else port
        self._lock = threading.Lock()
        self._sock = self._connect()
        self.add(_INIT_KEY, 1)
        if is_master and wait_for_workers and world_size:
            self._wait_for_workers()

    # ------------------------------------------------------------------ plumbing
    def _connect(self):
        deadline = time.monotonic() + _seconds(self._timeout)
        delay = 0.01
        while True:
            try:
                sock = socket.create_connection((self.host, self.port),
                                                timeout=max(deadline - time.monotonic(), 0.01))
                sock.settimeout(None)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError:
                if time.monotonic() + delay > deadline:
                    ms = int(_seconds(self._timeout) * 1000)
                    raise DistNetworkError(
                        f"The client socket has timed out after {ms}ms while trying to connect "
                        f"to ({self.host}, {self.port}).") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def _request(self, cmd, *fields):
        with self._lock:
            _send_message(self._sock, cmd, [_as_bytes(f) for f in fields])
            return _recv_message(self._sock)

    def _wait_for_workers(self):
        deadline = time.monotonic() + _seconds(self._timeout)
        while int(self.add(_INIT_KEY, 0)) < self.world_size:
            if time.monotonic() > deadline:
                raise DistStoreError(
                    f"Timed out after {int(_seconds(self._timeout))} seconds waiting for clients. "
                    f"{self.add(_INIT_KEY, 0)}/{self.world_size} clients joined.")
            time.sleep(0.01)

    # ------------------------------------------------------------------ PyTorch's API
    @property
    def timeout(self):
        return self._timeout

    def set_timeout(self, timeout):
        """Change the default timeout of ``get`` and ``wait``."""
        self._timeout = timeout if isinstance(timeout, timedelta) else timedelta(seconds=timeout)

    def set(self, key, value):
        """Store ``value`` (str or bytes) under ``key``."""
        self._request(_SET, key, _as_bytes(value))

    def get(self, key):
        """The bytes stored under ``key``, waiting up to the timeout for it to appear."""
        self.wait([key])
        head, fields = self._request(_GET, key)
        if head != _OK:
            raise DistStoreError(f"key not found: {key}")
        return fields[0]

    def add(self, key, amount):
        """Add ``amount`` to the integer under ``key`` (0 when absent); returns the new value."""
        head, fields = self._request(_ADD, key, str(int(amount)))
        if head != _OK:
            raise DistStoreError(fields[0].decode())
        return int(fields[0])

    def check(self, keys):
        """True when every key in ``keys`` exists (does not wait)."""
        return self._request(_CHECK, *keys)[1][0] == b"1"

    def wait(self, keys, timeout=None):
        """Block until every key in ``keys`` exists; ``DistStoreError`` after the timeout."""
        seconds = _seconds(self._timeout if timeout is None else timeout)
        head, _ = self._request(_WAIT, repr(seconds), *keys)
        if head == _TIMEOUT:
            names = ", ".join("/" + k for k in keys)
            raise DistStoreError(f"wait timeout after {int(round(seconds * 1000))}ms, "
                                 f"keys: {names}")

    def delete_key(self, key):
        """Remove ``key``; True if it existed."""
        return self._request(_DELETE, key)[1][0] == b"1"

    def num_keys(self):
        """How many keys the store holds (including its own bookkeeping key, as PyTorch's)."""
        return int(self._request(_NUM_KEYS)[1][0])

    def compare_set(self, key, expected_value, desired_value):
        """Set ``key`` to ``desired_value`` if it holds ``expected_value`` (or is absent and
        ``expected_value`` is empty); returns the value the key then has (``expected_value``
        when the key is absent and was not set)."""
        return self._request(_COMPARE_SET, key, _as_bytes(expected_value),
                             _as_bytes(desired_value))[1][0]

    def close(self):
        """Close the client socket (and stop serving on the master)."""
        try:
            self._sock.close()
        except OSError:
            pass
        if self._server is not None:
            self._server.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
