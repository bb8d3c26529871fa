"""Asks a real Python sharding library where each key goes (tests/real_clients.rs).

    python3 probe.py CONFIG.json KEYFILE

CONFIG: {"library": "uhashring" | "uhashring-ketama" | "hash_ring" | "python-memcached",
         "nodes": [{"name": NAME, "weight": W}, ...], "vnodes": N or null,
         "dead": [INDEX, ...]}
KEYFILE: keys, each followed by a NUL byte.

Prints "# LIBRARY VERSION", then one line per key: the index in "nodes" of the node the
library chooses, or "-" when it chooses none. Exit 3 when the library is not installed.

uhashring and hash_ring take text keys (they hash str(key)): every key must be UTF-8.
python-memcached takes bytes keys, placed by Client._get_server with real connections:
each live server is a listening socket on 127.0.0.1 (connect succeeds, nothing is ever
sent), each dead one a bound socket that does not listen (connect is refused), so the
client's own mark_dead/rehash path runs.
"""

import importlib.metadata
import json
import socket
import sys

DISTRIBUTIONS = {
    "uhashring": "uhashring",
    "uhashring-ketama": "uhashring",
    "hash_ring": "hashring",
    "python-memcached": "python-memcached",
}


def version(library):
    try:
        return importlib.metadata.version(DISTRIBUTIONS[library])
    except importlib.metadata.PackageNotFoundError:
        return None


def text_keys(raw):
    keys = []
    for i, key in enumerate(raw):
        try:
            keys.append(key.decode("utf-8"))
        except UnicodeDecodeError as e:
            sys.exit(f"key #{i} is not UTF-8 ({e}); this library takes text keys")
    return keys


def uhashring_owners(config, keys, ketama):
    from uhashring import HashRing

    names = [n["name"] for n in config["nodes"]]
    nodes = {n["name"]: {"weight": n["weight"]} for n in config["nodes"]}
    kwargs = {}
    if ketama:
        kwargs["hash_fn"] = "ketama"
    if config.get("vnodes") is not None:
        kwargs["vnodes"] = config["vnodes"]
    ring = HashRing(nodes, **kwargs)
    index = {name: i for i, name in enumerate(names)}
    return [index[ring.get_node(k)] for k in keys]


def hash_ring_owners(config, keys):
    try:
        from hashring import HashRing  # PyPI hashring, the Python 3 port
    except ImportError:
        from hash_ring import HashRing  # Doist's original

    names = [n["name"] for n in config["nodes"]]
    weights = {n["name"]: n["weight"] for n in config["nodes"]}
    ring = HashRing(names, weights)
    index = {name: i for i, name in enumerate(names)}
    return [index[ring.get_node(k)] for k in keys]


def python_memcached_owners(config, keys):
    import memcache

    dead = set(config.get("dead", []))
    sockets = []
    servers = []
    for i, node in enumerate(config["nodes"]):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        if i not in dead:
            s.listen(16)
        sockets.append(s)
        servers.append((f"127.0.0.1:{s.getsockname()[1]}", node["weight"]))
    client = memcache.Client(servers, socket_timeout=5)
    index = {id(host): i for i, host in enumerate(client.servers)}
    owners = []
    for key in keys:
        host, _ = client._get_server(key)
        owners.append(None if host is None else index[id(host)])
    client.disconnect_all()
    for s in sockets:
        s.close()
    return owners


def main():
    config_path, key_path = sys.argv[1:3]
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    library = config["library"]
    found = version(library)
    if found is None:
        print(f"{DISTRIBUTIONS[library]} is not installed", file=sys.stderr)
        sys.exit(3)
    with open(key_path, "rb") as f:
        raw = f.read().split(b"\0")
    if raw and raw[-1] == b"":
        raw.pop()
    if library == "uhashring":
        owners = uhashring_owners(config, text_keys(raw), ketama=False)
    elif library == "uhashring-ketama":
        owners = uhashring_owners(config, text_keys(raw), ketama=True)
    elif library == "hash_ring":
        owners = hash_ring_owners(config, text_keys(raw))
    elif library == "python-memcached":
        owners = python_memcached_owners(config, raw)
    else:
        sys.exit(f"unknown library {library}")
    out = [f"# {library} {found}"]
    out.extend("-" if o is None else str(o) for o in owners)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
