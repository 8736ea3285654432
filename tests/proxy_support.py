"""A loopback HTTP proxy for tests: it records every request line it gets (``CONNECT host:port`` for
HTTPS, ``POST http://host/...`` for plain HTTP) and forwards everything to one loopback upstream
(the fake model server), whatever host the client asked for. It never connects anywhere else, so a
test can name a remote-looking endpoint and still never leave 127.0.0.1."""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Handler(socketserver.StreamRequestHandler):
    proxy: LoopbackProxy

    def handle(self) -> None:
        line = self.rfile.readline(65536).decode("latin-1").rstrip("\r\n")
        if not line:
            return
        headers = []
        while (header := self.rfile.readline(65536)) not in (b"\r\n", b"\n", b""):
            headers.append(header)
        self.proxy.seen.append(line)
        method, target, version = line.split(" ", 2)
        if method == "CONNECT":
            if not self.proxy.tunnel:
                self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            upstream = socket.create_connection(self.proxy.upstream)
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            self._pipe(self.connection, upstream)
            return
        # absolute-form request of a plain-HTTP proxy: pass it on in origin-form
        path = "/" + target.split("://", 1)[-1].split("/", 1)[-1]
        upstream = socket.create_connection(self.proxy.upstream)
        upstream.sendall(f"{method} {path} {version}\r\n".encode("latin-1") + b"".join(headers) + b"\r\n")
        self._pipe(self.connection, upstream, plain=True)

    def _pipe(self, client: socket.socket, upstream: socket.socket, plain: bool = False) -> None:
        # whatever the client already sent past the headers sits in rfile's buffer; peek must not wait
        # for more, or a request without a body (a GET) would hang until the client gave up
        client.setblocking(False)
        try:
            pending = self.rfile.peek(0)
        except BlockingIOError:
            pending = b""
        finally:
            client.setblocking(True)
        if pending:
            upstream.sendall(self.rfile.read(len(pending)))
        sockets = [client, upstream]
        answered = False
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 5)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if plain and sock is upstream and not answered:  # the upstream's status line, passed on
                        answered = True
                        self.proxy.answered.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
                    (upstream if sock is client else client).sendall(data)
        finally:
            upstream.close()


class LoopbackProxy:
    def __init__(self, upstream: tuple[str, int], *, tunnel: bool = True) -> None:
        self.upstream = upstream
        self.tunnel = tunnel  # False: refuse CONNECT with 502, as a proxy that cannot reach the host
        self.seen: list[str] = []
        self.answered: list[str] = []  # the status line of each plain-HTTP answer the proxy passed back
        handler = type("Handler", (_Handler,), {"proxy": self})
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[LoopbackProxy]:
        thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
